"""The agent workspace's data: a ticket's deadline and notes, tags, canned responses.

Written as SQL (like m0002): the statements say exactly what SQLite gets, in the column types
Piccolo declares for these columns (its converters read DATE and TIMESTAMPTZ by those names).
"""

from app.migrate import sql_migration

ID = "2026-11-24T04:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Deadline, notes, tags, canned responses"

STATEMENTS = (
    'ALTER TABLE ticket ADD COLUMN "deadline" DATE DEFAULT null',
    """ALTER TABLE ticket ADD COLUMN "notes" TEXT NOT NULL DEFAULT ''""",
    "CREATE INDEX IF NOT EXISTS ticket_ws_deadline ON ticket (workspace, deadline)",
    """CREATE TABLE ticket_tag (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "ticket" INTEGER REFERENCES "ticket" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "name" VARCHAR(50) NOT NULL DEFAULT ''
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS ticket_tag_unique ON ticket_tag (ticket, name)",
    "CREATE INDEX IF NOT EXISTS ticket_tag_ws_name ON ticket_tag (workspace, name)",
    """CREATE TABLE canned_response (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "agent" INTEGER REFERENCES "agent" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "title" VARCHAR(100) NOT NULL DEFAULT '',
        "body" TEXT NOT NULL DEFAULT '',
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    "CREATE INDEX IF NOT EXISTS canned_response_ws_agent ON canned_response (workspace, agent)",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
