"""The quarantine page (/admin/quarantine, issue 11 §6): the held messages, one message in its
sandboxed frame, and the superadmin's decisions (post to the named ticket, open a ticket,
discard, purged 30 days later). Messages are piped in for real, as in tests/mail/test_inbound.py."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from app import clock
from app.audit.tables import AuditEntry
from app.mail import quarantine
from app.mail.inbound import MailIn, _Message
from app.mail.parse import parse_message
from app.mail.tables import InboundMail
from app.system.cleanup import Cleanup
from app.tickets.tables import Ticket, TimelineEntry
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, soup
from tests.journeys import login
from tests.mail.test_inbound import SALLY, desk, mail, posts, settings  # noqa: F401 - the fixtures, shared

EVIL = "mallory@evil.test"
HOSTILE_HTML = ('<p>Hello <b>there</b></p><script>alert("x")</script>'
                '<img src="x" onerror="alert(1)"><img src="https://tracker.test/pixel.gif" alt="pixel">'
                '<a href="javascript:alert(2)">click</a>')


def html_mail(subject: str, *, sender: str = EVIL, html: str = HOSTILE_HTML) -> bytes:
    message = EmailMessage()
    message["From"] = f"Mallory <{sender}>"
    message["To"] = "support@acme.test"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="evil.test")
    message.set_content("Hello there (text part)")
    message.add_alternative(html, subtype="html")
    return message.as_bytes()


@pytest.fixture
async def held(desk, person: Person):  # noqa: F811 - pytest's fixture by name
    """A ticket of Sally's, a stranger's HTML mail on it (held), and the admin logged in."""
    workspace, ann, pipe = desk
    ticket = await factories.ticket(workspace)
    answer = await pipe(html_mail(f"Re: [ID:{ticket['hash']}] your data"))
    assert answer["outcome"] == "quarantined" and answer["reason"] == "stranger"
    row = await InboundMail.select().where(InboundMail.outcome == "quarantined").first()
    await login(person)
    return workspace, ticket, row, pipe


async def decide(person: Person, row_id: int, action: str, **kwargs):
    page = await person.page(f"/admin/quarantine/{row_id}")
    return await person.client.post(f"/admin/quarantine/{row_id}", data={"_csrf_token": csrf_from(page),
                                                                       "action": action},
                                  follow_redirects=False, **kwargs)


async def test_the_list_shows_held_messages_newest_first_and_filters_by_state(held, person: Person):
    workspace, ticket, row, pipe = held
    await pipe(b"not a mail at all")
    page = soup(await person.page("/admin/quarantine"))
    assert page.select_one("nav.admin-nav a[aria-current=page]").get_text() == "Quarantine"
    rows = page.select("tr[data-mail]")
    assert len(rows) == 2
    newest, first = rows
    assert "Not a readable e-mail" in newest.get_text()
    assert EVIL in first.get_text() and "your data" in first.get_text()
    assert "is not from its customer" in first.get_text() and f"#{ticket['number']}" in first.get_text()
    assert "Held (2)" in page.select_one("select[name=state]").get_text()
    # The filter (HTMX: the rows only); discarded ones are not among the held.
    await decide(person, row["id"], "discard")
    fragment = soup(await person.page("/admin/quarantine?state=discarded", headers=HTMX))
    assert fragment.select_one("#quarantine-rows") and not fragment.find("nav", class_="admin-nav")
    assert [int(r["data-mail"]) for r in fragment.select("tr[data-mail]")] == [row["id"]]
    assert len(soup(await person.page("/admin/quarantine")).select("tr[data-mail]")) == 1
    assert soup(await person.page("/admin/quarantine?state=nonsense")).select("tr[data-mail]")  # held


async def test_the_message_page_frames_the_body_and_the_frame_keeps_scripts_and_images_out(held, person: Person):
    _workspace, ticket, row, _pipe = held
    page = soup(await person.page(f"/admin/quarantine/{row['id']}"))
    frame = page.select_one("iframe.mail-frame")
    assert frame.has_attr("sandbox")
    assert "allow-scripts" not in frame["sandbox"] and "allow-same-origin" not in frame["sandbox"]
    assert frame["src"] == f"/admin/quarantine/{row['id']}/view"
    assert "onerror" not in str(page) and "tracker.test" not in str(page)  # the HTML is never in the page
    assert {b.get_text() for b in page.select(".quarantine-actions button")} == {
        f"Post to ticket #{ticket['number']}", "Open a new ticket", "Discard"}
    fragment = soup(await person.page(f"/admin/quarantine/{row['id']}", headers=HTMX))
    assert fragment.select_one("#quarantine-mail") and not fragment.find("nav", class_="admin-nav")

    response = await person.client.get(f"/admin/quarantine/{row['id']}/view")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "img-src data: cid:;" in policy and "style-src 'unsafe-inline'" in policy
    assert "script-src" not in policy and "frame-ancestors 'self'" in policy and "sandbox" in policy
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.text
    assert "<b>there</b>" in body
    for hostile in ("<script", "alert(", "onerror", "javascript:", "tracker.test"):
        assert hostile not in body, hostile


async def test_posting_to_the_named_ticket_is_a_message_by_the_sender_and_releases_it(held, person: Person):
    workspace, ticket, row, _pipe = held
    response = await decide(person, row["id"], "post", headers=HTMX)
    assert response.status_code == 200 and "Released into ticket" in response.text
    [post] = await posts(ticket["id"])
    assert post["kind"] == "customer" and post["author_name"] == "Mallory" and "Hello there" in post["body"]
    assert post["data"]["via"] == "mail" and post["body_html"]
    after = await InboundMail.select().where(InboundMail.id == row["id"]).first()
    assert after["state"] == "released" and after["ticket"] == ticket["id"] and after["resolved_at"] is not None
    audit = await AuditEntry.select().where(AuditEntry.action == "quarantine.post").first()
    assert audit["workspace"] == workspace["id"]
    # Decided once: a second decision is refused, nothing posted twice; no buttons any more.
    again = await decide(person, row["id"], "open")
    assert again.status_code == 409 and "dealt with already" in again.text
    assert len(await posts(ticket["id"])) == 1 and await Ticket.count() == 1
    assert not soup(await person.page(f"/admin/quarantine/{row['id']}")).select(".quarantine-actions")


async def test_the_customers_own_mail_posts_as_the_customer(desk, person: Person, settings):  # noqa: F811
    workspace, _ann, _pipe = desk
    ticket = await factories.ticket(workspace)
    # Held on its way in (a rule of the ticket said no, say): posted by hand, it is hers.
    raw = mail(f"Re: [ID:{ticket['hash']}]", "Thanks, it works now.")
    message = _Message(workspace, raw, "pipe", "key-1", parse_message(raw), SALLY)
    answer = await MailIn(settings, None).hold(message, quarantine.PROCESSING_FAILED, ticket)
    assert answer.outcome == "quarantined"
    row = await InboundMail.select().where(InboundMail.dedup_key == "key-1").first()
    await login(person)
    assert (await decide(person, row["id"], "post")).status_code == 303
    [post] = await posts(ticket["id"])
    assert post["kind"] == "customer" and post["author_name"] == ticket["customer_name"]
    assert "Thanks, it works now." in post["body"]


async def test_opening_a_new_ticket_makes_the_sender_its_customer(held, person: Person):
    workspace, ticket, row, _pipe = held
    response = await decide(person, row["id"], "open")
    assert response.status_code == 303 and response.headers["location"] == f"/admin/quarantine/{row['id']}"
    new = await Ticket.select().where(Ticket.id != ticket["id"]).first()
    assert new["workspace"] == workspace["id"] and new["customer_email"] == EVIL
    assert new["subject"].endswith("your data")
    after = await InboundMail.select().where(InboundMail.id == row["id"]).first()
    assert after["state"] == "released" and after["ticket"] == new["id"]
    assert await posts(ticket["id"]) == []
    page = soup(await person.page(f"/admin/quarantine/{row['id']}"))
    assert page.select_one(".state").get_text(strip=True).startswith("Released")


async def test_discard_then_the_file_is_purged_30_days_later(held, person: Person, settings):  # noqa: F811
    _workspace, ticket, row, pipe = held
    path = settings.quarantine_path / row["raw_name"]
    assert path.is_file()
    await pipe(b"not a mail at all")
    unreadable = await InboundMail.select().where(InboundMail.reason == "unparseable").first()
    page = soup(await person.page(f"/admin/quarantine/{unreadable['id']}"))
    assert [b.get_text() for b in page.select(".quarantine-actions button")] == ["Discard"]  # nothing else possible
    refused = await decide(person, unreadable["id"], "open")
    assert refused.status_code == 409 and "can only be discarded" in refused.text
    view = await person.client.get(f"/admin/quarantine/{unreadable['id']}/view")
    assert "<pre>not a mail at all</pre>" in view.text

    assert (await decide(person, row["id"], "discard")).status_code == 303
    after = await InboundMail.select().where(InboundMail.id == row["id"]).first()
    assert after["state"] == "discarded" and after["resolved_at"] is not None and await posts(ticket["id"]) == []
    assert await AuditEntry.exists().where(AuditEntry.action == "quarantine.discard")
    cleanup = Cleanup(quarantine_dir=settings.quarantine_path)
    with clock.frozen(clock.now() + timedelta(days=29)):
        await cleanup.run_once()
    assert path.is_file()
    with clock.frozen(clock.now() + timedelta(days=31)):
        counts = await cleanup.run_once()
    assert counts["quarantine"] == 1 and not path.is_file()
    assert (await InboundMail.select().where(InboundMail.id == row["id"]).first())["raw_name"] == ""
    assert (settings.quarantine_path / unreadable["raw_name"]).is_file()  # still held: kept
    await login(person)  # the cleanup 31 days on ended the session too
    gone = await person.client.get(f"/admin/quarantine/{row['id']}/view")
    assert gone.status_code == 200 and "file has been deleted" in gone.text


async def test_a_too_large_message_shows_its_beginning_and_can_only_be_discarded(held, person: Person):
    _workspace, _ticket, _row, pipe = held
    answer = await pipe(mail("Huge", "line of text\n" * 30_000))
    assert answer["reason"] == "too_large"
    big = await InboundMail.select().where(InboundMail.reason == "too_large").first()
    page = soup(await person.page(f"/admin/quarantine/{big['id']}"))
    assert [b.get_text() for b in page.select(".quarantine-actions button")] == ["Discard"]
    assert "Too large to be processed" in page.select_one(".reason").get_text()
    view = await person.client.get(f"/admin/quarantine/{big['id']}/view")
    assert "Subject: Huge" in view.text and len(view.text) < 600_000  # the beginning, not all of it


async def test_another_workspace_a_plain_agent_and_a_missing_csrf_token_get_nothing(held, person: Person):
    _workspace, ticket, row, _pipe = held
    other, _bob = await factories.workspace(company="Other", email="bob@other.test")
    from app.accounts.service import create_agent_confirmed

    await create_agent_confirmed(_workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                 password="correct horse")
    # CSRF: refused without the token.
    no_token = await person.client.post(f"/admin/quarantine/{row['id']}", data={"action": "discard"})
    assert no_token.status_code == 403
    # Another workspace's superadmin: 404 for the page, the frame and the decision.
    person.client.cookies.clear()
    await login(person, email="bob@other.test")
    for url in (f"/admin/quarantine/{row['id']}", f"/admin/quarantine/{row['id']}/view"):
        assert (await person.client.get(url)).status_code == 404
    token = csrf_from(await person.page("/admin/quarantine"))
    assert (await person.client.post(f"/admin/quarantine/{row['id']}", data={
        "_csrf_token": token, "action": "discard"})).status_code == 404
    assert not soup(await person.page("/admin/quarantine")).select("tr[data-mail]")
    # A plain agent of the same workspace: 403.
    person.client.cookies.clear()
    await login(person, email="bea@acme.test")
    assert (await person.client.get(f"/admin/quarantine/{row['id']}/view")).status_code == 403
    assert (await InboundMail.select().where(InboundMail.id == row["id"]).first())["state"] == "held"
    assert await TimelineEntry.count().where(TimelineEntry.ticket == ticket["id"], TimelineEntry.kind != "event") == 0


async def test_a_looping_reply_is_posted_to_the_ticket_its_subject_names(desk, person: Person):  # noqa: F811
    workspace, _ann, pipe = desk
    ticket = await factories.ticket(workspace)
    answers = [await pipe(mail(f"Re: [ID:{ticket['hash']}]", f"Update {i}")) for i in range(7)]
    assert [a["outcome"] for a in answers] == ["appended"] * 6 + ["quarantined"]
    row = await InboundMail.select().where(InboundMail.outcome == "quarantined").first()
    assert row["reason"] == "loop" and row["ticket"] is None  # held before the pipeline looked
    await login(person)
    page = soup(await person.page(f"/admin/quarantine/{row['id']}"))
    assert page.select_one(".quarantine-actions button.primary").get_text() == f"Post to ticket #{ticket['number']}"
    assert (await decide(person, row["id"], "post")).status_code == 303
    assert (await posts(ticket["id"]))[-1]["body"].strip() == "Update 6"
    assert (await InboundMail.select().where(InboundMail.id == row["id"]).first())["ticket"] == ticket["id"]
