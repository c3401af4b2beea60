"""Canned responses for the demo workspace (app/demo.py calls this once it has made the admin)."""

from __future__ import annotations

from app.accounts.viewer import load_viewer
from app.canned.service import CannedInput, create_canned

SHARED = [
    ("Thanks, we are on it",
     "Hello {customer_name},\n\nthank you for your message. We are looking into ticket #{ticket_number} and "
     "will get back to you shortly.\n\nKind regards,\n{agent_name}"),
    ("Need more details",
     "Hello {customer_name},\n\ncould you tell us a bit more (what you did, what you saw, a screenshot)? "
     "You can reply to this mail or add it on your ticket page: {permalink}\n\n{agent_name}"),
]
PERSONAL = [
    ("Closing, solved",
     "Hello {customer_name},\n\nI am glad it works again, so I am closing ticket #{ticket_number}. "
     "Just reply if anything comes up.\n\nBest,\n{agent_name}"),
]


async def seed_canned_demo(workspace_id: int, admin_id: int) -> None:
    """Two shared responses and one personal one of the admin, all with placeholders."""
    viewer = await load_viewer(admin_id)
    if viewer is None or viewer.workspace_id != workspace_id or not viewer.superadmin:
        raise ValueError("seed_canned_demo needs the workspace's active superadmin")
    for title, body in SHARED:
        await create_canned(viewer, CannedInput(title=title, body=body, shared=True))
    for title, body in PERSONAL:
        await create_canned(viewer, CannedInput(title=title, body=body))
