"""Cancelling a workspace (Settings > danger zone): shut it at once, then delete all of it.

`cancel_workspace()` is the superadmin's intent, one write transaction: the workspace is marked
cancelled (its public page and API answer 404, nobody of it can log in), every session of its
agents ends, its unsent mail is dropped, its API token stops working, and a background job is
queued. The job (`delete_batch`) then deletes the workspace's rows table by table, a few hundred
rows per step, each step its own short write transaction (SQLite has one write lock, and the other
workspaces keep working meanwhile), with the files on disk and the search documents after each
commit. The workspace row goes last; with it goes the job's own row.

PLAN lists every table that holds a workspace's rows, children before the tables they point to,
so no step leaves a dangling reference and no delete cascades into thousands of rows at once.
A table added later must be added here: tests/workspaces/test_cancel.py finds every table that
reaches the workspace through its foreign keys and fails on one the plan does not name. Rows that
own a file on disk say which job parameter holds its folder (`files=`, given by the handler), and
the file goes after the commit that deleted its row.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app import clock, db
from app.accounts.queries import forget_agents
from app.errors import ValidationFailed
from app.i18n import _
from app.jobs import runner as jobs
from app.search import events as search_events
from app.tickets.files import discard
from app.workspaces import backgrounds
from app.workspaces.service import forget, get_by_id, update_settings
from app.workspaces.tables import Workspace

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

log = logging.getLogger("helprealm.workspaces")

JOB_KIND = "cancel_workspace"
BATCH = 300


@dataclass(frozen=True)
class Part:
    """One table's rows of the workspace: `where` selects them, `{}` being the workspace id."""

    table: str
    where: str = "workspace = {}"
    returning: str = "id"  # what the step needs back after the delete (file names, ticket ids)
    files: str = ""  # rows that own a file: the job parameter naming its folder (`returning` its name)


PLAN: tuple[Part, ...] = (
    Part("webhook_attempt", "delivery IN (SELECT id FROM webhook_delivery WHERE workspace = {})"),
    Part("webhook_delivery"),
    Part("webhook"),
    Part("mail_attempt", "mail IN (SELECT id FROM outbox_mail WHERE workspace = {})"),
    Part("outbox_mail"),
    Part("ticket_tag"),
    Part("ticket_participant"),
    Part("inbound_mail", returning="raw_name", files="quarantine"),
    Part("imap_cursor"),
    Part("attachment", returning="stored_name", files="attachments"),
    Part("timeline_entry"),
    Part("canned_response"),
    Part("audit_entry"),
    Part("export_job", returning="file_name", files="exports"),
    Part("background_job", "workspace = {} AND kind != 'cancel_workspace'"),  # this job's row goes last
    Part("faq_entry"),
    Part("faq_deflection"),
    Part("ticket", returning="id"),
    Part("ticket_type"),
    Part("group_member", '"group" IN (SELECT id FROM agent_group WHERE workspace = {})'),
    Part("agent_group"),
    Part("account_token", "agent IN (SELECT id FROM agent WHERE workspace = {})"),
    Part("recovery_code", "agent IN (SELECT id FROM agent WHERE workspace = {})"),
    Part("agent_avatar"),
    Part("api_key"),
    Part("agent"),
    Part("workspace_mail"),
    Part("workspace_api"),
    Part("mail_gateway"),
    Part("background_image", files="backgrounds"),  # the files: the workspace's whole folder
    Part("workspace", "id = {}"),
)
# Sessions are not in the plan: they end when the cancellation is confirmed (below). Their rows
# hold the agent's id inside the session's JSON, not in a column.
SESSIONS_OF_WORKSPACE = """
DELETE FROM web_session WHERE CASE WHEN json_valid(CAST(value AS TEXT))
    THEN json_extract(CAST(value AS TEXT), '$.agent_id') END IN (SELECT id FROM agent WHERE workspace = {})
"""


