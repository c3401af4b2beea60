"""One raw RFC 822 message (bytes) in, one `ParsedMessage` out: the first stage of mail in.

Pure on purpose: no database, no settings, no I/O besides the bytes given. Every way a message
enters (IMAP, the pipe, the gateway) hands its raw bytes here, and the filters, the threading and
the quarantine (issue 11) work on what comes out, so all the oddities of real mail are met once.

Real mail is odd, so nothing here refuses what can be read: headers are RFC 2047 decoded and
folded onto one line; bodies are decoded from their declared charset (GB2312 read as its superset
GB18030, ISO-8859-1 as Windows-1252, the way mail clients do), and an undeclared or wrong charset
falls back to UTF-8, then Windows-1252, with replacement characters rather than an error. The
`email` package's modern policy parses first; a header it chokes on is read again from its raw
text, and a message it cannot walk is parsed once more with the old compat32 policy. Only bytes
without a single header field raise `UnparseableMessage`, for the caller to quarantine. The size
limit is the caller's job: a message over it is quarantined before it comes here.

The text of an HTML-only mail is derived with the stdlib's HTMLParser, good enough for the thread
and the search index; the HTML itself is returned raw, sanitising (nh3) is the viewer's business.
"""

from __future__ import annotations

import codecs
import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import NamedTuple

# Headers the loop guards and the sender check read later; the first (topmost) occurrence is kept,
# which for Authentication-Results is the one our own receiving server added.
GUARD_HEADERS = (
    "auto-submitted", "x-autoreply", "x-autorespond", "x-auto-response-suppress", "precedence",
    "list-id", "list-unsubscribe", "x-loop", "return-path", "x-failed-recipients",
    "authentication-results",
)  # fmt: skip

# Declared charsets read as what senders really mean by them.
_CHARSET_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "iso-8859-1": "cp1252",
    "latin1": "cp1252", "us-ascii": "utf-8", "ascii": "utf-8", "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8", "windows-874": "cp874", "unknown-8bit": "", "x-unknown": "",
}  # fmt: skip

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


class UnparseableMessage(Exception):
    """The bytes are not a mail message at all; the caller quarantines them unparsed."""


class Attachment(NamedTuple):
    filename: str
    content_type: str
    data: bytes
    is_inline: bool
    content_id: str | None


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str | None  # without angle brackets, like in_reply_to and references
    in_reply_to: str | None
    references: list[str]
    subject: str
    from_address: str | None
    from_name: str
    to: list[str]
    cc: list[str]
    date: datetime | None  # aware; a date without a zone is taken as UTC
    content_type: str  # of the whole message: multipart/report is a bounce
    guard_headers: dict[str, str]  # lower-cased names from GUARD_HEADERS, one line each
    text: str
    html: str | None
    attachments: list[Attachment] = field(default_factory=list)


def parse_message(raw: bytes) -> ParsedMessage:
    if not isinstance(raw, bytes | bytearray) or not raw.strip():
        raise UnparseableMessage("empty message")
    try:
        return _build(BytesParser(policy=policy.default).parsebytes(bytes(raw)))
    except UnparseableMessage:
        raise
    except Exception:  # a bug of the modern policy on odd input: try the old one
        pass
    try:
        return _build(BytesParser(_class=EmailMessage, policy=policy.compat32).parsebytes(bytes(raw)))
    except UnparseableMessage:
        raise
    except Exception as exc:
        raise UnparseableMessage(f"cannot parse: {exc!r}") from exc


def _build(msg: Message) -> ParsedMessage:
    if not msg.keys():
        raise UnparseableMessage("no header fields")
    from_name, from_address = (_addresses(msg, "from") or [("", None)])[0]
    html_part = _body_part(msg, "html")
    plain_part = _body_part(msg, "plain")
    html = _part_text(html_part) if html_part is not None else None
    text = _part_text(plain_part) if plain_part is not None else ""
    if not text.strip() and html:
        text = html_to_text(html)
    return ParsedMessage(
        message_id=_first_id(_ids(msg, "message-id")),
        in_reply_to=_first_id(_ids(msg, "in-reply-to")),
        references=_MESSAGE_ID.findall(_ids(msg, "references")),
        subject=_header(msg, "subject"),
        from_address=from_address,
        from_name=from_name,
        to=[address for _, address in _addresses(msg, "to")],
        cc=[address for _, address in _addresses(msg, "cc")],
        date=_date(msg),
        content_type=_content_type(msg),
        guard_headers={name: _header(msg, name) for name in GUARD_HEADERS if _raw(msg, name)},
        text=text,
        html=html,
        attachments=_attachments(msg, {id(plain_part), id(html_part)}),
    )


# -- headers --------------------------------------------------------------------------------------


def _raw(msg: Message, name: str) -> str:
    """The header's source text, undecoded (bytes outside ASCII read as UTF-8), or ""."""
    for key, value in msg.raw_items():
        if key.lower() == name:
            return _unescape(str(value))
    return ""


def _unescape(value: str) -> str:
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:  # the parser keeps 8-bit header bytes as surrogates
        return _decode_bytes(value.encode("utf-8", "surrogateescape"), None)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _header(msg: Message, name: str) -> str:
    """Decoded, on one line; "" when absent. A header the policy cannot read is decoded by hand."""
    try:
        value = msg.get(name)
        if value is None:
            return ""
        if isinstance(msg, EmailMessage) and msg.policy is policy.default:
            return _one_line(_unescape(str(value)))
    except Exception:  # fall through to the raw text
        pass
    return _one_line(_header_text(_raw(msg, name)))


