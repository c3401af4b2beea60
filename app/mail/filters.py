"""Mail that must not become a post (issue 11 §4): auto-replies, bounces, our own mail.

Small pure checks over a message's headers, each answering a reason code or None, so the pipeline
can run them in order, log the first reason and say it in the pipe's JSON answer. They read only
headers (lower-cased names, decoded values, as app/mail/parse.py gives them). Codes, not sentences:
the pipeline words them for people.

Deliberately not dropped: `X-Auto-Response-Suppress` (Outlook puts it on ordinary mail that asks
others not to auto-reply) and mailing-list headers on a new message (a customer may write to us
from a list); `List-Id` only counts on a reply to one of our notifications.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"
FROM_OURSELVES = "from_ourselves"

_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")


def auto_reply(headers: Mapping[str, str], *, replies_to_us: bool) -> str | None:
    """AUTO_REPLY for out-of-office notes, autoresponders and bulk mail (RFC 3834 and the de-facto
    headers); `replies_to_us`: the message answers one of our mails (a list header then means a
    list relayed our own notification)."""
    submitted = headers.get("auto-submitted", "").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return AUTO_REPLY
    if "x-autoreply" in headers or "x-autorespond" in headers or "x-autoresponder" in headers:
        return AUTO_REPLY
    if headers.get("precedence", "").strip().lower() in _BULK_PRECEDENCE:
        return AUTO_REPLY
    if replies_to_us and ("list-id" in headers or "list-unsubscribe" in headers):
        return AUTO_REPLY
    return None


def bounce(headers: Mapping[str, str], from_address: str) -> str | None:
    """BOUNCE for delivery status notifications (RFC 3464 multipart/report; or the mailer daemon's
    own address). The pipeline marks the outbox mail it answers as bounced and posts nothing."""
    content_type = headers.get("content-type", "").lower()
    if content_type.startswith("multipart/report") and "delivery-status" in content_type:
        return BOUNCE
    if from_address.lower().startswith(_BOUNCE_SENDERS):
        return BOUNCE
    return None


def from_ourselves(from_address: str, our_addresses: Iterable[str]) -> str | None:
    """FROM_OURSELVES for mail sent by one of our own addresses (the installation's sender, the
    workspace's mailbox): answering it would start a loop."""
    sender = from_address.strip().lower()
    if sender and sender in {address.strip().lower() for address in our_addresses if address}:
        return FROM_OURSELVES
    return None


def first_reason(headers: Mapping[str, str], from_address: str, our_addresses: Iterable[str], *,
                 replies_to_us: bool) -> str | None:
    """The first guard that stops the message, in the order of issue 11 §4, or None."""
    return (from_ourselves(from_address, our_addresses) or bounce(headers, from_address)
            or auto_reply(headers, replies_to_us=replies_to_us))
