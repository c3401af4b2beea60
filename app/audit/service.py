"""STUB (wt-export): the lead's audit log API, so exports can record themselves. Drop this file
when main's app/audit lands (merge main; its record() has the same signature)."""

from __future__ import annotations

import logging

log = logging.getLogger("helprealm.audit")


async def record(workspace_id, actor, action, subject="", before=None, after=None) -> None:
    log.info("audit %s %s %s %s", workspace_id, getattr(actor, "agent_id", None), action, subject)
