"""The outbox: every mail is a row first, written in the transaction of the change that causes it;
the sender loop hands rows to SMTP, retries with backoff and records each attempt.

A crash between commit and send loses nothing: the row stays pending and the next loop sends it.
The SMTP conversation happens outside any database transaction, so a slow mail server never
holds SQLite's write lock.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import aiosmtplib

from app.config import MailSettings
from app.db import write
from app.mail.compose import build_message, new_message_id
from app.mail.tables import MailAttempt, OutboxMail

log = logging.getLogger("helprealm.mail")

BATCH = 20
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(timezone.utc)


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
) -> dict:
    """Add a mail to the outbox. Call inside the caller's write transaction."""
    now = _now()
    row = OutboxMail(
        workspace=workspace_id,
        ticket=ticket_id,
        purpose=purpose,
        to_address=to,
        subject=subject[:300],
        body_text=text,
        body_html=html,
        message_id=new_message_id(domain, purpose),
        headers=headers or {},
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    await row.save()
    return row.to_dict()


class OutboxSender:
    """Drains the outbox. One per server process (started in the app's lifespan)."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return bool(self.settings.smtp_host)

    async def _due(self) -> list[dict]:
        return (
            await OutboxMail.select()
            .where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= _now())
            .order_by(OutboxMail.id)
            .limit(BATCH)
            .output(load_json=True)
        )

    async def _send(self, mail: dict) -> str:
        """Send one mail; return "" on success or the error text."""
        s = self.settings
        try:
            await aiosmtplib.send(
                build_message(mail, s),
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                start_tls=s.smtp_starttls,
                use_tls=False,
                timeout=30,
            )
            return ""
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc}"[:1000]

    async def _record(self, mail: dict, error: str) -> None:
        now = _now()
        attempts = mail["attempts"] + 1
        if not error:
            values = {OutboxMail.status: "sent", OutboxMail.sent_at: now, OutboxMail.last_error: ""}
        elif attempts >= self.settings.max_attempts:
            values = {OutboxMail.status: "failed", OutboxMail.last_error: error}
            log.error("Giving up on mail %s to %s after %d attempts: %s", mail["id"], mail["to_address"], attempts, error)
        else:
            values = {OutboxMail.next_attempt_at: now + retry_delay(attempts), OutboxMail.last_error: error}
            log.warning("Mail %s to %s failed (attempt %d), will retry: %s", mail["id"], mail["to_address"], attempts, error)
        values[OutboxMail.attempts] = attempts
        async with write():
            await OutboxMail.update(values).where(OutboxMail.id == mail["id"])
            await MailAttempt(mail=mail["id"], ok=not error, error=error, attempted_at=now).save()

    async def run_once(self) -> int:
        """Send what is due; return how many mails were tried."""
        if not self.enabled:
            return 0
        due = await self._due()
        for mail in due:
            await self._record(mail, await self._send(mail))
        return len(due)

    async def run_forever(self, stop: asyncio.Event) -> None:
        if not self.enabled:
            await stop.wait()
            return
        while not stop.is_set():
            try:
                tried = await self.run_once()
            except Exception:  # keep the loop alive; the rows stay pending and are tried again
                log.exception("Outbox sender failed; retrying")
                tried = 0
            if tried == BATCH:
                continue  # more may be due right away
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.settings.send_interval_seconds)
            except asyncio.TimeoutError:
                pass
