"""Background jobs (large moves in batches, with progress), and ticket types that are being retired."""

from app.migrate import sql_migration

ID = "2026-11-24T05:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Background jobs; retiring ticket types"

STATEMENTS = (
    """CREATE TABLE background_job (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "kind" VARCHAR(30) NOT NULL DEFAULT '',
        "params" JSON NOT NULL DEFAULT '{}',
        "status" VARCHAR(10) NOT NULL DEFAULT 'queued',
        "done" INTEGER NOT NULL DEFAULT 0,
        "total" INTEGER NOT NULL DEFAULT 0,
        "created_by" INTEGER REFERENCES "agent" ("id") ON DELETE SET NULL ON UPDATE CASCADE DEFAULT null,
        "error" TEXT NOT NULL DEFAULT '',
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        "finished_at" TIMESTAMPTZ DEFAULT null
    )""",
    "CREATE INDEX IF NOT EXISTS background_job_status ON background_job (status, id)",
    "CREATE INDEX IF NOT EXISTS background_job_ws ON background_job (workspace, id)",
    'ALTER TABLE ticket_type ADD COLUMN "retired" BOOLEAN NOT NULL DEFAULT false',
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
