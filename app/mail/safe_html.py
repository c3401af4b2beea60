"""Inbound mail HTML made safe to show (nh3), and its quoted history cut off (issue 11 §2, §5).

Mail HTML is written by strangers: it is shown only after `sanitize()`, which keeps formatting
tags and drops scripts, event handlers, styles that could hide or overlay content, and forms.
Remote images are tracking pixels until an agent asks for them: `sanitize(remote_images=False)`
(the default) drops every image source but our own `cid:` parts, which the thread serves through
its access-checked attachment route. Links get rel="noopener noreferrer nofollow".

`split_quote()` is the HTML half of app/mail/quotes.py: the markup mail clients wrap the quoted
history in (Gmail's gmail_quote, Outlook's divRplyFwdMsg and appendonsend, Apple Mail's and
Thunderbird's blockquote type=cite and moz-cite-prefix) starts the quoted part, and so does our
notifications' REPLY_ABOVE marker, in whatever markup the client quoted it.
"""

from __future__ import annotations

import re

import nh3

from app.mail.quotes import REPLY_ABOVE

# Formatting a mail may keep; no forms, frames, media, scripts or styles.
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del", "div", "dl", "dt",
    "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "q",
    "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "tt", "u", "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "table": {"border", "cellpadding", "cellspacing"},
    "font": {"color"},
    "*": {"dir", "lang"},
}
_REMOTE = ("http:", "https:", "//")
# Where mail clients start the quoted history, earliest first wins.
_QUOTE_START = re.compile(
    r"<div[^>]*\bclass=[\"'][^\"']*\b(gmail_quote|moz-cite-prefix|yahoo_quoted)\b"
    r"|<div[^>]*\bid=[\"'](divRplyFwdMsg|appendonsend)[\"']"
    r"|<blockquote[^>]*\btype=[\"']cite[\"']"
    r"|<hr[^>]*\bid=[\"']stopSpelling[\"']",
    re.IGNORECASE,
)


def split_quote(html: str) -> tuple[str, str]:
    """(what the person wrote, the quoted history) of a mail's HTML; ("", "") parts stay strings.
    When the quote starts at the very top (all quote), the whole is the reply."""
    html = html or ""
    match = _QUOTE_START.search(html)
    starts = [at for at in (match.start() if match else None, _marker_start(html)) if at is not None]
    if not starts or not _has_text(html[:min(starts)]):
        return html, ""
    cut = min(starts)
    return html[:cut], html[cut:]


# Opening tags right before our marker ("<blockquote><p style=…>") belong to the quoted part.
_OPENING_TAG_AT_END = re.compile(r"<[a-zA-Z][^<>]*>\s*\Z")


def _marker_start(html: str) -> int | None:
    """Where our notification's REPLY_ABOVE line starts in a reply's HTML (a client quotes our
    mail under the reply, in whatever markup), or None."""
    at = html.find(REPLY_ABOVE)
    if at < 0:
        return None
    while (tag := _OPENING_TAG_AT_END.search(html, max(0, at - 500), at)) is not None:
        at = tag.start()
    return at


def _has_text(fragment: str) -> bool:
    return bool(re.sub(r"<[^>]*>|&nbsp;|\s", "", fragment))


def sanitize(html: str, *, remote_images: bool = False) -> str:
    """`html` fit to show inside our pages (and inside the quarantine's sandboxed frame)."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            source = value.strip().lower()
            if source.startswith("cid:") or (remote_images and source.startswith(_REMOTE)):
                return value
            return None
        return value

    return nh3.clean(
        html or "",
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head", "textarea", "select", "template", "noscript"},
        attributes=_ATTRIBUTES,
        attribute_filter=keep,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
