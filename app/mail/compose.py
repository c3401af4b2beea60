"""Turn an outbox row into the e-mail that goes on the wire.

`build_message` defends itself against what it is given: header values are made single-line (a
line break in a customer's subject or name must neither stop the mail nor inject a header), and
internationalised domains are sent in their ASCII (punycode) form, which every SMTP server accepts.
"""

from __future__ import annotations

import re
import secrets
from email import policy as email_policy
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime

# The `idna` package (IDNA 2008 with the UTS #46 mapping, as browsers and email-validator use) and
# not Python's "idna" codec, which is IDNA 2003: it turns "straße.de" into "strasse.de", someone
# else's domain. The package comes with email-validator, one of our dependencies.
import idna

from app.config import MailSettings

# Every character of Unicode's categories Cc (controls: CR, LF, VT, FF, NEL U+0085, NUL, ESC, tab)
# Zl (U+2028) and Zp (U+2029). Python's email package refuses the line breaks among them in a
# header (the mail could not be built) and passes the other controls through to the wire.
_NOT_IN_A_HEADER = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# The mails (OutboxMail.purpose) a customer or CC participant may answer by mail: sent through the
# installation's server, they carry the workspace's address as Reply-To (app/mail/outbox.py).
CUSTOMER_MAILS = frozenset({"ticket_created", "ticket_confirmed", "agent_reply", "participant_reply",
                            "status_changed"})
# Headers set above that a mail's own headers replace; any other repeated one (a second
# Message-ID) is refused by the email package and fails the attempt, as it should.
_DEFAULTS_A_MAIL_MAY_CHANGE = frozenset({"auto-submitted", "x-auto-response-suppress"})
# A field name is printable ASCII without a colon (RFC 5322 §2.2).
_FIELD_NAME = re.compile(r"[!-9;-~]+")


class MessageIdList(UnstructuredHeader):
    """In-Reply-To and References (RFC 5322 §3.6.4): msg-ids, folded only between two ids. The
    email package folds them as unstructured text, and turns one id longer than a line (ours with
    a long domain) into RFC 2047 encoded-words, which mail clients do not thread by."""

    def fold(self, *, policy) -> str:
        return f"{self.name}: " + f"{policy.linesep} ".join(str(self).split()) + policy.linesep


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("references", MessageIdList)
_HEADERS.map_to_type("in-reply-to", MessageIdList)
_POLICY = email_policy.default.clone(header_factory=_HEADERS)


def new_message_id(domain: str, purpose: str) -> str:
    """A Message-ID of ours: random left part, our domain on the right (RFC 5322 §3.6.4)."""
    return f"<{secrets.token_hex(12)}.{purpose.replace('_', '-')}@{domain}>"


def single_line(value: str) -> str:
    """`value` fit for a header: each run of line breaks and control characters becomes one space
    (so "a\\r\\nb" reads "a b"), and the ends are trimmed."""
    if not isinstance(value, str):
        raise TypeError(f"a header value must be text, not {type(value).__name__}: {value!r:.80}")
    return _NOT_IN_A_HEADER.sub(" ", value).strip()


def ascii_domain(domain: str) -> str:
    """The domain as an SMTP server without SMTPUTF8 accepts it: "bücher.example" becomes
    "xn--bcher-kva.example". ASCII domains (including "localhost" and "[127.0.0.1]") pass as they
    are; a name IDNA refuses raises idna.IDNAError (the attempt fails and says why)."""
    if domain.isascii():
        return domain
    return idna.encode(domain, uts46=True).decode("ascii")


def ascii_address(address: Address) -> Address:
    """`address` with its domain in ASCII. A non-ASCII local part ("jörg@") has no ASCII form: it
    is left for the server's SMTPUTF8, and a server without it refuses the attempt."""
    return Address(address.display_name, address.username, ascii_domain(address.domain))


def envelope(message: EmailMessage) -> tuple[str, list[str]]:
    """MAIL FROM and RCPT TO for a message made by `build_message` (its addresses are already
    ASCII wherever they can be)."""
    [sender] = message["From"].addresses
    recipients = [address.addr_spec for address in message["To"].addresses]
    if not recipients:
        raise ValueError(f"no recipient address in {message['To']!r}")
    return sender.addr_spec, recipients


def build_message(mail: dict, settings: MailSettings, *, reply_to: str = "") -> EmailMessage:
    """`mail` is an OutboxMail row (headers loaded as JSON). Raises on what cannot be mended (an
    invalid header name, a value that is not text, a domain IDNA refuses): the sender counts
    that as a failed attempt of this one mail. `reply_to`: where replies go when that is not
    From (a workspace's address on mail sent from the installation's address)."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = ascii_address(Address(single_line(settings.from_name), addr_spec=settings.from_address))
    if reply_to:
        message["Reply-To"] = ascii_address(Address(addr_spec=single_line(reply_to)))
    # Parse the recipient ("Name <addr>" or a bare address) with the email package's own parser,
    # then rebuild each address with an ASCII domain.
    message["To"] = single_line(mail["to_address"])
    message.replace_header("To", [ascii_address(address) for address in message["To"].addresses])
    message["Subject"] = single_line(mail["subject"])
    message["Message-ID"] = single_line(mail["message_id"])
    message["Date"] = format_datetime(mail["created_at"])
    # Tell vacation responders and other robots not to answer (RFC 3834), and Exchange as well.
    # A mail's own headers may say otherwise ("auto-replied", or "no" for a reply a person wrote).
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    for name, value in (mail.get("headers") or {}).items():
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"invalid header name {name!r:.80}")
        if name.lower() in _DEFAULTS_A_MAIL_MAY_CHANGE and name in message:  # replaced, never doubled
            message.replace_header(name, single_line(value))
        else:
            message[name] = single_line(value)
    message.set_content(mail["body_text"])
    if mail.get("body_html"):
        message.add_alternative(mail["body_html"], subtype="html")
    return message
