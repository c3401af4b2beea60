"""Customer and agent journeys in a real browser against a real `helprealm serve`.

The three tests run in order and build on each other:
1. a customer opens a ticket on the public page, gets the mail, replies and uploads a file;
2. an agent finds the ticket with the live search, writes a note and a reply, changes fields;
3. the customer sees the reply (not the note) and gets the reply mail.
"""

from __future__ import annotations

import re
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Installation, Watched

UNIQUE = f"{int(time.time() * 1000) % 10**8:08d}"
SUBJECT_WORD = "Zeppelin"  # only in the first ticket; the search word
SUBJECT = f"{SUBJECT_WORD} launch pad flooded"
OTHER_SUBJECT = "Invoice address outdated"
CUSTOMER_NAME = "Sally Sailor"
CUSTOMER_EMAIL = "sally@customer.test"
TICKET_TEXT = "The launch pad is under water since this morning. What can we do?"
CUSTOMER_REPLY = f"Here is a photo of the water level (ref {UNIQUE})."
UPLOAD_NAME = "water-level.txt"
UPLOAD_BYTES = f"water level: 42 cm, ref {UNIQUE}\n".encode()
NOTE_TEXT = f"Internal: facility team says pump #3 is broken ({UNIQUE})"
REPLY_TEXT = f"We are sending a pump truck right away ({UNIQUE})."

HASH_IN_SUBJECT = re.compile(r"\[ID:([0-9a-f]{32})\]")


