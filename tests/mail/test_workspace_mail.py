"""A workspace's own mail service: sealed passwords, the settings page, the test buttons against
real servers (aiosmtpd; aioimaplib's mock IMAP server, the suite has no Dovecot), and the outbox
sending each workspace's mail through its own server."""

from __future__ import annotations

import asyncio

import pytest

from app.accounts.viewer import load_viewer
from app.audit.tables import AuditEntry
from app.config import MailSettings
from app.db import write
from app.mail import vault, workspace_mail
from app.mail.outbox import OutboxSender, enqueue
from app.mail.tables import MailAttempt, OutboxMail
from app.mail.vault import MAIL_PASSWORDS, Vault
from app.mail.workspace_mail import MailInput, WorkspaceMail
from tests import factories
from tests.fixtures.smtp import SMTPServer
from tests.helpers import HTMX, Person, csrf_from, field_error, free_port, soup
from tests.journeys import login, workspace_with_admin

SMTP_PASSWORD = "hunter2-smtp-Sekret"
IMAP_PASSWORD = "hunter2-imap-Sekret"


@pytest.fixture
def settings(settings):
    """The test servers listen on 127.0.0.1: allow it (the SSRF guard's own tests do not)."""
    return settings.replace(mail={"allow_private_hosts": True})


async def audit_rows() -> list[dict]:
    """This part's audit rows (app/audit), without the logins'."""
    rows = await AuditEntry.select().order_by(AuditEntry.id).output(load_json=True)
    return [row for row in rows if row["action"].startswith("mail_settings")]


@pytest.fixture
def second_smtp():
    server = SMTPServer()
    server.controller.start()
    try:
        yield server
    finally:
        server.controller.stop()


def _form(port: int, **extra) -> dict:
    return {"enabled": "on", "smtp_host": "127.0.0.1", "smtp_port": str(port), "smtp_security": "none",
            "smtp_username": "", "smtp_password": SMTP_PASSWORD, "imap_host": "127.0.0.1", "imap_port": "1143",
            "imap_security": "none", "imap_folder": "INBOX", "imap_username": "ann", "imap_password": IMAP_PASSWORD,
            "address": "help@acme.test", "sender_name": "Acme Help", **extra}


async def _save(person: Person, data: dict, **headers):
    html = await person.page("/admin/mail")
    return await person.client.post("/admin/mail", data={"_csrf_token": csrf_from(html), **data},
                                    headers=headers or None)


# -- sealing ------------------------------------------------------------------------------------

def test_vault_round_trip_and_key_separation():
    box = Vault("installation secret")
    sealed = box.seal("pässword")
    assert "pässword" not in sealed and box.open(sealed) == "pässword"
    assert Vault("installation secret").open(sealed) == "pässword"  # derived, not random
    assert Vault("another secret").open(sealed) is None  # secret changed
    assert Vault("installation secret", purpose=b"something else").open(sealed) is None  # other purpose
    assert MAIL_PASSWORDS != b"" and box.open("garbage") is None


# -- the page ----------------------------------------------------------------------------------

async def test_save_seals_passwords_and_never_renders_them(client, smtp_server):
    workspace, _admin = await workspace_with_admin()
    person = Person(client)
    await login(person)
    response = await _save(person, _form(smtp_server.port))
    assert response.status_code == 200 and "saved=true" in str(response.url)
    row = await WorkspaceMail.select().where(WorkspaceMail.workspace == workspace["id"]).first()
    assert SMTP_PASSWORD not in row["smtp_password"] and vault.current().open(row["smtp_password"]) == SMTP_PASSWORD
    html = await person.page("/admin/mail")
    assert SMTP_PASSWORD not in html and IMAP_PASSWORD not in html and row["smtp_password"] not in html
    page = soup(html)
    assert page.select_one("input[name=smtp_password]")["value"] == ""
    assert page.select_one("[data-password=smtp_password]") is not None  # "a password is stored"
    assert page.select_one("input[name=smtp_host]")["value"] == "127.0.0.1"
    assert page.select_one("input[name=enabled]").has_attr("checked")
    # The audit row says the passwords changed, never what they are.
    [entry] = audit = await audit_rows()
    assert entry["action"] == "mail_settings.changed" and entry["after"]["smtp_password"] == "changed"
    assert SMTP_PASSWORD not in repr(audit) and IMAP_PASSWORD not in repr(audit)
    # Saved again with empty password fields: the stored ones stay.
    await _save(person, _form(smtp_server.port, smtp_password="", imap_password="", sender_name="Acme"))
    row = await WorkspaceMail.select().where(WorkspaceMail.workspace == workspace["id"]).first()
    assert vault.current().open(row["smtp_password"]) == SMTP_PASSWORD and row["sender_name"] == "Acme"
    assert (await audit_rows())[-1]["after"] == {"sender_name": "Acme"}


