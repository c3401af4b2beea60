"""Plain-text mails keep their paragraphs: a blank line after the greeting, each link on a line of
its own. (Jinja's trim_blocks eats the newline after a block tag; the .txt templates end their
`{% trans %}` lines with `+%}` to keep it.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from app import i18n
from app.mail.quotes import REPLY_ABOVE
from app.templating import build_environment

MAILS = sorted(p.name for p in (Path(__file__).parents[2] / "templates" / "mail").glob("*.txt")
               if not p.name.startswith("_"))  # partials are checked inside the mails that include them
CONTEXT = {
    "workspace": {"name": "Acme", "key": "k"}, "permalink": "http://helprealm.test/k/ticket",
    "ticket": {"customer_name": "Sally", "customer_email": "s@x.test", "subject": "Printer", "hash": "a",
               "number": 7, "text": "Body"},
    "name": "Ann", "link": "http://helprealm.test/link", "login_link": "http://helprealm.test/login",
    "forgot_link": "http://helprealm.test/forgot", "confirm_link": "http://helprealm.test/confirm",
    "reply_text": "Fixed.", "agent_name": "Bob", "status_label": "Closed", "company": "Acme", "inviter": "Jon",
    "new_email": "n@x.test", "group_name": "First", "reply_above": REPLY_ABOVE, "by": "Cy",
    "url": "https://hooks.example.com/helprealm", "failures": 20, "error": "HTTP 500",  # webhook_disabled
}


@pytest.mark.parametrize("code", ["en", "de"])
@pytest.mark.parametrize("template", MAILS)
def test_greeting_paragraphs_and_links_stand_on_their_own_lines(template, code):
    with i18n.use_locale(code):
        text = build_environment().get_template(f"mail/{template}").render(**CONTEXT)
    lines = text.split("\n")
    if lines[0] == REPLY_ABOVE:  # a mail the customer may answer: the marker, a hint, a blank line
        assert lines[1] and lines[2] == "", text
        lines = lines[3:]
    assert lines[0].startswith(("Hello", "Hallo")) and lines[1] == "", text
    for line in lines:
        assert "http" not in line or line.startswith("http"), f"a link glued to text in {template}: {line!r}"
    assert "\n\n\n" not in text, f"two blank lines in {template}"
