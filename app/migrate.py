"""Apply the checked-in Piccolo migrations (on start and by `helprealm migrate`)."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.forwards import run_forwards


class MigrationFailed(Exception):
    pass


async def migrate() -> str:
    """Run pending migrations on app.db.ENGINE; returns Piccolo's report."""
    import os

    os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        response = await run_forwards(app_name="helprealm", migration_id="all", fake=False)
    if not response.success:
        raise MigrationFailed(response.message or out.getvalue())
    return out.getvalue()
