"""Turn an outbox row into the e-mail that goes on the wire."""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from app.config import MailSettings


def new_message_id(domain: str, purpose: str) -> str:
    """A Message-ID of ours: random left part, our domain on the right (RFC 5322 §3.6.4)."""
    return f"<{secrets.token_hex(12)}.{purpose.replace('_', '-')}@{domain}>"


def thread_id(ticket_hash: str, domain: str) -> str:
    """The id every mail about one ticket refers to, so mail clients thread them together."""
    return f"<ticket.{ticket_hash}@{domain}>"


def build_message(mail: dict, settings: MailSettings) -> EmailMessage:
    """`mail` is an OutboxMail row (headers loaded as JSON)."""
    message = EmailMessage()
    message["From"] = formataddr((settings.from_name, settings.from_address))
    message["To"] = mail["to_address"]
    message["Subject"] = mail["subject"]
    message["Message-ID"] = mail["message_id"]
    message["Date"] = format_datetime(mail["created_at"])
    # Tell vacation responders and other robots not to answer (RFC 3834), and Exchange as well.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    for name, value in (mail.get("headers") or {}).items():
        message[name] = value
    message.set_content(mail["body_text"])
    if mail.get("body_html"):
        message.add_alternative(mail["body_html"], subtype="html")
    return message
