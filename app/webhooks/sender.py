"""The webhook sender: a background loop (app/tasks.py) that posts due deliveries, signed.

Shaped like the outbox (app/mail/outbox.py): a delivery goes pending -> sending -> sent (or back
to pending with a later retry time, or failed after `[webhooks] max_attempts`). "sending" is
committed in its own short write before the POST and the outcome in another after it, so no
transaction is open while a receiver is slow. A crash leaves a row "sending"; `recover()` puts it
back at the next start, so a delivery may arrive twice (at-least-once: receivers dedupe by the
X-HelpRealm-Delivery id).

Every POST resolves the URL's host again and checks every address (app/mail/hosts.py), then
connects to the checked address (the Host header and TLS's SNI and certificate check keep the
name), so a DNS answer that changes after the hook was saved cannot reach the host's own network.
Redirects are never followed (a 3xx is a failure) and at most `BODY_MAX` bytes of an answer are
read. After `disable_after_failures` failed deliveries in a row the hook is switched off and the
workspace's superadmins are mailed; a success resets the count.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import ssl
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx

from app import __version__, clock
from app.audit.service import record as audit
from app.config import WebhookSettings
from app.db import write
from app.mail import hosts
from app.webhooks import events, notices
from app.webhooks.service import vault
from app.webhooks.tables import Webhook, WebhookAttempt, WebhookDelivery

log = logging.getLogger("helprealm.webhooks")

BATCH = 20
BODY_MAX = 4096  # bytes of a receiver's answer we read (and keep a little of, for the admin)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=2)
USER_AGENT = f"HelpRealm-Webhooks/{__version__}"
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
INTERRUPTED = "Interrupted: the sender stopped during this attempt; the delivery may have arrived"


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most two hours."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def signature(secret: str, timestamp: int, body: str) -> str:
    """The X-HelpRealm-Signature value: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _columns():
    return (*WebhookDelivery.all_columns(), *(c.as_alias(f"hook_{c._meta.name}") for c in (
        WebhookDelivery.webhook.url, WebhookDelivery.webhook.secret_sealed, WebhookDelivery.webhook.active,
        WebhookDelivery.webhook.failures_in_row)))