def _text_part(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, f"mail {message['Subject']!r} has no text/plain part"
    return body.get_content()


def _solve_captcha(page: Page) -> None:
    """Read "a + b = ?" like a person would and type the sum."""
    question = page.locator(".captcha-question").inner_text()
    match = re.fullmatch(r"\s*(\d+)\s*\+\s*(\d+)\s*=\s*\?\s*", question)
    assert match, f"unexpected captcha question {question!r}"
    page.get_by_role("textbox", name=re.compile("Captcha")).fill(str(int(match.group(1)) + int(match.group(2))))


def _fill_ticket_form(page: Page, *, name: str, email: str, subject: str, text: str, type_label: str,
                      prio_label: str) -> None:
    form = page.locator("#ticket-form")
    form.get_by_label("Your name").fill(name)
    form.get_by_label("Your e-mail address").fill(email)
    form.get_by_label("Subject").fill(subject)
    form.get_by_label("How can we help?").fill(text)
    form.get_by_label("Type").select_option(label=type_label)
    form.get_by_label("Priority").select_option(label=prio_label)
    _solve_captcha(page)


def _require(journey: dict, *keys: str) -> None:
    missing = [k for k in keys if k not in journey]
    if missing:
        pytest.skip(f"an earlier journey did not get far enough (missing {missing})")


# -- 1. customer --------------------------------------------------------------------------------


def test_customer_opens_ticket_replies_and_uploads(customer: Watched, installation: Installation, journey: dict, shot,
                                                   tmp_path: Path):
    page = customer.page
    smtp = installation.smtp

    page.goto(installation.public_url)
    expect(page).to_have_title(f"{installation.company} support")
    expect(page.get_by_role("heading", name="Create new ticket")).to_be_visible()
    expect(page.get_by_role("link", name=installation.company)).to_be_visible()
    shot(page, "01-portal-form")

    # A wrong captcha answer keeps the form and the typed values, with the error next to the field.
    _fill_ticket_form(page, name=CUSTOMER_NAME, email=CUSTOMER_EMAIL, subject=SUBJECT, text=TICKET_TEXT,
                      type_label="Incident", prio_label="Medium")
    captcha = page.get_by_role("textbox", name=re.compile("Captcha"))
    captcha.fill("-1")
    customer.expect_status("POST", 422, r"/ticket/create$")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#err-captcha")).to_have_text("The answer to the captcha is wrong.")
    expect(page.get_by_role("alert")).to_contain_text("Please correct the marked fields.")
    expect(page.locator("#ticket-form").get_by_label("Subject")).to_have_value(SUBJECT)
    expect(page.locator("#ticket-form").get_by_label("Type")).to_have_value(
        page.locator("#ticket-form select[name=type] option", has_text="Incident").get_attribute("value"))
    shot(page, "02-portal-captcha-error")

    # The form came back with a new question: solve it and send.
    _solve_captcha(page)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/ticket/create")) as sent:
        page.get_by_role("button", name="Submit").click()
    assert sent.value.headers.get("hx-request") == "true", "the form should be sent by htmx, not a full page post"
    success = page.locator("#ticket-form").get_by_role("status")
    expect(success.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(success).to_contain_text("Your ticket has been created. We have sent you an e-mail with a link to it.")
    expect(page).to_have_url(installation.public_url)  # swapped in place, no navigation
    shot(page, "03-portal-created")

    # The confirmation mail: subject with [ID:<hash>], text with the permalink.
    mail = smtp.wait_for_sync(lambda m: SUBJECT in str(m["Subject"]), timeout=15)
    assert mail["To"] and CUSTOMER_EMAIL in str(mail["To"]), mail["To"]
    found = HASH_IN_SUBJECT.search(str(mail["Subject"]))
    assert found, f"no [ID:<hash>] in {mail['Subject']!r}"
    ticket_hash = found.group(1)
    permalink = installation.permalink(ticket_hash)
    text = _text_part(mail)
    assert permalink in text, f"permalink {permalink} not in the mail text:\n{text}"
    assert CUSTOMER_NAME in text
    journey["hash"] = ticket_hash
    journey["permalink"] = permalink

    # A second ticket, so that the agent's search has something to filter out.
    page.get_by_role("link", name="Open another ticket").click()
    expect(page).to_have_url(installation.public_url)
    _fill_ticket_form(page, name="Otto Other", email="otto@customer.test", subject=OTHER_SUBJECT,
                      text="Please use our new address.", type_label="Service Request", prio_label="Low")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#ticket-form").get_by_role("heading", name="Thank you")).to_be_visible()
    smtp.wait_for_sync(lambda m: OTHER_SUBJECT in str(m["Subject"]), timeout=15)

    # The permalink from the mail.
    page.goto(permalink)
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    head = page.locator(".ticket-head")
    expect(head).to_contain_text(TICKET_TEXT)
    expect(head.locator(".badge").first).to_have_text("Open")
    expect(head).to_contain_text("Medium")
    expect(page.locator(".permalink a")).to_have_attribute("href", permalink)
    expect(page.locator(".thread")).to_contain_text("Ticket opened")
    shot(page, "04-customer-ticket")

    # Reply.
    page.get_by_label("Your reply").fill(CUSTOMER_REPLY)
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_role("status").filter(has_text="Your message has been sent.")).to_be_visible()
    reply = page.locator("article.post-customer", has_text=CUSTOMER_REPLY)
    expect(reply).to_have_count(1)
    expect(reply.locator("header")).to_contain_text(CUSTOMER_NAME)
    expect(page.get_by_label("Your reply")).to_have_value("")

    # Upload a file.
    page.get_by_label("Attach a file").set_input_files(
        files=[{"name": UPLOAD_NAME, "mimeType": "text/plain", "buffer": UPLOAD_BYTES}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status").filter(has_text="Your file has been uploaded.")).to_be_visible()
    files = page.locator("section", has=page.get_by_role("heading", name="Files"))
    link = files.get_by_role("link", name=UPLOAD_NAME)
    expect(link).to_be_visible()
    expect(page.locator(".thread")).to_contain_text(f"File added: {UPLOAD_NAME}")
    # Both are still there after a full reload (stored, not only swapped in).
    page.reload()
    expect(page.locator("article.post-customer", has_text=CUSTOMER_REPLY)).to_have_count(1)
    with page.expect_download() as download:
        files.get_by_role("link", name=UPLOAD_NAME).click()
    saved = tmp_path / "download"
    download.value.save_as(saved)
    assert download.value.suggested_filename == UPLOAD_NAME
    assert saved.read_bytes() == UPLOAD_BYTES
    shot(page, "05-customer-replied-uploaded")

    customer.assert_clean()
    journey["customer_done"] = True


# -- 2. agent -----------------------------------------------------------------------------------


def _search(page: Page, word: str, row, gone, timeout: float = 20.0) -> None:
    """Type into the live search until `row` shows (the index is written shortly after changes).

    `gone` is a row the search must filter out: once it has left, the rows were swapped.
    """
    box = page.get_by_role("searchbox", name="Search tickets")
    deadline = time.monotonic() + timeout
    while True:
        with page.expect_response(lambda r: "/tickets?" in r.url and f"q={word}" in r.url) as answer:
            box.fill(word)
        assert answer.value.status == 200
        assert answer.value.request.headers.get("hx-request") == "true", "search should go through htmx"
        expect(gone).to_have_count(0)
        try:
            expect(row).to_be_visible(timeout=1_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        with page.expect_response(lambda r: "/tickets?" in r.url and "q=" in r.url and f"q={word}" not in r.url):
            box.fill("")


def test_agent_finds_and_handles_ticket(agent: Watched, installation: Installation, journey: dict, shot):
    _require(journey, "hash", "customer_done")
    page = agent.page

    page.goto(f"{installation.base_url}/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shot(page, "06-agent-login")
    page.get_by_label("E-mail address").fill(installation.admin_email)
    page.get_by_label("Password").fill(installation.admin_password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{installation.base_url}/dashboard")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".public-link")).to_have_text(installation.public_url)
    shot(page, "07-agent-dashboard")

    page.goto(f"{installation.base_url}/tickets")
    rows = page.locator("#ticket-rows tbody tr")
    ours = rows.filter(has=page.get_by_role("link", name=SUBJECT))
    other = rows.filter(has=page.get_by_role("link", name=OTHER_SUBJECT))
    expect(ours).to_have_count(1)
    expect(other).to_have_count(1)
    expect(ours).to_contain_text(CUSTOMER_NAME)
    expect(page.locator(".pager")).to_contain_text("of 2 entries")
    shot(page, "08-agent-ticket-list")

    # Live search: rows change in place; a marker on window proves there was no page load.
    page.evaluate("window.__e2eMarker = 'still-here'")
    _search(page, SUBJECT_WORD, ours, gone=other)
    expect(rows).to_have_count(1)
    expect(ours).to_have_count(1)
    expect(page.locator(".pager")).to_contain_text("of 1 entries")
    assert page.evaluate("window.__e2eMarker") == "still-here", "the search reloaded the page"
    expect(page).to_have_url(re.compile(rf"/tickets\?.*q={SUBJECT_WORD}"))  # hx-push-url
    shot(page, "09-agent-search")

    ours.get_by_role("link", name=SUBJECT).click()
    expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    number = page.url.rsplit("/", 1)[1]
    expect(page.get_by_role("heading", level=1)).to_have_text(f"#{number}: {SUBJECT}")
    head = page.locator(".ticket-head")
    expect(head).to_contain_text(f"{CUSTOMER_NAME} <{CUSTOMER_EMAIL}>")
    expect(head.locator(".hash code")).to_have_text(journey["hash"])

    # What the customer did: reply and file.
    thread = page.get_by_role("region", name="Thread")
    customer_post = thread.locator("article.post-customer", has_text=CUSTOMER_REPLY)
    expect(customer_post).to_have_count(1)
    expect(customer_post.locator(".badge")).to_have_text("Customer")
    attachments = page.locator("section", has=page.get_by_role("heading", name="Attachments"))
    expect(attachments.get_by_role("link", name=UPLOAD_NAME)).to_be_visible()
    expect(attachments).to_contain_text("customer")
    with page.expect_download() as download:
        attachments.get_by_role("link", name=UPLOAD_NAME).click()
    assert Path(download.value.path()).read_bytes() == UPLOAD_BYTES
    shot(page, "10-agent-ticket")

    message = page.get_by_label("Message")

    # Internal note: saved, marked, no status change.
    message.fill(NOTE_TEXT)
    page.get_by_role("button", name="Save internal note").click()
    expect(page.get_by_role("status").filter(has_text="Note saved.")).to_be_visible()
    note = thread.locator("article.post-note", has_text=NOTE_TEXT)
    expect(note).to_have_count(1)
    expect(note.locator(".badge")).to_have_text("Internal note")
    expect(note.locator("header")).to_contain_text(installation.admin_name)
    expect(page.get_by_label("Status")).to_have_value("1")  # still Open

    # Reply to the customer: status goes to Waiting.
    expect(page.get_by_label("Message")).to_have_value("")
    page.get_by_label("Message").fill(REPLY_TEXT)
    page.get_by_role("button", name="Reply to customer").click()
    expect(page.get_by_role("status").filter(has_text="Reply sent to the customer.")).to_be_visible()
    expect(thread.locator("article.post-reply", has_text=REPLY_TEXT)).to_have_count(1)
    expect(page.get_by_label("Status").locator("option:checked")).to_have_text("Waiting")

    # Status and priority: each change saves itself (hx-trigger="change"). The reply's swap must
    # have settled first, or the change lands on a select that is about to be replaced.
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    page.get_by_label("Status").select_option(label="In progress")
    expect(thread).to_contain_text(f"Status changed to In progress by {installation.admin_name}")
    expect(page.get_by_role("status").filter(has_text="Ticket updated.")).to_be_visible()
    expect(head.locator(".badge.status-in_progress")).to_have_text("In progress")
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    page.get_by_label("Priority").select_option(label="High")
    expect(thread).to_contain_text(f"Priority set to High by {installation.admin_name}")
    expect(head.locator(".badge.prio-3")).to_have_text("High")

    # All of it is stored: a reload shows the same.
    page.reload()
    expect(page.get_by_label("Status").locator("option:checked")).to_have_text("In progress")
    expect(page.get_by_label("Priority").locator("option:checked")).to_have_text("High")
    expect(thread.locator("article.post-note", has_text=NOTE_TEXT)).to_have_count(1)
    expect(thread.locator("article.post-reply", has_text=REPLY_TEXT)).to_have_count(1)
    # Newest first; changing two fields must not invent other changes (type, group, assignee stayed).
    expect(thread.locator("p.event")).to_have_text([
        re.compile(f"^Priority set to High by {installation.admin_name}"),
        re.compile(f"^Status changed to In progress by {installation.admin_name}"),
        re.compile(f"^Status changed to Waiting by {installation.admin_name}"),
        re.compile(f"^File added: {re.escape(UPLOAD_NAME)}"),
        re.compile("^Ticket opened"),
    ])
    expect(thread.locator("article.post")).to_have_text([
        re.compile(re.escape(REPLY_TEXT)), re.compile(re.escape(NOTE_TEXT)), re.compile(re.escape(CUSTOMER_REPLY)),
    ])
    shot(page, "11-agent-ticket-handled")

    # The list shows the new state, and the note's words are searchable for agents.
    page.goto(f"{installation.base_url}/tickets?scope=all")
    row = page.locator("#ticket-rows tbody tr").filter(has=page.get_by_role("link", name=SUBJECT))
    expect(row).to_contain_text("In progress")
    expect(row).to_contain_text("High")

    # The superadmin's menu leads to the workspace's administration.
    page.get_by_role("link", name="Administration").click()
    expect(page).to_have_url(f"{installation.base_url}/admin")
    expect(page.get_by_role("heading", name="Workspace", level=1)).to_be_visible()
    expect(page.locator("[data-fact=name]")).to_have_text(installation.company)
    expect(page.locator("[data-count=tickets]")).to_have_text("2")
    shot(page, "11b-admin-workspace")

    agent.assert_clean()
    journey["note"] = NOTE_TEXT
    journey["reply"] = REPLY_TEXT


# -- 3. customer again --------------------------------------------------------------------------


def test_customer_sees_reply_but_not_note(customer: Watched, installation: Installation, journey: dict, shot):
    _require(journey, "permalink", "reply", "note")
    page = customer.page

    # The customer's tab is still on the ticket page from journey 1: reload it.
    if page.url != journey["permalink"]:
        page.goto(journey["permalink"])
    page.reload()
    expect(page).to_have_url(journey["permalink"])
    thread = page.get_by_role("region", name="Conversation")
    reply = thread.locator("article.post-reply", has_text=REPLY_TEXT)
    expect(reply).to_have_count(1)
    expect(reply.locator("header")).to_contain_text(installation.admin_name)
    expect(thread.locator("article.post-customer", has_text=CUSTOMER_REPLY)).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text(NOTE_TEXT)
    expect(page.locator("body")).not_to_contain_text("pump #3")
    expect(thread.locator("article.post-note")).to_have_count(0)
    head = page.locator(".ticket-head")
    expect(head).to_contain_text("In progress")
    expect(head).to_contain_text("High")
    shot(page, "12-customer-sees-reply")

    # The reply mail, threaded by [ID:<hash>], with the text and the permalink.
    mail = installation.smtp.wait_for_sync(
        lambda m: str(m["Subject"]).startswith("Re: ") and f"[ID:{journey['hash']}]" in str(m["Subject"]), timeout=15
    )
    assert CUSTOMER_EMAIL in str(mail["To"])
    text = _text_part(mail)
    assert REPLY_TEXT in text, text
    assert journey["permalink"] in text, text
    assert NOTE_TEXT not in text
    # No mail of any kind leaked the internal note.
    for message in installation.smtp.messages:
        for part in message.walk():
            if part.get_content_maintype() == "text":
                assert "pump #3" not in part.get_content(), f"internal note in mail {message['Subject']!r}"

    # The customer can answer again; the agent's work lets the conversation go on.
    page.get_by_label("Your reply").fill("Thanks, the truck is here.")
    page.get_by_role("button", name="Post").click()
    expect(thread.locator("article.post-customer", has_text="Thanks, the truck is here.")).to_have_count(1)
    expect(head.locator(".badge").first).to_have_text("Open")
    shot(page, "13-customer-answered-again")

    # Without the mail at hand: "Open ticket" on the public page asks for the hash.
    page.goto(installation.public_url)
    dialog = page.get_by_role("dialog", name="Open your ticket")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Open ticket").click()
    expect(dialog).to_be_visible()
    dialog.get_by_label("Ticket hash").fill(journey["hash"].upper())
    dialog.get_by_role("button", name="Open").click()
    expect(page).to_have_url(journey["permalink"])
    expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    conversation = page.get_by_role("region", name="Conversation")
    expect(conversation.locator("article.post-reply", has_text=REPLY_TEXT)).to_have_count(1)
    shot(page, "14-customer-open-by-hash")

    customer.assert_clean()