def _ids(msg: Message, name: str) -> str:
    """A header of message ids. Python's own `email` folds a long id in an unstructured header
    (In-Reply-To, References) into RFC 2047 encoded-words, so some senders' ids arrive encoded."""
    raw = _raw(msg, name)
    return _header_text(raw) if "=?" in raw else raw


def _first_id(raw: str) -> str | None:
    found = _MESSAGE_ID.search(raw)
    if found:
        return found.group(1)
    return _one_line(raw).strip("<>") or None


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs; the policy's parser first, the old getaddresses second."""
    try:
        found = [(a.display_name, a.addr_spec) for h in msg.get_all(name) or [] for a in h.addresses]
    except Exception:  # compat32 strings or a header the policy gave up on
        found = [(_header_text(n), a) for n, a in getaddresses([_raw(msg, name)])]
    return [(_one_line(n), a.strip()) for n, a in found if a and "@" in a]


def _header_text(raw: str) -> str:
    try:
        return str(make_header(decode_header(raw)))
    except Exception:  # unknown charset in an encoded-word: show it as it came
        return raw


def _date(msg: Message) -> datetime | None:
    try:
        when = parsedate_to_datetime(_raw(msg, "date"))
    except Exception:  # missing or unreadable: the caller uses the arrival time
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


# -- bodies and attachments -----------------------------------------------------------------------


def _body_parts(part: Message) -> list[Message]:
    """The parts that can be the body, in order, the way EmailMessage.get_body looks for them; ours
    because get_body needs the modern policy and the compat32 fallback needs the same answer."""
    content_type = _content_type(part)
    if part.get_content_disposition() == "attachment":
        return []
    if content_type in ("text/plain", "text/html"):
        return [part]
    if not part.is_multipart() or content_type == "message/rfc822":
        return []
    subparts = part.get_payload()
    if content_type == "multipart/related":
        subparts = subparts[:1]  # the root; the rest are its images
    return [found for sub in subparts for found in _body_parts(sub)]


def _body_part(msg: Message, subtype: str) -> Message | None:
    wanted = f"text/{subtype}"
    return next((part for part in _body_parts(msg) if _content_type(part) == wanted), None)


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True) or b""
    return _decode_bytes(data, part.get_content_charset()).replace("\r\n", "\n").replace("\r", "\n")


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Text in the declared charset if Python knows it, else UTF-8, else Windows-1252; never raises."""
    name = (charset or "").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    if name and name != "utf-8":
        try:
            return data.decode(codecs.lookup(name).name, errors="replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8" if name == "utf-8" else "cp1252", errors="replace")


def _leaves(part: Message) -> list[Message]:
    """Every part that is not a container; an attached message counts as one part."""
    if part.is_multipart() and _content_type(part) != "message/rfc822":
        return [leaf for sub in part.get_payload() for leaf in _leaves(sub)]
    return [part]


def _attachments(msg: Message, body_ids: set[int]) -> list[Attachment]:
    if not msg.is_multipart():
        return []
    found = []
    for number, part in enumerate(_leaves(msg), start=1):
        if id(part) in body_ids:
            continue
        content_type = _content_type(part)
        if content_type == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes(policy=policy.compat32) if inner else b""
        else:
            data = part.get_payload(decode=True) or b""
        content_id = _first_id(_raw(part, "content-id"))
        disposition = (part.get_content_disposition() or "").lower()
        found.append(
            Attachment(
                filename=_filename(part, number, content_type),
                content_type=content_type,
                data=data,
                is_inline=disposition == "inline" or (not disposition and content_id is not None),
                content_id=content_id,
            )
        )
    return found


def _filename(part: Message, number: int, content_type: str) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if "=?" in name:
        name = _header_text(name)
    name = _one_line(_unescape(name)).replace("\\", "/").rsplit("/", 1)[-1].strip(". ")
    if name:
        return name
    extension = ".eml" if content_type == "message/rfc822" else mimetypes.guess_extension(content_type)
    return f"part-{number}{extension or '.bin'}"


# -- HTML to text ---------------------------------------------------------------------------------

_BLOCKS = {"p", "div", "br", "tr", "table", "ul", "ol", "li", "blockquote", "pre", "hr",
           "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer"}  # fmt: skip
_HIDDEN = {"script", "style", "head", "title", "template"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "li":
            self.chunks.append("\n- ")
        elif tag in _BLOCKS:
            self.chunks.append("\n\n" if tag == "p" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS and tag != "li":
            self.chunks.append("\n\n" if tag == "p" else "\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.chunks.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """The words of an HTML mail with its paragraphs, for the thread and the search index."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # HTMLParser is lenient; keep what was read
        pass
    lines = [line.strip() for line in "".join(extractor.chunks).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def dedup_key(message: ParsedMessage, raw: bytes) -> str:
    """What makes two deliveries the same message (issue 11 §4: one mail sent to two of our
    addresses, or fetched twice, has one effect per workspace): its Message-ID, else a hash of the
    raw bytes."""
    if message.message_id:
        return "id:" + message.message_id.strip().lower()[:300]
    return "sha256:" + hashlib.sha256(raw).hexdigest()