async def cancel_workspace(viewer: Viewer, company: str, *, captcha_errors: dict[str, str], attachments_dir: Path,
                           exports_dir: Path, backgrounds_dir: Path, quarantine_dir: Path | None = None) -> dict:
    """Cancel the viewer's workspace: `company` must be its name exactly, and the captcha (checked
    by the caller: it holds the captchas) right. Returns the deletion job."""
    workspace = await get_by_id(viewer.workspace_id)
    errors = dict(captcha_errors)
    if company.strip() != workspace["name"]:
        errors["company"] = _("Type the company name exactly as it is written above.")
    if errors:
        raise ValidationFailed(errors)
    ws = workspace["id"]
    async with db.write():
        await update_settings(ws, cancelled_at=clock.now())
        # Every session of its agents ends now: the rows go, and a session written back by a
        # request still running carries an old version and is refused.
        await Workspace.raw(SESSIONS_OF_WORKSPACE, ws)
        await Workspace.raw("UPDATE agent SET session_version = session_version + 1 WHERE workspace = {}", ws)
        await Workspace.raw("DELETE FROM outbox_mail WHERE workspace = {} AND status IN ('pending', 'failed')", ws)
        await Workspace.raw("DELETE FROM workspace_api WHERE workspace = {}", ws)
        await Workspace.raw("DELETE FROM mail_gateway WHERE workspace = {}", ws)  # no mail in from now on
        # A queued export would write a file for nobody (the export runner claims queued jobs).
        await Workspace.raw("UPDATE export_job SET status = 'failed', error = 'Workspace cancelled' "
                            "WHERE workspace = {} AND status = 'queued'", ws)
        total = 0
        for part in PLAN:
            total += (await Workspace.raw(f"SELECT COUNT(*) AS n FROM {part.table} WHERE {part.where}", ws))[0]["n"]
        job = await jobs.queue(ws, JOB_KIND, {"attachments": str(attachments_dir), "exports": str(exports_dir),
                                              "backgrounds": str(backgrounds_dir),
                                              "quarantine": str(quarantine_dir or ""), "key": workspace["key"],
                                              "part": 0}, total=total, created_by=None)
        db.on_commit(lambda: forget_agents(ws))
    # Nothing to audit: the audit log is deleted with the workspace. The installation's log keeps it.
    log.warning("Workspace %s (%s, id %s) cancelled by agent %s; deleting %d rows in job %s",
                workspace["key"], workspace["name"], ws, viewer.agent_id, total, job["id"])
    return job


@jobs.register(JOB_KIND)
async def delete_batch(job: dict) -> int | None:
    """Delete up to BATCH rows of the next table that still has some; None when all is gone.
    Repeatable: a step interrupted by a restart finds the rows it did not delete."""
    params, ws = job["params"], job["workspace"]
    if ws is None:
        return None
    for index in range(params.get("part", 0), len(PLAN)):
        part = PLAN[index]
        rows = await Workspace.raw(
            f"DELETE FROM {part.table} WHERE rowid IN (SELECT rowid FROM {part.table} WHERE {part.where} "
            f"LIMIT {BATCH}) RETURNING {part.returning} AS value", ws)
        if index != params.get("part", 0):
            params = {**params, "part": index}  # the tables before are empty: later steps skip them
            await Workspace.raw("UPDATE background_job SET params = {} WHERE id = {}", json.dumps(params), job["id"])
        if rows:
            _after_commit(part, [row["value"] for row in rows], params, ws)
            return len(rows)
    return None  # (not reached: the workspace row's step deletes this job's row with it)


def _after_commit(part: Part, values: list, params: dict, ws: int) -> None:
    """What lives outside the database goes once the rows are gone for good."""
    if part.table == "background_image":
        db.on_commit(lambda: backgrounds.remove_all(Path(params["backgrounds"]), ws))
    elif part.files and params.get(part.files):  # (a job queued before a folder was added has none)
        directory = Path(params[part.files])
        db.on_commit(lambda: [discard(directory, name) for name in values if name])
    elif part.table == "faq_entry":  # the FAQ index rewrites the workspace's entries: none left
        db.on_commit(lambda: search_events.faq_changed(ws))
    elif part.table == "ticket":
        # The index writer drops the documents of tickets that no longer exist.
        db.on_commit(lambda: [search_events.ticket_changed(ticket_id) for ticket_id in values])
    elif part.table == "workspace":
        db.on_commit(lambda: _finished(values[0], params.get("key", "")))


def _finished(workspace_id: int, key: str) -> None:
    forget(workspace_id, key)
    log.warning("Workspace %s (id %s) cancelled: every row deleted", key, workspace_id)
