"""The Trivial Tickets mail gateway's side of mail (issue 11): what its `receive` hands to the
pipeline, and the outbox as its `fetchMails`/`verifyMail` see it.

A workspace that delivers its outgoing mail through the gateway (`MailGateway.deliver_outgoing`)
has its outbox rows left alone by the SMTP sender (OutboxSender._due); an outside program fetches
them, sends them itself and verifies each one, which marks the row sent. Nothing is deleted:
an unverified mail is fetched again, so a gateway that crashes after sending delivers that one
mail twice rather than losing it (the same trade as the SMTP sender's).

Every query names the workspace: a mail id of another workspace is unknown here.
"""

from __future__ import annotations

from collections.abc import Mapping
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from app import clock
from app.config import MailSettings
from app.db import write
from app.errors import ValidationFailed
from app.i18n import _
from app.mail import gateway, workspace_mail
from app.mail.compose import single_line
from app.mail.outbox import PENDING, SENT
from app.mail.tables import MailAttempt, OutboxMail
from app.validation import FieldErrors, parse_int

RECEIVE_FIELDS = ("from", "subject", "message")
# One fetch answers at most this many mails (oldest first): the gateway verifies them and fetches
# again, and an outbox that piled up while nobody fetched never makes one huge answer.
FETCH_MAX = 200


class BadBody(ValidationFailed):
    """The JSON body breaks the contract: 400 (the contract's status), with the fields named."""

    status_code = 400


def _exactly(data: object, fields: tuple[str, ...]) -> dict:
    """`data` as a JSON object with exactly `fields`, each a string; else BadBody."""
    if not isinstance(data, Mapping):
        raise BadBody({}, _("The body must be a JSON object."))
    errors = {}
    for name in data:
        if name not in fields:
            errors[str(name)[:40]] = _("Unknown property.")
    for name in fields:
        if name not in data:
            errors[name] = _("This property is required.")
        elif not isinstance(data[name], str):
            errors[name] = _("This property must be a string.")
        elif not _is_text(data[name]):  # a lone surrogate ("\ud800") is valid JSON, but no mail can carry it
            errors[name] = _("This property is not valid Unicode text.")
    if errors:
        raise BadBody(errors, _("Properties missing, unknown or not strings: %(names)s.",
                                names=", ".join(sorted(errors))))
    return dict(data)


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def receive_message(data: object, *, domain: str) -> bytes:
    """The raw RFC 822 message for a `receive` body {"from","subject","message"}: what a mail
    client would have sent, so the pipeline treats it like any other mail (a subject with
    `[ID:<hash>]` replies to that ticket under the pipeline's rules)."""
    body = _exactly(data, RECEIVE_FIELDS)
    errors = FieldErrors()
    sender = errors.email(body, "from", _("The sender (from)"))
    if errors:
        raise BadBody(dict(errors), errors["from"])
    message = EmailMessage()
    message["From"] = sender
    # A line break in the subject is folded away, as the pipeline does with odd headers.
    message["Subject"] = single_line(body["subject"])
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid("gateway", domain=domain)
    message.set_content(body["message"].replace("\r\n", "\n"), charset="utf-8")
    # SMTPUTF8: an internationalised sender ("jörg@bücher.example") stays as the client wrote it.
    return message.as_bytes(policy=policy.SMTPUTF8)


def verify_body(data: object) -> int | None:
    """The outbox id named by a `verifyMail` body {"id": "<mailId>"} (None: no such id can exist)."""
    body = _exactly(data, ("id",))
    return parse_int(body["id"]) or None


async def _from_address(workspace_id: int, settings: MailSettings) -> str:
    """The address the mail would leave from: the workspace's own, else the installation's."""
    stored, _passwords = await workspace_mail.form_values(workspace_id)
    return stored.get("address") or settings.from_address


async def pending_mails(workspace_id: int, settings: MailSettings) -> dict[str, dict]:
    """fetchMails: the workspace's pending and due mails, when it delivers through the gateway."""
    if workspace_id not in await gateway.workspaces_delivering_outgoing():
        return {}
    rows = await OutboxMail.select(
        OutboxMail.id, OutboxMail.to_address, OutboxMail.subject, OutboxMail.body_text
    ).where(
        OutboxMail.workspace == workspace_id, OutboxMail.status == PENDING, OutboxMail.next_attempt_at <= clock.now()
    ).order_by(OutboxMail.id).limit(FETCH_MAX)
    if not rows:
        return {}
    sender = await _from_address(workspace_id, settings)
    return {str(r["id"]): {"id": str(r["id"]), "from": sender, "to": r["to_address"], "subject": r["subject"],
                           "message": r["body_text"]} for r in rows}


async def verify(workspace_id: int, mail_id: int | None) -> bool:
    """verifyMail: the gateway sent this mail of the workspace; True when it was still pending."""
    if mail_id is None:
        return False
    now = clock.now()
    async with write():
        done = await OutboxMail.update({OutboxMail.status: SENT, OutboxMail.sent_at: now, OutboxMail.last_error: "",
                                        OutboxMail.attempts: OutboxMail.attempts + 1}).where(
            OutboxMail.id == mail_id, OutboxMail.workspace == workspace_id, OutboxMail.status == PENDING
        ).returning(OutboxMail.id)
        if done:
            await MailAttempt(mail=mail_id, ok=True, error="", attempted_at=now).save()
    return bool(done)
