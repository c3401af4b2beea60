"""The administration's part of the demo workspace (app/demo.py calls this after the stories):
round robin on the 2nd level group, a few audit rows, and one finished background export, so
`make run` shows those pages with something on them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app import clock, db
from app.accounts.tables import AgentGroup
from app.accounts.viewer import load_viewer
from app.audit.service import record
from app.exports.jobs import ExportRunner, exports_dir
from app.exports.service import EXPIRES_AFTER
from app.exports.tables import ExportJob
from app.groups import service as groups


async def seed_admin_demo(workspace_id: int, admin_id: int, data_path: Path) -> None:
    viewer = await load_viewer(admin_id)
    assert viewer is not None
    second = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace_id,
                                                          AgentGroup.name == "2nd level group").first()
    if second is not None:  # (audited: "group.auto_assign")
        await groups.set_auto_assign(viewer, second["id"], True, 5)
    await record(workspace_id, None, "login", subject=viewer.email, agent_id=admin_id, agent_name=viewer.name)
    today = clock.now().date()
    async with db.write():
        job = ExportJob(workspace=workspace_id, requested_by=admin_id, format="xlsx", date_from=today - timedelta(7),
                        date_to=today, options={"with_thread": True, "with_notes": False}, status="queued",
                        created_at=clock.now(), expires_at=clock.now() + EXPIRES_AFTER)
        await job.save()
        await record(workspace_id, viewer, "export.queued", subject=f"xlsx {today - timedelta(7)}..{today}",
                     after={"job": job.id})
    await ExportRunner(exports_dir(data_path)).run_once()
