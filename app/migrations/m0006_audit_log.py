"""The audit log: every admin change and security event of a workspace (issue 9)."""

from app.migrate import sql_migration

ID = "2026-11-24T05:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Audit log"

STATEMENTS = (
    """CREATE TABLE audit_entry (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "agent" INTEGER REFERENCES "agent" ("id") ON DELETE SET NULL ON UPDATE CASCADE DEFAULT null,
        "agent_name" VARCHAR(200) NOT NULL DEFAULT '',
        "action" VARCHAR(50) NOT NULL DEFAULT '',
        "subject" VARCHAR(200) NOT NULL DEFAULT '',
        "before" JSON NOT NULL DEFAULT '{}',
        "after" JSON NOT NULL DEFAULT '{}',
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    "CREATE INDEX IF NOT EXISTS audit_ws_created ON audit_entry (workspace, created_at)",
    "CREATE INDEX IF NOT EXISTS audit_ws_action ON audit_entry (workspace, action, created_at)",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
