"""Inbound mail HTML: sanitized before it is shown, remote images blocked, quotes split off."""

from __future__ import annotations

import pytest

from app.mail.safe_html import sanitize, split_quote
from tests.helpers import soup


def test_scripts_handlers_styles_and_forms_are_gone_and_formatting_stays():
    dirty = ('<p onclick="steal()">Hello <b>there</b><script>alert(1)</script></p><style>p{display:none}</style>'
             '<form action="https://evil.test"><input name="password"></form><iframe src="https://evil.test">'
             '</iframe><a href="javascript:alert(1)">x</a><a href="https://ok.test/page">docs</a><!-- hidden -->'
             '<table><tr><td colspan="2">cell</td></tr></table>')
    page = soup(sanitize(dirty))
    assert not page.select("script, style, form, input, iframe") and "alert" not in str(page)
    assert page.p.get_text() == "Hello there" and not page.p.has_attr("onclick")
    links = page.select("a")
    assert not links[0].has_attr("href")
    assert links[1]["href"] == "https://ok.test/page" and links[1]["rel"] == ["noopener", "noreferrer", "nofollow"]
    assert page.td["colspan"] == "2" and "hidden" not in str(page)


def test_remote_images_are_blocked_until_asked_for_and_our_inline_parts_stay():
    html = ('<img src="https://tracker.test/pixel.gif" alt="pixel"><img src="cid:logo@x" alt="logo">'
            '<img src="data:image/png;base64,AAAA">')
    blocked = soup(sanitize(html)).select("img")
    assert [img.get("src") for img in blocked] == [None, "cid:logo@x", None]
    allowed = soup(sanitize(html, remote_images=True)).select("img")
    assert [img.get("src") for img in allowed] == ["https://tracker.test/pixel.gif", "cid:logo@x", None]


@pytest.mark.parametrize("quote", [
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Tue, Ann wrote:</div>'
    '<blockquote>old</blockquote></div>',
    '<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Ann<br><b>Sent:</b> Tuesday</div><div>old</div>',
    '<div id="appendonsend"></div><hr style="display:inline-block"><div id="divRplyFwdMsg">old</div>',
    '<div class="moz-cite-prefix">On 24.11.26 Ann wrote:<br></div><blockquote type="cite">old</blockquote>',
    '<blockquote type="cite">On 24 Nov 2026, Ann wrote:<br>old</blockquote>',
])
def test_the_quoted_history_of_each_mail_client_is_split_off(quote):
    mine, quoted = split_quote(f'<div dir="ltr">The printer works again.</div><br>{quote}')
    assert soup(mine).get_text().strip() == "The printer works again." and "old" in quoted
    assert split_quote(quote) == (quote, "")  # all quote: shown whole
    assert split_quote("") == ("", "") and split_quote("<p>No quote.</p>") == ("<p>No quote.</p>", "")
