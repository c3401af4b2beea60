"""Apply the checked-in Piccolo migrations (on start and by `helprealm migrate`).

Piccolo's migration runner imports every migration and replays their schema snapshots, which
briefly takes ~45 MB; on a server start with nothing to do that was the start's peak memory. So
the ids of the checked-in migrations (read from the files, not imported) are compared with the
applied ones first, and the runner only runs when something is pending.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from importlib import resources

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.table import Table

from app.db import ENGINE

APP_NAME = "helprealm"
_ID_LINE = re.compile(r'^ID = "([^"]+)"$', re.MULTILINE)


class MigrationFailed(Exception):
    pass


def checked_in_ids() -> set[str]:
    folder = resources.files("app.migrations")
    return {
        match.group(1)
        for entry in folder.iterdir()
        if entry.name.startswith("m") and entry.name.endswith(".py")
        for match in [_ID_LINE.search(entry.read_text(encoding="utf-8"))]
        if match
    }


async def applied_ids() -> set[str]:
    tables = await ENGINE._run_in_new_connection(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'migration'"
    )
    if not tables:
        return set()
    rows = await ENGINE._run_in_new_connection("SELECT name FROM migration WHERE app_name = ?", [APP_NAME])
    return {row["name"] for row in rows}


async def pending() -> set[str]:
    return checked_in_ids() - await applied_ids()


async def migrate() -> str:
    """Run pending migrations on app.db.ENGINE; returns Piccolo's report."""
    if not await pending():
        return "No migrations need to be run"
    os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        response = await run_forwards(app_name=APP_NAME, migration_id="all", fake=False)
    if not response.success:
        raise MigrationFailed(response.message or out.getvalue())
    return out.getvalue()


def sql_migration(migration_id: str, description: str, statements: tuple[str, ...]) -> MigrationManager:
    """A migration written as SQL (indexes, columns Piccolo cannot express): the statements run in
    order, in the migration's transaction. Each migration module's `forwards()` returns this."""
    manager = MigrationManager(migration_id=migration_id, app_name=APP_NAME, description=description)

    async def run() -> None:
        for sql in statements:
            await Table.raw(sql)

    manager.add_raw(run)
    return manager
