"""The outbox: every mail is a row first, written in the transaction of the change that causes it;
the sender loop hands rows to SMTP, retries with backoff and records each attempt.

A row goes pending -> sending -> sent (or back to pending with a later retry time, or failed after
`max_attempts`). "sending" is committed in its own short write before the SMTP call and the outcome
in another after it, so the SMTP conversation is outside any transaction (a slow mail server never
holds SQLite's write lock). A crash loses nothing: a row still "sending" at the next start is put
back to pending by `recover()`. The price is that a crash between the server's 250 and the second
write delivers that one mail twice; the mails after it were never claimed.

Whatever goes wrong with one mail (a header it cannot carry, an address the server refuses, a bug
while building it) is a failed attempt of that mail only; the loop goes on with the next.

A workspace that set up its own mail service (app/mail/workspace_mail.py) has its mail sent
through its own SMTP server, from its own address; all other mail goes through the
installation's server. Without an installation server only the former is sent. A workspace's
mail through the installation's server comes from the installation's address under the
workspace's name, with the workspace's address as Reply-To on what customers may answer
(`_on_behalf_of`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from datetime import datetime, timedelta

import aiosmtplib

from app import clock
from app.config import MailSettings
from app.db import write
from app.errors import NotFound
from app.mail import gateway, probe, workspace_mail
from app.mail.compose import CUSTOMER_MAILS, build_message, envelope, new_message_id
from app.mail.tables import MailAttempt, OutboxMail
from app.workspaces.service import get_by_id

log = logging.getLogger("helprealm.mail")

BATCH = 20
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
INTERRUPTED = "Interrupted: the sender stopped during this attempt; the mail may have been delivered"
# Failures we expect from a mail server or the network (TimeoutError is an OSError); anything else
# is logged with its traceback.
_SMTP_ERRORS = (aiosmtplib.SMTPException, OSError)


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


async def enqueue(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    purpose: str,
    domain: str,
    workspace_id: int | None = None,
    ticket_id: int | None = None,
    headers: dict | None = None,
    message_id: str | None = None,
) -> dict:
    """Add a mail to the outbox. Call inside the caller's write transaction. `message_id`: one of
    ours made by the caller (a ticket's mails: app/mail/thread_ids.py), else a random one."""
    now = clock.now()
    row = OutboxMail(
        workspace=workspace_id,
        ticket=ticket_id,
        purpose=purpose,
        to_address=to,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        message_id=message_id or new_message_id(domain, purpose),
        headers=headers or {},
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    await row.save()
    return row.to_dict()


class OutboxSender:
    """Drains the outbox. One per server process (a background loop, app/tasks.py)."""

    name = "outbox"

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    @property
    def enabled(self) -> bool:
        """The installation's own server is set (workspaces' servers are looked up per pass)."""
        return bool(self.settings.smtp_host)

    async def _due(self) -> list[dict]:
        # Headers stay JSON text here and are decoded per mail, so one corrupt row cannot fail the
        # whole batch (and with it every mail behind it).
        query = OutboxMail.select().where(OutboxMail.status == PENDING, OutboxMail.next_attempt_at <= clock.now())
        # Mail of a workspace that delivers through the mail gateway waits for its fetchMails
        # (app/mail/gateway_outbox.py): SMTP must never send what the gateway will send too.
        gateway_only = await gateway.workspaces_delivering_outgoing()
        if gateway_only:
            query = query.where(OutboxMail.workspace.is_null() | OutboxMail.workspace.not_in(list(gateway_only)))
        if not self.enabled:  # only the mail of workspaces with their own server can go
            own = await workspace_mail.workspaces_with_own_smtp()
            if not own:
                return []
            query = query.where(OutboxMail.workspace.is_in(list(own)))
        return await query.order_by(OutboxMail.id).limit(BATCH)

    async def _claim(self, mail: dict) -> bool:
        """Mark the mail "sending" in its own committed write; False if it is no longer pending."""
        async with write():
            claimed = (
                await OutboxMail.update({OutboxMail.status: SENDING})
                .where(OutboxMail.id == mail["id"], OutboxMail.status == PENDING)
                .returning(OutboxMail.id)
            )
        return bool(claimed)

    async def _send(self, mail: dict) -> str:
        """Build and send one mail; return "" on success or the error text."""
        s = self.settings
        try:
            own = await workspace_mail.smtp_server(mail["workspace"])
            reply_to = ""
            if own is not None:
                # The workspace's address and name on its own server's mail.
                s = dataclasses.replace(s, from_address=own.address or s.from_address,
                                        from_name=own.sender_name or s.from_name)
            elif mail["workspace"] is not None:
                s, reply_to = await _on_behalf_of(mail, s)
            message = build_message({**mail, "headers": json.loads(mail["headers"] or "{}")}, s, reply_to=reply_to)
            sender, recipients = envelope(message)
            if own is not None:
                await probe.smtp_send(own, message, sender, recipients, allow_private=s.allow_private_hosts,
                                      timeout=30)
                return ""
            await aiosmtplib.send(
                message,
                sender=sender,
                recipients=recipients,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                start_tls=s.smtp_starttls,
                use_tls=False,
                timeout=30,
            )
            return ""
        except (*_SMTP_ERRORS, probe.Unusable) as exc:
            return _error_text(exc)
        except Exception as exc:  # a mail we could not build, or a bug: this mail fails, the rest go on
            log.exception("Could not build or send mail %s", mail["id"])
            return _error_text(exc)

    async def _record(self, mail: dict, error: str, *, retry_at: datetime | None = None) -> None:
        """Store the outcome of one attempt. A failure is retried at `retry_at` (default: after the
        backoff) until `max_attempts`, then the mail is failed."""
        now = clock.now()
        attempts = mail["attempts"] + 1
        where = f"Mail {mail['id']} to {mail['to_address']}"
        if not error:
            values = {OutboxMail.status: SENT, OutboxMail.sent_at: now, OutboxMail.last_error: ""}
        elif attempts >= self.settings.max_attempts:
            values = {OutboxMail.status: FAILED, OutboxMail.last_error: error}
            log.error("%s: giving up after %d attempts: %s", where, attempts, error)
        else:
            retry_at = retry_at or now + retry_delay(attempts)
            values = {OutboxMail.status: PENDING, OutboxMail.next_attempt_at: retry_at, OutboxMail.last_error: error}
            log.warning("%s failed (attempt %d), will retry: %s", where, attempts, error)
        values[OutboxMail.attempts] = attempts
        async with write():
            await OutboxMail.update(values).where(OutboxMail.id == mail["id"])
            await MailAttempt(mail=mail["id"], ok=not error, error=error, attempted_at=now).save()

    async def recover(self) -> int:
        """Put mails a crash left "sending" back to pending, due now; return how many.

        Call once at start, before sending (`run_forever` does): a row is "sending" only while
        this process talks to the server, so at start every such row was interrupted. The
        interruption counts as a failed attempt, so a mail that kills the sender each time it is
        tried is failed after `max_attempts` instead of stopping all mail forever. It is due at
        once, without backoff: the cause was most likely the process, not the mail."""
        async with write():
            interrupted = await OutboxMail.select(
                OutboxMail.id, OutboxMail.to_address, OutboxMail.attempts
            ).where(OutboxMail.status == SENDING)
            for mail in interrupted:
                await self._record(mail, INTERRUPTED, retry_at=clock.now())
        return len(interrupted)

    async def run_once(self) -> int:
        """Send what is due; return how many mails were tried."""
        tried = 0
        for mail in await self._due():
            if not await self._claim(mail):
                continue  # another sender took it meanwhile
            await self._record(mail, await self._send(mail))
            tried += 1
        return tried

    async def run_forever(self, stop: asyncio.Event) -> None:
        # Runs even without an installation server: a workspace may bring its own.
        recovered = False
        while not stop.is_set():
            tried = 0
            try:
                if not recovered:
                    await self.recover()
                    recovered = True
                tried = await self.run_once()
            except Exception:  # keep the loop alive (a database error); pending rows are tried again
                log.exception("Outbox sender failed; retrying")
            if tried == BATCH:
                continue  # more may be due right away
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.send_interval_seconds)
            except TimeoutError:
                pass


async def _on_behalf_of(mail: dict, s: MailSettings) -> tuple[MailSettings, str]:
    """A workspace's mail through the installation's server (issue 11 §7): From is the
    installation's address (its domain's SPF and DKIM hold, so DMARC passes) under the
    workspace's name; a mail a customer may answer gets Reply-To the workspace's own address,
    when it set one, so the answer reaches the workspace's inbox."""
    try:
        workspace = await get_by_id(mail["workspace"])
    except NotFound:  # cancelled meanwhile: the mail still goes, under the installation's name
        return s, ""
    s = dataclasses.replace(s, from_name=workspace["name"] or s.from_name)
    if mail["purpose"] not in CUSTOMER_MAILS:
        return s, ""
    return s, await workspace_mail.address(mail["workspace"])


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]
