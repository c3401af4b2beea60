"""What every agent page shares: the layout's context."""

from __future__ import annotations

from app.accounts.viewer import Viewer
from app.workspaces.service import get_by_id


async def layout(viewer: Viewer) -> dict:
    """What layouts/agent.html needs besides the page's own context."""
    return {"viewer": viewer, "workspace": await get_by_id(viewer.workspace_id)}