async def test_errors_at_the_field_and_nothing_saved(client):
    await workspace_with_admin()
    person = Person(client)
    await login(person)
    response = await _save(person, _form(25, smtp_port="70000", smtp_host="bad host!", address="",
                                         imap_port="²", smtp_security="ssl3"))
    assert response.status_code == 422
    assert field_error(response.text, "smtp_port") and field_error(response.text, "imap_port")
    assert field_error(response.text, "smtp_host") and field_error(response.text, "smtp_security")
    assert "Required" in field_error(response.text, "address")
    assert SMTP_PASSWORD not in response.text  # what was typed is not sent back either
    assert await WorkspaceMail.count() == 0


async def test_secret_change_asks_for_the_password_again(client, smtp_server):
    workspace, _admin = await workspace_with_admin()
    person = Person(client)
    await login(person)
    await _save(person, _form(smtp_server.port))
    vault.configure("a new installation secret")
    workspace_mail.invalidate(workspace["id"])
    page = soup(await person.page("/admin/mail"))
    assert "enter it again" in page.select_one("[data-password=smtp_password]").get_text()
    server = await workspace_mail.smtp_server(workspace["id"])
    assert server is not None and server.password is None
    html = await person.page("/admin/mail")
    answer = await person.client.post("/admin/mail/test-smtp", data={"_csrf_token": csrf_from(html)}, headers=HTMX)
    assert "enter it again" in answer.text and smtp_server.messages == []


async def test_test_mail_reaches_the_admin_and_imap_errors_read_well(client, smtp_server):
    await workspace_with_admin()
    person = Person(client)
    await login(person)
    closed = free_port()
    await _save(person, _form(smtp_server.port, imap_port=str(closed)))
    html = await person.page("/admin/mail")
    response = await person.client.post("/admin/mail/test-smtp", data={"_csrf_token": csrf_from(html)},
                                        headers=HTMX)
    assert response.status_code == 200 and soup(response.text).select_one("[data-ok]")["data-ok"] == "yes"
    assert "<html" not in response.text  # the partial only
    mail = await smtp_server.wait_for(lambda m: m["To"] == "ann@acme.test")
    assert "help@acme.test" in mail["From"] and "Acme Help" in mail["From"]
    response = await person.client.post("/admin/mail/test-imap", data={"_csrf_token": csrf_from(html)},
                                        headers=HTMX)
    result = soup(response.text).select_one("[data-ok]")
    assert result["data-ok"] == "no" and "refused the connection" in result.get_text()


