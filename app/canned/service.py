"""Canned responses: prepared answers agents insert into a reply. One function per intent.

Who may do what, in one place (`editable`): everyone in a workspace reads its shared responses;
only superadmins create, edit and delete them. Each agent has personal ones nobody else sees,
superadmins included. A response the viewer may not see (another agent's personal one, another
workspace's) is NotFound, exactly like one that does not exist; a shared one a plain agent may
see but not change is Forbidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app import clock, db
from app.canned.tables import CannedResponse
from app.errors import Forbidden, NotFound, ValidationFailed
from app.i18n import _
from app.validation import FieldErrors, form_text

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

TITLE_MAX = 100
BODY_MAX = 4096  # what the reply box takes


@dataclass(frozen=True)
class CannedInput:
    title: str
    body: str
    shared: bool = False  # only read on create: a response keeps its kind

    @classmethod
    def from_form(cls, data: Mapping) -> CannedInput:
        errors = FieldErrors()
        title = errors.line(data, "title", _("Title"), max_len=TITLE_MAX)
        body = errors.text(data, "body", _("Text"), max_len=BODY_MAX)
        kind = form_text(data, "kind") or "personal"
        if kind not in ("personal", "shared"):
            errors["kind"] = _("This choice is not available: %(label)s.", label=_("Visible to"))
        if errors:
            raise ValidationFailed(errors)
        return cls(title=title, body=body, shared=kind == "shared")


def visible_where(viewer: Viewer) -> list:
    """The responses the viewer may see: the workspace's shared ones and their own."""
    return [
        CannedResponse.workspace == viewer.workspace_id,
        CannedResponse.agent.is_null() | (CannedResponse.agent == viewer.agent_id),
    ]


async def editable(viewer: Viewer, response_id: int) -> dict:
    """The response if the viewer may change it (NotFound, Forbidden otherwise). The intents call
    it inside their write transaction; the edit form calls it to refuse before showing itself."""
    row = await CannedResponse.select().where(*visible_where(viewer), CannedResponse.id == response_id).first()
    if row is None:
        raise NotFound(_("No such canned response."))
    if row["agent"] is None and not viewer.superadmin:
        raise Forbidden(_("Only superadmins can change shared canned responses."))
    return row


async def create_canned(viewer: Viewer, new: CannedInput) -> dict:
    if new.shared and not viewer.superadmin:
        raise ValidationFailed({"kind": _("Only superadmins can create shared canned responses.")})
    now = clock.now()
    async with db.write():
        row = CannedResponse(workspace=viewer.workspace_id, agent=None if new.shared else viewer.agent_id,
                             title=new.title, body=new.body, created_at=now, updated_at=now)
        await row.save()
    return row.to_dict()


async def update_canned(viewer: Viewer, response_id: int, changes: CannedInput) -> dict:
    """New title and text; whether it is shared or personal stays as it is."""
    async with db.write():
        row = await editable(viewer, response_id)
        await CannedResponse.update({
            CannedResponse.title: changes.title, CannedResponse.body: changes.body,
            CannedResponse.updated_at: clock.now(),
        }).where(CannedResponse.id == row["id"])
    return {**row, "title": changes.title, "body": changes.body}


async def delete_canned(viewer: Viewer, response_id: int) -> None:
    async with db.write():
        row = await editable(viewer, response_id)
        await CannedResponse.delete().where(CannedResponse.id == row["id"])
