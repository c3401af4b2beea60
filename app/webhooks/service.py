"""Superadmins' webhooks: register, edit, delete, list, and the rules of a hook's form.

Every write is one transaction, audited (never with the secret), and drops the workspace's cached
hook list (app/webhooks/events.py) after it commits. The signing secret is sealed with the Vault
under its own purpose (`SECRETS`), so it is unrelated to the mail passwords' key; the pages show it
in clear only in the response that made it, afterwards masked.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from app import clock, db
from app.audit.service import record as audit
from app.config import WebhookSettings
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.mail import hosts
from app.mail.vault import Vault
from app.tickets.queries import Page, pages_for
from app.webhooks import events
from app.webhooks.tables import Webhook, WebhookAttempt, WebhookDelivery

SECRETS = b"helprealm/webhook-secrets/v1"
URL_MAX = 2000
DESCRIPTION_MAX = 200
SECRET_MIN, SECRET_MAX = 16, 200

_vault: Vault | None = None


def configure(secret: str) -> Vault:
    """create_app() calls this with the installation secret."""
    global _vault
    _vault = Vault(secret, SECRETS)
    return _vault


def vault() -> Vault:
    if _vault is None:
        raise RuntimeError("app.webhooks.service is not configured (create_app() does it)")
    return _vault


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(24)


def masked(secret: str | None) -> str:
    """What the pages show of a stored secret to tell it apart: our prefix and 4 characters after
    it (a typed secret: its first 4 of at least 16), never enough to guess the rest."""
    if not secret:
        return ""
    prefix = "whsec_" if secret.startswith("whsec_") else ""
    return f"{secret[:len(prefix) + 4]}…"


@dataclass(frozen=True)
class HookForm:
    url: str
    events: tuple[str, ...]
    description: str
    active: bool
    secret: str  # typed by the admin; "" keeps the stored one (or generates one for a new hook)
    regenerate: bool

    @classmethod
    def from_form(cls, data: Mapping) -> HookForm:
        def text(name: str) -> str:
            value = data.get(name, "")
            return (value if isinstance(value, str) else "").strip()

        chosen = data.get("events", [])
        chosen = [chosen] if isinstance(chosen, str) else list(chosen or [])
        return cls(url=text("url"), events=tuple(e for e in events.EVENTS if e in chosen),
                   description=text("description"), active=bool(text("active")), secret=text("secret"),
                   regenerate=bool(text("regenerate")))


async def check_url(url: str, settings: WebhookSettings) -> str | None:
    """The error for a hook URL, or None. The host is resolved and every address checked."""
    if not url:
        return _("Please enter the URL to send events to.")
    if len(url) > URL_MAX:
        return _("The URL may be at most %(max)d characters long.", max=URL_MAX)
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return _("This is not a valid URL.")
    if parts.scheme not in ("http", "https"):
        return _("Only http:// and https:// URLs can receive webhooks.")
    if not parts.hostname or parts.username or parts.password or any(c.isspace() or not c.isprintable() for c in url):
        return _("This is not a valid URL.")
    try:
        await hosts.resolve(parts.hostname, port, allow_private=settings.allow_private_hosts)
    except hosts.HostRefused as exc:
        return str(exc)
    return None


async def _validate(form: HookForm, settings: WebhookSettings) -> None:
    errors: dict[str, str] = {}
    url_error = await check_url(form.url, settings)
    if url_error:
        errors["url"] = url_error
    if not form.events:
        errors["events"] = _("Please choose at least one event.")
    if len(form.description) > DESCRIPTION_MAX:
        errors["description"] = _("The description may be at most %(max)d characters long.", max=DESCRIPTION_MAX)
    if form.secret and not SECRET_MIN <= len(form.secret) <= SECRET_MAX:
        errors["secret"] = _("A secret has %(min)d to %(max)d characters.", min=SECRET_MIN, max=SECRET_MAX)
    if errors:
        raise ValidationFailed(errors)


def _audit_values(row: Mapping) -> dict:
    return {"url": row["url"], "events": ",".join(row["events"]), "active": row["active"],
            "description": row["description"]}


async def register(viewer, form: HookForm, settings: WebhookSettings) -> tuple[dict, str]:
    """A new hook; returns (its row, the secret in clear: shown this once)."""
    await _validate(form, settings)
    secret = form.secret or new_secret()
    now = clock.now()
    async with db.write():
        rows = await Webhook.insert(Webhook(
            workspace=viewer.workspace_id, url=form.url, secret_sealed=vault().seal(secret), events=list(form.events),
            description=form.description, active=form.active, created_at=now, updated_at=now,
        )).returning(*Webhook.all_columns())
        hook = rows[0]
        hook["events"] = list(form.events)
        await audit(viewer.workspace_id, viewer, "webhook.created", subject=form.url,
                    after=_audit_values(hook))
        events.invalidate(viewer.workspace_id)
    return hook, secret


async def get(workspace_id: int, hook_id: int) -> dict:
    row = await Webhook.select().where(Webhook.id == hook_id, Webhook.workspace == workspace_id).output(
        load_json=True).first()
    if row is None:
        raise NotFound(_("No such webhook."))
    return row


async def listing(workspace_id: int) -> list[dict]:
    return await Webhook.select().where(Webhook.workspace == workspace_id).order_by(Webhook.id).output(load_json=True)


async def edit(viewer, hook_id: int, form: HookForm, settings: WebhookSettings) -> tuple[dict, str]:
    """Change a hook; returns (its row, a new secret in clear or "" when it kept its own).
    Switching a hook on again clears the failure count and the switch-off notice."""
    before = await get(viewer.workspace_id, hook_id)
    await _validate(form, settings)
    secret = form.secret or (new_secret() if form.regenerate else "")
    values = {Webhook.url: form.url, Webhook.events: list(form.events), Webhook.description: form.description,
              Webhook.active: form.active, Webhook.updated_at: clock.now()}
    if secret:
        values[Webhook.secret_sealed] = vault().seal(secret)
    if form.active and not before["active"]:
        values.update({Webhook.failures_in_row: 0, Webhook.disabled_at: None, Webhook.disabled_reason: ""})
    async with db.write():
        await Webhook.update(values).where(Webhook.id == hook_id, Webhook.workspace == viewer.workspace_id)
        after = await get(viewer.workspace_id, hook_id)
        changes = {"secret": "changed"} if secret else {}
        await audit(viewer.workspace_id, viewer, "webhook.updated", subject=form.url,
                    before=_audit_values(before), after={**_audit_values(after), **changes})
        events.invalidate(viewer.workspace_id)
    return after, secret


async def delete(viewer, hook_id: int) -> None:
    """The hook, its deliveries and their attempts."""
    hook = await get(viewer.workspace_id, hook_id)
    async with db.write():
        await WebhookAttempt.raw(
            "DELETE FROM webhook_attempt WHERE delivery IN (SELECT id FROM webhook_delivery WHERE webhook = {})",
            hook_id)
        await WebhookDelivery.delete().where(WebhookDelivery.webhook == hook_id)
        await Webhook.delete().where(Webhook.id == hook_id, Webhook.workspace == viewer.workspace_id)
        await audit(viewer.workspace_id, viewer, "webhook.deleted", subject=hook["url"], before=_audit_values(hook))
        events.invalidate(viewer.workspace_id)


# -- deliveries: the hook's page, "Send test" and "Retry now" ---------------------------------------

DELIVERIES_PER_PAGE = 20
ATTEMPTS_SHOWN = 10  # per delivery, newest first


async def deliveries(workspace_id: int, hook_id: int, page: int = 1) -> Page:
    """One page of the hook's deliveries, newest first, each with its latest attempts."""
    where = (WebhookDelivery.webhook == hook_id, WebhookDelivery.workspace == workspace_id)
    total = await WebhookDelivery.count().where(*where)
    page = min(page, pages_for(total, DELIVERIES_PER_PAGE))
    rows = await WebhookDelivery.select(
        WebhookDelivery.id, WebhookDelivery.event, WebhookDelivery.status, WebhookDelivery.attempts,
        WebhookDelivery.next_attempt_at, WebhookDelivery.last_status_code, WebhookDelivery.last_error,
        WebhookDelivery.created_at, WebhookDelivery.delivered_at, WebhookDelivery.ticket.number.as_alias("number"),
    ).where(*where).order_by(WebhookDelivery.id, ascending=False).limit(DELIVERIES_PER_PAGE).offset(
        (page - 1) * DELIVERIES_PER_PAGE)
    attempts: dict[int, list[dict]] = {row["id"]: [] for row in rows}
    if rows:
        for attempt in await WebhookAttempt.select().where(WebhookAttempt.delivery.is_in(list(attempts))).order_by(
                WebhookAttempt.id, ascending=False):
            shown = attempts[attempt["delivery"]]
            if len(shown) < ATTEMPTS_SHOWN:
                shown.append(attempt)
    for row in rows:
        row["attempt_rows"] = attempts[row["id"]]
    return Page(rows=rows, total=total, page=page, per_page=DELIVERIES_PER_PAGE)


async def send_test(viewer, hook_id: int, settings: WebhookSettings) -> dict:
    """A "ping" delivery, sent at once (whether the hook is on or off); the delivery as it ended."""
    from app.webhooks.sender import WebhookSender  # it imports this module's vault

    await get(viewer.workspace_id, hook_id)
    async with db.write():
        delivery_id = await events.ping(viewer.workspace_id, hook_id)
    return await WebhookSender(settings).send_now(delivery_id) or {"id": delivery_id, "status": "sending"}


async def retry(viewer, hook_id: int, delivery_id: int, settings: WebhookSettings) -> dict:
    """"Retry now" for a failed delivery: one more attempt at once."""
    from app.webhooks.sender import FAILED, WebhookSender

    await get(viewer.workspace_id, hook_id)
    row = await WebhookDelivery.select(WebhookDelivery.id, WebhookDelivery.status).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.webhook == hook_id,
        WebhookDelivery.workspace == viewer.workspace_id).first()
    if row is None:
        raise NotFound(_("No such delivery."))
    done = await WebhookSender(settings).send_now(delivery_id, (FAILED,)) if row["status"] == FAILED else None
    if done is None:
        raise Conflict(_("Only a failed delivery can be retried."))
    return done