async def _tiny_imap(reader, writer):
    """Just enough IMAP4rev1 for a login test (the suite has no Dovecot; aioimaplib's own mock
    server needs pytz): LOGIN accepts one user, SELECT knows INBOX."""
    writer.write(b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
    while line := await reader.readline():
        tag, command, *args = line.decode().rstrip("\r\n").split(" ")
        command = command.upper()
        if command == "CAPABILITY":
            writer.write(b"* CAPABILITY IMAP4rev1\r\n")
            writer.write(f"{tag} OK done\r\n".encode())
        elif command == "LOGIN":
            ok = args == ["ann", f'"{IMAP_PASSWORD}"']
            writer.write(f"{tag} {'OK LOGIN completed' if ok else 'NO [AUTHENTICATIONFAILED] Invalid credentials'}"
                         "\r\n".encode())
        elif command == "SELECT":
            known = args[0].strip('"') == "INBOX"
            if known:
                writer.write(b"* 0 EXISTS\r\n* 0 RECENT\r\n")
            writer.write(f"{tag} {'OK [READ-WRITE] SELECT completed' if known else 'NO no such folder'}\r\n".encode())
        elif command == "LOGOUT":
            writer.write(f"* BYE\r\n{tag} OK LOGOUT completed\r\n".encode())
            await writer.drain()
            break
        else:
            writer.write(f"{tag} BAD unknown\r\n".encode())
        await writer.drain()
    writer.close()


async def test_imap_login_against_a_small_imap_server(database):
    from app.mail import probe

    server = await asyncio.start_server(_tiny_imap, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    def imap(password: str, folder: str = "INBOX") -> workspace_mail.Server:
        return workspace_mail.Server(host="127.0.0.1", port=port, security="none", username="ann",
                                     password=password, folder=folder)

    try:
        assert (await probe.imap_login(imap(IMAP_PASSWORD), allow_private=True, timeout=5)).startswith("OK")
        with pytest.raises(probe.ImapRefused, match="Invalid credentials"):
            await probe.imap_login(imap("wrong"), allow_private=True, timeout=5)
        with pytest.raises(probe.ImapRefused, match="no such folder"):
            await probe.imap_login(imap(IMAP_PASSWORD, "Nope"), allow_private=True, timeout=5)
    finally:
        server.close()
        await server.wait_closed()


# -- the outbox ---------------------------------------------------------------------------------

async def test_outbox_sends_each_workspace_through_its_own_server(database, smtp_server, second_smtp):
    own, admin = await factories.workspace(company="Own", email="own@own.test")
    other, _ = await factories.workspace(company="Other", email="other@other.test")
    viewer = await load_viewer(admin["id"])
    await workspace_mail.save(viewer, MailInput.from_form(_form(second_smtp.port)))
    async with write():
        for workspace in (own, other):
            await enqueue(to="sally@customer.test", subject=f"For {workspace['name']}", text="Hi", purpose="test",
                          domain="helprealm.test", workspace_id=workspace["id"])
        await enqueue(to="root@customer.test", subject="Installation", text="Hi", purpose="test",
                      domain="helprealm.test")
    installation = MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_server.port, allow_private_hosts=True,
                                from_address="helprealm@helprealm.test")
    assert await OutboxSender(installation).run_once() == 3
    assert [m["Subject"] for m in second_smtp.messages] == ["For Own"]
    assert second_smtp.messages[0]["From"].addresses[0].addr_spec == "help@acme.test"
    assert sorted(m["Subject"] for m in smtp_server.messages) == ["For Other", "Installation"]
    assert {r["status"] for r in await OutboxMail.select(OutboxMail.status)} == {"sent"}


async def test_outbox_without_installation_server_sends_only_own_servers_mail(database, second_smtp):
    own, admin = await factories.workspace(company="Own", email="own@own.test")
    other, _ = await factories.workspace(company="Other", email="other@other.test")
    await workspace_mail.save(await load_viewer(admin["id"]), MailInput.from_form(_form(second_smtp.port)))
    async with write():
        for workspace in (own, other):
            await enqueue(to="sally@customer.test", subject=f"For {workspace['name']}", text="Hi", purpose="test",
                          domain="helprealm.test", workspace_id=workspace["id"])
    assert await OutboxSender(MailSettings(allow_private_hosts=True)).run_once() == 1
    assert [m["Subject"] for m in second_smtp.messages] == ["For Own"]
    waiting = await OutboxMail.select(OutboxMail.subject).where(OutboxMail.status == "pending")
    assert waiting == [{"subject": "For Other"}]


async def test_outbox_refuses_a_private_host_when_not_allowed(database, second_smtp):
    own, admin = await factories.workspace(company="Own", email="own@own.test")
    await workspace_mail.save(await load_viewer(admin["id"]), MailInput.from_form(_form(second_smtp.port)))
    async with write():
        await enqueue(to="sally@customer.test", subject="Probe", text="Hi", purpose="test",
                      domain="helprealm.test", workspace_id=own["id"])
    assert await OutboxSender(MailSettings()).run_once() == 1
    assert second_smtp.messages == []
    attempt = await MailAttempt.select().first()
    assert not attempt["ok"] and "not allowed" in attempt["error"]
