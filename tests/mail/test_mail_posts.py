"""Mail posts on the ticket pages (issue 11 §2, §5): what the person wrote, the quoted history
behind a "Show quoted text" toggle, and for agents the original e-mail's HTML in a sandboxed frame
served by its own route (remote images only on request). Messages are piped in for real."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from app.accounts.service import create_agent_confirmed
from app.mail import thread_ids
from app.tickets.tables import Ticket
from tests import factories
from tests.helpers import HTMX, Person, soup
from tests.journeys import login
from tests.mail.test_inbound import SALLY, desk, mail, posts, settings  # noqa: F401 - the fixtures, shared

FIRST = "The printer is on fire.\n\nOn Mon, 23 Nov 2026, Bob wrote:\n> Did you try turning it off?\n"
REPLY_HTML = ('<div>It works <b>now</b>.<img src="https://tracker.test/pixel.gif" alt="">'
              '<script>alert(1)</script><img src="x" onerror="alert(2)"></div>'
              '<div class="gmail_quote">On Mon, Acme wrote:<blockquote>We will answer soon.</blockquote></div>')


def html_reply(ticket: dict) -> bytes:
    ours = thread_ids.message_id(ticket["hash"], "helprealm.test")
    message = EmailMessage()
    message["From"] = f"Sally Doe <{SALLY}>"
    message["To"] = "support@acme.test"
    message["Subject"] = f"Re: {ticket['subject']}"
    message["Message-ID"] = make_msgid(domain="customer.test")
    message["In-Reply-To"] = ours
    message["References"] = ours
    message.set_content("It works now.\n\nOn Mon, 23 Nov 2026, Acme wrote:\n> We will answer soon.\n")
    message.add_alternative(REPLY_HTML, subtype="html")
    return message.as_bytes()


@pytest.fixture
async def mailed(desk, person: Person):  # noqa: F811 - pytest's fixture by name
    """A ticket opened by mail (its first message quoting), an HTML reply on it, Ann logged in."""
    workspace, _ann, pipe = desk
    opened = await pipe(mail("Printer", FIRST))
    ticket = await Ticket.select().where(Ticket.hash == opened["ticket"]).first()
    assert (await pipe(html_reply(ticket)))["outcome"] == "appended"
    [post] = await posts(ticket["id"])
    assert post["data"]["quoted"] and post["body_html"]
    await login(person)
    return workspace, ticket, post


async def test_the_agent_sees_the_text_the_quoted_toggle_and_the_framed_original(mailed, person: Person):
    _workspace, ticket, post = mailed
    for headers in ({}, HTMX):  # the whole page and the #ticket fragment
        page = soup(await person.page(f"/tickets/{ticket['number']}", headers=headers))
        article = page.select_one(f"#post-{post['id']}")
        assert article.select_one(".text").get_text().strip() == "It works now."
        quoted = article.select_one("details.quoted-text")
        assert quoted.summary.get_text() == "Show quoted text" and "We will answer soon." in quoted.get_text()
        original = article.select_one("details.original-mail")
        assert original.summary.get_text() == "Show the original e-mail"
        frame = original.select_one("iframe")
        src = f"/tickets/{ticket['number']}/posts/{post['id']}/mail"
        assert frame["src"] == src and frame.has_attr("sandbox") and "allow-scripts" not in frame["sandbox"]
        assert original.select_one("a.remote-images")["href"] == src + "?images=1"
        assert original.select_one("a.remote-images")["target"] == frame["name"]
        assert "tracker.test" not in str(page) and "onerror" not in str(page)
        # The first message (the ticket's text) has its quoted part behind the toggle too.
        head = page.select_one(".ticket-head")
        assert "Did you try turning it off?" in head.select_one("details.quoted-text").get_text()
        assert "Did you try" not in head.select_one(".text").get_text()


async def test_the_original_is_sanitized_with_remote_images_only_on_request(mailed, person: Person):
    _workspace, ticket, post = mailed
    url = f"/tickets/{ticket['number']}/posts/{post['id']}/mail"
    blocked = await person.client.get(url)
    assert blocked.status_code == 200
    policy = blocked.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; img-src data: cid:;") and "script-src" not in policy
    assert blocked.headers["x-frame-options"] == "SAMEORIGIN" and blocked.headers["x-content-type-options"] == "nosniff"
    assert "<b>now</b>" in blocked.text and "We will answer soon." in blocked.text  # the whole mail
    for hostile in ("<script", "alert(", "onerror", "tracker.test"):
        assert hostile not in blocked.text, hostile
    allowed = await person.client.get(url + "?images=1")
    assert "https://tracker.test/pixel.gif" in allowed.text and "<script" not in allowed.text
    assert "img-src data: cid: https:;" in allowed.headers["content-security-policy"]


async def test_the_original_is_reached_only_through_the_viewers_ticket(mailed, person: Person):
    workspace, ticket, post = mailed
    other_ticket = await factories.ticket(workspace, subject="Other")
    for url in (f"/tickets/{other_ticket['number']}/posts/{post['id']}/mail",  # not this ticket's post
                f"/tickets/{ticket['number']}/posts/999999/mail"):
        assert (await person.client.get(url)).status_code == 404
    url = f"/tickets/{ticket['number']}/posts/{post['id']}/mail"
    # An agent of the workspace who may not see the ticket (in no group, not assigned): 404.
    await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                 password="correct horse")
    person.client.cookies.clear()
    await login(person, email="bea@acme.test")
    assert (await person.client.get(url)).status_code == 404
    # Another workspace's superadmin, whose own ticket has the same number: 404.
    other, _bob = await factories.workspace(company="Other", email="bob@other.test")
    assert (await factories.ticket(other))["number"] == ticket["number"]
    person.client.cookies.clear()
    await login(person, email="bob@other.test")
    assert (await person.client.get(url)).status_code == 404


async def test_the_customer_sees_the_text_and_the_quoted_toggle_but_no_frame(mailed, person: Person):
    workspace, ticket, post = mailed
    page = soup(await person.page(f"/{workspace['key']}/ticket/show/{ticket['hash']}"))
    article = page.select_one(f"#post-{post['id']}")
    assert article.select_one(".text").get_text().strip() == "It works now."
    assert "We will answer soon." in article.select_one("details.quoted-text").get_text()
    assert not page.select("iframe") and not page.select("details.original-mail")


async def test_a_ticket_opened_by_html_mail_shows_its_original(client):
    """The first message's HTML is kept on the "created" event and framed like a post's."""
    from email.message import EmailMessage

    from app.mail import gateway
    from tests import factories
    from tests.helpers import Person, soup
    from tests.journeys import login

    workspace, _ann = await factories.workspace()
    token = await gateway.generate_token(workspace["id"], None)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "Sally <sally@customer.test>", "s@acme.test", "Broken"
    message["Message-ID"] = "<first.html@customer.test>"
    message.set_content("It is broken.")
    message.add_alternative('<p>It is <b>broken</b>.</p><img src="https://tracker.test/p.gif">', subtype="html")
    answer = (await client.post(f"/api/{workspace['key']}/mail/inbound", content=message.as_bytes(),
                                headers={"Authorization": f"Bearer {token}"})).json()
    assert answer["outcome"] == "created"
    person = Person(client)
    await login(person)
    page = soup(await person.page("/tickets/1"))
    frame = page.select_one("details.original-mail iframe")
    assert frame is not None and frame.get("sandbox") is not None
    body = (await client.get(frame["src"])).text
    assert "<b>broken</b>" in body and "tracker.test" not in body
