"""Writing the audit log. Every admin change and security event calls `record()`:

    await record(viewer.workspace_id, viewer, "group.created", subject=name, after={"name": name})

Called inside an intent's `db.write()` block, the row joins that transaction (it exists exactly
when the change does); outside one it is written on its own. Never pass a secret: for a password
or token say that it changed (`after={"password": "changed"}`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import clock, db
from app.audit.tables import AuditEntry

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

ACTION_MAX = 50
SUBJECT_MAX = 200


async def record(workspace_id: int, actor: Viewer | None, action: str, subject: str = "",
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, *,
                 agent_id: int | None = None, agent_name: str = "") -> None:
    """One audit row. `actor` is the agent who acted (None: the system, a CLI command, or a login
    attempt, where `agent_id`/`agent_name` may name the account it was about)."""
    async with db.write():
        await AuditEntry.insert(AuditEntry(
            workspace=workspace_id,
            agent=actor.agent_id if actor else agent_id,
            agent_name=(actor.name if actor else agent_name)[:200],
            action=action[:ACTION_MAX],
            subject=subject[:SUBJECT_MAX],
            before=_plain(before or {}),
            after=_plain(after or {}),
            created_at=clock.now(),
        ))


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe values (dates and enums as text)."""
    return {str(key): value if isinstance(value, str | int | float | bool | type(None)) else str(value)
            for key, value in values.items()}
