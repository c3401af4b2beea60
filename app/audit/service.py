"""STUB (wt-mailcfg only): the lead's audit log lands on main with this signature; drop this
file when merging main."""

from __future__ import annotations


async def record(workspace_id, actor, action: str, subject: str = "", before=None, after=None) -> None:
    return None
