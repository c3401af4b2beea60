"""The "Mail gateway" section of the workspace's mail settings (issue 11): how outgoing mail
leaves (SMTP or the gateway) and what a customer's mail reply to a closed ticket does. The token
itself is app/mail/gateway.py's `generate_token`; the page is app/workspaces/admin_mail_gateway.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.accounts.viewer import Viewer
from app.audit.service import record
from app.db import write
from app.errors import ValidationFailed
from app.i18n import _
from app.mail import gateway
from app.validation import form_text
from app.workspaces.service import get_by_id, update_settings

DELIVERY = ("smtp", "gateway")
CLOSED_REPLY_MODES = ("reopen", "new")


def delivery_choices() -> list[tuple[str, str]]:
    return [("smtp", _("SMTP")), ("gateway", _("The mail gateway (fetchMails and verifyMail)"))]


def closed_reply_choices() -> list[tuple[str, str]]:
    return [("reopen", _("reopens it")), ("new", _("opens a new ticket that links to it"))]


@dataclass(frozen=True)
class GatewaySettings:
    delivery: str  # "smtp" or "gateway"
    closed_reply_mode: str  # "reopen" or "new"

    @classmethod
    def from_form(cls, data: Mapping) -> GatewaySettings:
        delivery, mode = form_text(data, "delivery"), form_text(data, "closed_reply_mode")
        errors = {}
        if delivery not in DELIVERY:
            errors["delivery"] = _("Choose one of the offered options.")
        if mode not in CLOSED_REPLY_MODES:
            errors["closed_reply_mode"] = _("Choose one of the offered options.")
        if errors:
            raise ValidationFailed(errors)
        return cls(delivery, mode)


async def form_values(workspace_id: int) -> dict:
    state = await gateway.state(workspace_id)
    workspace = await get_by_id(workspace_id)
    mode = workspace.get("closed_reply_mode") if workspace.get("closed_reply_mode") in CLOSED_REPLY_MODES else "reopen"
    return {"delivery": "gateway" if state["deliver_outgoing"] else "smtp", "closed_reply_mode": mode}


async def save(viewer: Viewer, change: GatewaySettings) -> None:
    """Both settings in one write; each change audited (the delivery by set_deliver_outgoing)."""
    async with write():
        await gateway.set_deliver_outgoing(viewer.workspace_id, viewer, change.delivery == "gateway")
        before = (await get_by_id(viewer.workspace_id)).get("closed_reply_mode")
        if before != change.closed_reply_mode:
            await update_settings(viewer.workspace_id, closed_reply_mode=change.closed_reply_mode)
            await record(viewer.workspace_id, viewer, "closed_reply_mode.changed", subject="mail",
                         before={"closed_reply_mode": before}, after={"closed_reply_mode": change.closed_reply_mode})
