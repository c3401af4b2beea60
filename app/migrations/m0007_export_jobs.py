"""Export jobs (app/exports/jobs.py): an export too large to download at once runs in the
background; this row says how far it got and where its file is. Deleted with its file when it
expires (app/system/cleanup.py). Its ID sorts after m0006 (05:45) and before m0009 (05:50)."""

from app.migrate import sql_migration

ID = "2026-11-24T05:47:00:107000"
VERSION = "1.38.0"
DESCRIPTION = "Export jobs"

STATEMENTS = (
    """CREATE TABLE export_job (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "requested_by" INTEGER REFERENCES "agent" ("id") ON DELETE SET NULL ON UPDATE CASCADE DEFAULT null,
        "format" VARCHAR(8) NOT NULL DEFAULT 'csv',
        "date_from" DATE NOT NULL,
        "date_to" DATE NOT NULL,
        "options" JSON NOT NULL DEFAULT '{}',
        "status" VARCHAR(10) NOT NULL DEFAULT 'queued',
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "done" INTEGER NOT NULL DEFAULT 0,
        "total" INTEGER NOT NULL DEFAULT 0,
        "file_name" VARCHAR(100) NOT NULL DEFAULT '',
        "error" TEXT NOT NULL DEFAULT '',
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        "finished_at" TIMESTAMPTZ DEFAULT null,
        "expires_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    "CREATE INDEX IF NOT EXISTS export_job_ws ON export_job (workspace, id)",
    "CREATE INDEX IF NOT EXISTS export_job_status ON export_job (status, id)",
    "CREATE INDEX IF NOT EXISTS export_job_expires ON export_job (expires_at)",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
