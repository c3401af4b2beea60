"""Cancelling a workspace: every row, file, index document and session of it goes, and nothing of
any other workspace; the danger-zone page, its field errors and the goodbye page.

The tables are found from the database itself (sqlite_master and each table's foreign keys), so a
table added later that holds a workspace's rows fails these tests until the plan deletes it and
`fill()` below puts a row in it.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets

import httpx
import pytest
from PIL import Image

from app import clock, db
from app.accounts import service as accounts
from app.accounts.service import create_agent_confirmed
from app.accounts.twofactor import _store_recovery_codes
from app.accounts.viewer import session_for, viewer_from_session
from app.api.tables import ApiKey
from app.canned.service import CannedInput, create_canned
from app.errors import NotAuthenticated, NotFound, ValidationFailed
from app.exports.jobs import ExportRunner, exports_dir
from app.exports.tables import ExportJob
from app.faq.tables import FaqDeflection, FaqEntry
from app.groups import service as groups
from app.jobs.runner import JobRunner
from app.jobs.tables import BackgroundJob
from app.mail import gateway as mail_gateway
from app.mail.tables import ImapCursor, InboundMail, MailAttempt, OutboxMail
from app.mail.workspace_mail import MailInput
from app.mail.workspace_mail import save as save_mail
from app.profile import avatars
from app.tickets import service as tickets
from app.tickets.files import Storage, Upload, store
from app.tickets.inputs import Reply
from app.tickets.scopes import TicketScope
from app.tickets.tables import Attachment, Ticket, TicketParticipant
from app.web.sessions import SQLiteSessionStore
from app.web.tables import WebSession
from app.webhooks.tables import Webhook, WebhookAttempt, WebhookDelivery
from app.workspaces import api_access, backgrounds, cancel
from app.workspaces.service import get_by_key
from app.workspaces.tables import Workspace
from tests import factories
from tests.helpers import HTMX, Person, cookies, csrf_from, field_error, solve_captcha, soup
from tests.journeys import login, open_ticket
from tests.search.test_search import RunningSearch

NOT_PER_WORKSPACE = {"migration", "web_session"}  # sessions: their agent is inside the JSON value


# --- the schema, read from the database ------------------------------------------------------

async def _tables() -> list[str]:
    rows = await Workspace.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return sorted(row["name"] for row in rows)


async def _columns(table: str) -> set[str]:
    return {row["name"] for row in await Workspace.raw(f"PRAGMA table_info({table})")}


async def _parents(table: str) -> list[tuple[str, str]]:
    """(column, parent table) of each foreign key."""
    return [(row["from"], row["table"]) for row in await Workspace.raw(f"PRAGMA foreign_key_list({table})")]


async def _schema() -> dict[str, str]:
    """Every table that holds a workspace's rows -> the SQL condition selecting them (`{}` is the
    workspace id): its own workspace column, or a foreign key to such a table, followed to it."""
    where: dict[str, str] = {"workspace": "id = {}"}
    tables = await _tables()
    for table in tables:
        if table != "workspace" and "workspace" in await _columns(table):
            where[table] = "workspace = {}"
    changed = True
    while changed:  # tables that reach the workspace only through a parent
        changed = False
        for table in tables:
            if table in where:
                continue
            for column, parent in await _parents(table):
                if parent in where and parent != table:
                    where[table] = f'"{column}" IN (SELECT id FROM "{parent}" WHERE {where[parent]})'
                    changed = True
                    break
    return where


async def _rows(schema: dict[str, str], workspace_id: int) -> dict[str, list[dict]]:
    return {table: await Workspace.raw(f'SELECT * FROM "{table}" WHERE {cond} ORDER BY id', workspace_id)
            for table, cond in schema.items()}


async def test_the_plan_names_every_table_of_a_workspace_children_first(database):
    schema = await _schema()
    planned = [part.table for part in cancel.PLAN]
    assert len(planned) == len(set(planned))
    assert set(planned) == set(schema), "a table holding a workspace's rows is missing from cancel.PLAN"
    assert set(await _tables()) - set(schema) == NOT_PER_WORKSPACE
    for position, table in enumerate(planned):
        for _column, parent in await _parents(table):
            if parent != table:
                assert planned.index(parent) > position, f"{table} must be deleted before {parent}"


# --- two workspaces with something in every table ---------------------------------------------

def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "teal").save(out, "PNG")
    return out.getvalue()


async def fill(workspace: dict, admin: dict, settings, storage: Storage, word: str) -> dict:
    """Rows in every table of `workspace`, through the services where there is one; returns what
    the test needs (the session key)."""
    ann = await factories.viewer(admin)
    first = await factories.ticket(workspace, f"{word} printer", f"The {word} printer is on fire.",
                                   email=f"sally@{word}.test")
    second = await factories.ticket(workspace, f"{word} invoice", "Wrong address.")
    third = await factories.ticket(workspace, f"{word} duplicate", "Printer again.")
    await tickets.agent_reply(ann, first["number"], Reply(text=f"Looking into the {word} printer."))
    await tickets.add_note(ann, first["number"], Reply(text="Internal: order toner."))
    await tickets.add_agent_attachment(ann, first["number"], Upload("photo.txt", "text/plain", b"smoke"), storage)
    await tickets.set_tags(ann, first["number"], ["hardware", word])
    await tickets.merge(ann, third["number"], second["number"])
    await create_canned(ann, CannedInput(title="Thanks", body="Thank you!", shared=True))
    bea = await create_agent_confirmed(workspace["id"], email=f"bea@{word}.test", first_name="Bea",
                                       last_name="Agent", password="correct horse")
    billing = await groups.create_group(ann, f"{word} billing")
    await groups.add_member(ann, billing["id"], bea["id"])
    await Ticket.update({Ticket.group: billing["id"]}).where(Ticket.id == second["id"])
    await groups.delete_group(ann, billing["id"])  # a background job moves its ticket
    await JobRunner().run_until_idle()
    async with db.write():
        await FaqEntry(workspace=workspace["id"], question=f"{word}?", answer="Yes.", created_at=clock.now()).save()
        await FaqDeflection(workspace=workspace["id"], nonce=secrets.token_hex(16), opened_at=0).save()
        mail = await OutboxMail.select(OutboxMail.id).where(OutboxMail.workspace == workspace["id"]).first()
        await OutboxMail.update({OutboxMail.status: "sent"}).where(OutboxMail.id == mail["id"])
        await MailAttempt(mail=mail["id"], ok=True, attempted_at=clock.now()).save()
        now = clock.now()
        await ExportJob(workspace=workspace["id"], requested_by=admin["id"], format="csv", date_from=now.date(),
                        date_to=now.date(), options={}, created_at=now, expires_at=now).save()
        await TicketParticipant(workspace=workspace["id"], ticket=first["id"], email=f"cc@{word}.test",
                                created_at=now).save()
        await ImapCursor(workspace=workspace["id"], uidvalidity=7, last_uid=3, updated_at=now).save()
        raw_name = store(settings.quarantine_path, b"From: x@y.test\r\n\r\nheld")
        await InboundMail(workspace=workspace["id"], dedup_key=f"held@{word}", outcome="quarantined",
                          state="held", raw_name=raw_name, received_at=now).save()
        await ApiKey(workspace=workspace["id"], agent=admin["id"], key_hash=secrets.token_hex(32),
                     created_at=now).save()
        hook = (await Webhook.insert(Webhook(workspace=workspace["id"], url="https://hooks.test/", created_at=now,
                                             updated_at=now)).returning(Webhook.id))[0]["id"]
        delivery = (await WebhookDelivery.insert(WebhookDelivery(
            workspace=workspace["id"], webhook=hook, event="ticket.created", ticket=first["id"], payload="{}",
            next_attempt_at=now, created_at=now)).returning(WebhookDelivery.id))[0]["id"]
        await WebhookAttempt(delivery=delivery, attempted_at=now, status_code=500).save()
    await ExportRunner(exports_dir(settings.data_path)).run_once()
    await save_mail(ann, MailInput.from_form({"smtp_host": "smtp.example.com", "address": f"help@{word}.test"}))
    await api_access.generate_token(workspace["id"], ann)
    await api_access.set_access(workspace["id"], ann, True)
    await mail_gateway.generate_token(workspace["id"], ann)
    await accounts.request_password_reset(f"bea@{word}.test")  # a reset link (account_token)
    await avatars.save(ann, _png())  # agent_avatar
    await _store_recovery_codes(admin["id"])  # recovery_code
    await backgrounds.add_image(ann, Upload("sky.png", "image/png", _png()), settings.backgrounds_path)
    session = secrets.token_hex(32)
    await SQLiteSessionStore().set(session, json.dumps(session_for(admin)).encode(), expires_in=3600)
    return {"session": session, "api_token": await api_access.generate_token(workspace["id"], ann)}


def _files(directory) -> set[str]:
    return {p.name for p in directory.iterdir()} if directory.exists() else set()


async def test_cancel_deletes_everything_of_one_workspace_and_nothing_of_the_other(database, settings, monkeypatch):
    storage = Storage(directory=settings.attachments_path, max_bytes=1 << 20)
    search = RunningSearch(settings.index_path)
    await search.start()
    try:
        doomed, doomed_admin = await factories.workspace("Doomed Inc", "dora@doomed.test", name="Dora Admin")
        kept, kept_admin = await factories.workspace("Kept Ltd", "karl@kept.test", name="Karl Admin")
        gone = await fill(doomed, doomed_admin, settings, storage, "doomed")
        stays = await fill(kept, kept_admin, settings, storage, "kept")
        await search.idle()

        schema = await _schema()
        for workspace in (doomed, kept):
            empty = [table for table, rows in (await _rows(schema, workspace["id"])).items() if not rows]
            assert empty == [], f"fill() leaves these tables empty: {empty}"
        before = await _rows(schema, kept["id"])
        kept_files = {r["stored_name"] for r in await Attachment.select().where(Attachment.workspace == kept["id"])}
        kept_held = {r["raw_name"] for r in await InboundMail.select().where(InboundMail.workspace == kept["id"])}
        kept_exports = {r["file_name"] for r in await ExportJob.select().where(ExportJob.workspace == kept["id"])}
        assert kept_files and kept_exports
        kept_backgrounds = _files(backgrounds.folder(settings.backgrounds_path, kept["id"]))
        assert kept_backgrounds and _files(backgrounds.folder(settings.backgrounds_path, doomed["id"]))
        assert (await search.search(TicketScope(doomed["id"]), "printer")).total == 2
        kept_hits = await _hits(search, kept, "printer")
        assert kept_hits

        async with db.write():  # an export waiting for the runner when the workspace is cancelled
            now = clock.now()
            await ExportJob(workspace=doomed["id"], requested_by=doomed_admin["id"], format="csv", date_from=now.date(),
                            date_to=now.date(), options={}, created_at=now, expires_at=now).save()

        monkeypatch.setattr(cancel, "BATCH", 3)  # many small steps: the order must hold between them
        job = await cancel.cancel_workspace(
            await factories.viewer(doomed_admin), "  Doomed Inc ", captcha_errors={},
            attachments_dir=settings.attachments_path, exports_dir=exports_dir(settings.data_path),
            backgrounds_dir=settings.backgrounds_path, quarantine_dir=settings.quarantine_path)

        # Shut at once, before the job ran: sessions, logins, the public page, the API token.
        assert await WebSession.count().where(WebSession.key == gone["session"]) == 0
        assert await viewer_from_session(session_for(doomed_admin)) is None
        with pytest.raises(NotAuthenticated):
            await accounts.authenticate("dora@doomed.test", "correct horse")
        with pytest.raises(NotFound):
            await get_by_key(doomed["key"])
        assert not await api_access.verify_api_token(doomed["id"], gone["api_token"])
        assert await OutboxMail.count().where(OutboxMail.workspace == doomed["id"],
                                              OutboxMail.status == "pending") == 0
        left = sum(len(rows) for rows in (await _rows(schema, doomed["id"])).values())
        assert job["total"] == left - 1  # all but the job's own row, which goes with the workspace row

        export_files = _files(exports_dir(settings.data_path))
        await ExportRunner(exports_dir(settings.data_path)).run_once()
        assert _files(exports_dir(settings.data_path)) == export_files  # the queued export was called off
        await JobRunner().run_until_idle()
        await search.idle()

        assert {t: rows for t, rows in (await _rows(schema, doomed["id"])).items() if rows} == {}
        assert await BackgroundJob.count().where(BackgroundJob.id == job["id"]) == 0  # went with the workspace
        assert await _rows(schema, kept["id"]) == before  # row for row
        assert _files(settings.attachments_path) == kept_files  # file for file
        assert _files(exports_dir(settings.data_path)) == kept_exports
        assert _files(settings.quarantine_path) == kept_held
        assert not backgrounds.folder(settings.backgrounds_path, doomed["id"]).exists()
        assert _files(backgrounds.folder(settings.backgrounds_path, kept["id"])) == kept_backgrounds
        assert await WebSession.count().where(WebSession.key == stays["session"]) == 1
        assert await _hits(search, doomed, "printer") == []
        assert await _hits(search, kept, "printer") == kept_hits  # still found
        remaining = {r["id"] for r in await Ticket.select(Ticket.id).where(Ticket.merged_into.is_null())}
        assert await _indexed(search) == remaining  # no document of the cancelled workspace is left
        assert (await accounts.authenticate("karl@kept.test", "correct horse"))["id"] == kept_admin["id"]
        assert (await get_by_key(kept["key"]))["id"] == kept["id"]
        assert await api_access.verify_api_token(kept["id"], stays["api_token"])
    finally:
        await search.stop()


async def _hits(search: RunningSearch, workspace: dict, text: str) -> list[int]:
    return sorted(hit.number for hit in (await search.search(TicketScope(workspace["id"]), text)).hits)


async def _indexed(search: RunningSearch) -> set[int]:
    """The tickets of the live documents (a term of a deleted one stays in the lexicon)."""

    def read() -> set[int]:
        with search.index.open().searcher() as searcher:
            return {int(fields["ticket_id"]) for fields in searcher.documents()}

    return await asyncio.to_thread(read)


async def test_a_wrong_company_name_or_captcha_changes_nothing(database, settings):
    workspace, admin = await factories.workspace()
    viewer = await factories.viewer(admin)
    dirs = {"attachments_dir": settings.attachments_path, "exports_dir": exports_dir(settings.data_path),
            "backgrounds_dir": settings.backgrounds_path}
    for company, captcha in (("acme", {}), ("Acme Inc", {}), ("", {}), ("Acme" * 10_000, {}),
                             ("Acme", {"captcha": "The answer to the captcha is wrong."})):
        with pytest.raises(ValidationFailed) as failed:
            await cancel.cancel_workspace(viewer, company, captcha_errors=captcha, **dirs)
        assert set(failed.value.errors) == ({"captcha"} if captcha else {"company"})
    assert (await get_by_key(workspace["key"]))["cancelled_at"] is None
    assert await BackgroundJob.count() == 0
    assert await viewer_from_session(session_for(admin)) is not None


# --- the pages ----------------------------------------------------------------------------------

async def test_the_danger_zone_page_asks_for_the_name_and_the_captcha(client, person: Person):
    workspace, admin = await factories.workspace()
    await login(person)
    html = await person.page("/admin/cancel")
    page = soup(html)
    assert page.select_one(".admin-nav a[aria-current=page]").get_text(strip=True) == "Cancel workspace"
    assert page.select_one("[data-company]").get_text() == "Acme"
    assert page.select_one(".danger-box button[type=submit]").get_text(strip=True) == "Cancel and delete my data"

    response = await client.post("/admin/cancel", data={"_csrf_token": csrf_from(html), "company": "Acme Corp",
                                                        **solve_captcha(html)})
    assert response.status_code == 422
    assert field_error(response.text, "company") and field_error(response.text, "captcha") is None
    assert soup(response.text).select_one("input[name=company]")["value"] == "Acme Corp"
    response = await client.post("/admin/cancel", data={"_csrf_token": csrf_from(html), "company": "Acme",
                                                        "captcha": "999", "captcha_token": "forged"})
    assert response.status_code == 422 and field_error(response.text, "captcha")
    assert (await get_by_key(workspace["key"]))["cancelled_at"] is None
    await person.page("/dashboard")  # still logged in

    customer = Person(client)
    with cookies(client, httpx.Cookies()):
        ticket = await open_ticket(customer, workspace)
    html = await person.page("/admin/cancel")
    sessions = [row["value"] for row in await WebSession.select(WebSession.value)]
    assert len(sessions) == 1 and json.loads(sessions[0])["agent_id"] == admin["id"]  # what a login stores
    response = await client.post("/admin/cancel", data={"_csrf_token": csrf_from(html), "company": "Acme",
                                                        **solve_captcha(html)}, follow_redirects=False)
    assert await WebSession.count() == 0
    assert response.status_code == 303 and response.headers["location"] == "/goodbye"
    goodbye = await person.page("/goodbye")
    assert "are being deleted" in soup(goodbye).select_one(".message").get_text()
    response = await client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    response = await person.submit("/login", "/login", {"email": "ann@acme.test", "password": "correct horse"})
    assert response.status_code == 401
    await person.page(f"/{workspace['key']}/", status=404)
    await person.page(f"/{workspace['key']}/ticket/show/{ticket['hash']}", status=404)


async def test_htmx_submit_redirects_to_goodbye_and_agents_get_403(client, person: Person):
    workspace, admin = await factories.workspace()
    await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                 password="correct horse")
    await login(person, "bea@acme.test")
    await person.page("/admin/cancel", status=403)
    html = await person.page("/dashboard")
    response = await client.post("/admin/cancel", data={"_csrf_token": csrf_from(html), "company": "Acme"})
    assert response.status_code == 403
    assert (await get_by_key(workspace["key"]))["cancelled_at"] is None

    admin_person = Person(client)
    with cookies(client, httpx.Cookies()):
        await login(admin_person)
        html = await admin_person.page("/admin/cancel", headers=HTMX)  # just the fragment
        fragment = soup(html)
        assert fragment.select_one(".admin-nav") is None and fragment.select_one("section#cancel form[hx-post]")
        response = await client.post("/admin/cancel", headers=HTMX, data={"_csrf_token": csrf_from(html),
                                                                          "company": "ACME", **solve_captcha(html)})
        assert response.status_code == 422 and field_error(response.text, "company")
        assert soup(response.text).select_one(".admin-nav") is None  # the fragment again, to swap
        html = response.text
        response = await client.post("/admin/cancel", headers=HTMX,
                                     data={"_csrf_token": csrf_from(html), "company": "Acme", **solve_captcha(html)})
        assert response.status_code == 200 and response.headers["HX-Redirect"] == "/goodbye"
    assert await WebSession.count() == 0  # Bea's session row too, found by the agent id inside it
    response = await client.get("/dashboard", follow_redirects=False)  # Bea's session ended too
    assert response.status_code == 303