class WebhookSender:
    """Drains the webhook deliveries. One per server process (a background loop)."""

    name = "webhooks"

    def __init__(self, settings: WebhookSettings, verify: ssl.SSLContext | bool = True) -> None:
        self.settings = settings
        self.verify = verify  # the system's CAs; the tests pass a context that trusts their own CA

    def client(self) -> httpx.AsyncClient:
        # No proxies from the environment: the checked address is the one we connect to.
        return httpx.AsyncClient(follow_redirects=False, timeout=self.settings.timeout_seconds, trust_env=False,
                                 verify=self.verify)

    async def _due(self) -> list[dict]:
        return await WebhookDelivery.select(*_columns()).where(
            WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= clock.now(),
            WebhookDelivery.webhook.active.eq(True),
        ).order_by(WebhookDelivery.id).limit(BATCH)

    async def _claim(self, delivery_id: int, states: tuple[str, ...] = (PENDING,)) -> dict | None:
        """Mark the delivery "sending" in its own committed write; None if it is not in `states`.
        `states` () takes a delivery written "sending" by its caller (the ping)."""
        async with write():
            if states:
                claimed = await WebhookDelivery.update({WebhookDelivery.status: SENDING}).where(
                    WebhookDelivery.id == delivery_id, WebhookDelivery.status.is_in(list(states))
                ).returning(WebhookDelivery.id)
                if not claimed:
                    return None
            return await WebhookDelivery.select(*_columns()).where(
                WebhookDelivery.id == delivery_id, WebhookDelivery.status == SENDING).first()

    async def _post(self, client: httpx.AsyncClient, delivery: dict) -> tuple[int | None, str]:
        """POST the delivery once: (status code or None, "" on success or the error)."""
        secret = vault().open(delivery["hook_secret_sealed"] or "")
        if secret is None:
            return None, "The hook's secret cannot be read (the installation secret changed): save a new one"
        body = delivery["payload"]
        parts = urlsplit(delivery["hook_url"])
        name = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            address = await hosts.resolve(name, port, allow_private=self.settings.allow_private_hosts)
        except hosts.HostRefused as exc:
            return None, f"Refused: {exc}"
        host = f"[{address}]" if ":" in address else address
        target = urlunsplit((parts.scheme, f"{host}:{port}", parts.path or "/", parts.query, ""))
        sent = json.loads(body)
        headers = {
            "Host": f"[{name}]" if ":" in name else name if parts.port is None else f"{name}:{parts.port}",
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "X-HelpRealm-Event": delivery["event"], "X-HelpRealm-Delivery": str(sent.get("id", delivery["id"])),
            "X-HelpRealm-Signature": signature(secret, int(clock.unix()), body),
        }
        extensions = {"sni_hostname": name} if parts.scheme == "https" else {}
        try:
            async with asyncio.timeout(self.settings.timeout_seconds * 2):  # a receiver that drips its answer
                async with client.stream("POST", target, content=body.encode(), headers=headers,
                                         extensions=extensions) as response:
                    answer = b""
                    async for chunk in response.aiter_bytes():
                        answer += chunk
                        if len(answer) >= BODY_MAX:
                            break
        except TimeoutError:
            return None, f"Timed out after {self.settings.timeout_seconds:g} s"
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:1000]
        code = response.status_code
        if 200 <= code < 300:
            return code, ""
        if 300 <= code < 400:
            return code, f"HTTP {code}: redirects are not followed ({response.headers.get('location', '')[:300]})"
        return code, f"HTTP {code}: {answer[:300].decode('utf-8', 'replace')}"

    async def _attempt(self, client: httpx.AsyncClient, delivery: dict, *, manual: bool = False) -> dict:
        started = time.monotonic()
        try:
            code, error = await self._post(client, delivery)
        except Exception as exc:  # a bug or a malformed row: this delivery fails, the rest go on
            log.exception("Webhook delivery %s failed", delivery["id"])
            code, error = None, f"{type(exc).__name__}: {exc}"[:1000]
        duration = int((time.monotonic() - started) * 1000)
        return await self._record(delivery, code, error, duration, manual=manual)

    async def _record(self, delivery: dict, code: int | None, error: str, duration_ms: int, *,
                      manual: bool = False, retry_at: datetime | None = None) -> dict:
        """Store one attempt's outcome. A manual attempt (test, "Retry now") is not retried and
        does not count towards switching the hook off; its success still resets the count."""
        now = clock.now()
        attempts = delivery["attempts"] + 1
        values = {WebhookDelivery.attempts: attempts, WebhookDelivery.last_status_code: code,
                  WebhookDelivery.last_error: error}
        if not error:
            values.update({WebhookDelivery.status: SENT, WebhookDelivery.delivered_at: now})
        elif manual or attempts >= self.settings.max_attempts:
            values[WebhookDelivery.status] = FAILED
        else:
            values.update({WebhookDelivery.status: PENDING,
                           WebhookDelivery.next_attempt_at: retry_at or now + retry_delay(attempts)})
        async with write():
            await WebhookDelivery.update(values).where(WebhookDelivery.id == delivery["id"])
            await WebhookAttempt(delivery=delivery["id"], attempted_at=now, status_code=code, error=error,
                                 duration_ms=duration_ms).save()
            if not error and delivery["event"] != events.PING:
                await Webhook.update({Webhook.failures_in_row: 0}).where(
                    Webhook.id == delivery["webhook"], Webhook.failures_in_row > 0)
            elif values[WebhookDelivery.status] == FAILED and not manual:
                await self._count_failure(delivery, error)
        return {**delivery, "status": values[WebhookDelivery.status], "attempts": attempts,
                "last_status_code": code, "last_error": error}

    async def _count_failure(self, delivery: dict, error: str) -> None:
        """One more failed delivery in a row; at the limit the hook is switched off (inside the write)."""
        rows = await Webhook.update({Webhook.failures_in_row: Webhook.failures_in_row + 1}).where(
            Webhook.id == delivery["webhook"]).returning(Webhook.failures_in_row, Webhook.active, Webhook.url)
        if not rows or not rows[0]["active"] or rows[0]["failures_in_row"] < self.settings.disable_after_failures:
            return
        hook = rows[0]
        await Webhook.update({Webhook.active: False, Webhook.disabled_at: clock.now(),
                              Webhook.disabled_reason: error[:1000]}).where(Webhook.id == delivery["webhook"])
        await audit(delivery["workspace"], None, "webhook.disabled", subject=hook["url"],
                    after={"failures_in_row": hook["failures_in_row"], "active": False})
        await notices.queue_hook_disabled(delivery["workspace"], delivery["webhook"], hook["url"],
                                          hook["failures_in_row"], error)
        events.invalidate(delivery["workspace"])
        log.warning("Webhook %s switched off after %d failed deliveries", delivery["webhook"], hook["failures_in_row"])

    async def recover(self) -> int:
        """Put deliveries a crash left "sending" back to pending, due now (counted as an attempt)."""
        async with write():
            interrupted = await WebhookDelivery.select(*_columns()).where(WebhookDelivery.status == SENDING)
            for delivery in interrupted:
                await self._record(delivery, None, INTERRUPTED, 0, retry_at=clock.now())
        return len(interrupted)

    async def run_once(self, client: httpx.AsyncClient | None = None) -> int:
        """Send what is due; return how many deliveries were tried."""
        if client is None:
            async with self.client() as own:
                return await self.run_once(own)
        tried = 0
        for due in await self._due():
            delivery = await self._claim(due["id"])
            if delivery is None:
                continue  # "Retry now" or another sender took it meanwhile
            await self._attempt(client, delivery)
            tried += 1
        return tried

    async def send_now(self, delivery_id: int, states: tuple[str, ...] = ()) -> dict | None:
        """One attempt at once (the admin's "Send test"; "Retry now" of a failed delivery): the
        delivery as it ended, or None when it is not in `states` (being sent, or sent already).
        Without `states` the delivery was written "sending" by the caller (a ping)."""
        delivery = await self._claim(delivery_id, states)
        if delivery is None:
            return None
        async with self.client() as client:
            return await self._attempt(client, delivery, manual=True)

    async def run_forever(self, stop: asyncio.Event) -> None:
        recovered = False
        async with self.client() as client:
            while not stop.is_set():
                tried = 0
                try:
                    if not recovered:
                        await self.recover()
                        recovered = True
                    tried = await self.run_once(client)
                except Exception:  # keep the loop alive (a database error); pending rows are tried again
                    log.exception("Webhook sender failed; retrying")
                if tried == BATCH:
                    continue
                try:
                    await asyncio.wait_for(stop.wait(), timeout=self.settings.send_interval_seconds)
                except TimeoutError:
                    pass
