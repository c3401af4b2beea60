"""The workspace's mail gateway (issue 11): its own token for the pipe and the gateway API, apart
from the HelpRealm API token (switching API access off must not stop mail)."""

from app.migrate import sql_migration

ID = "2026-11-24T07:18:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Mail gateway token"

STATEMENTS = (
    """CREATE TABLE mail_gateway (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "token_hash" VARCHAR(64) NOT NULL DEFAULT '',
        "token_hint" VARCHAR(8) NOT NULL DEFAULT '',
        "generated_at" TIMESTAMPTZ DEFAULT null
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS mail_gateway_ws ON mail_gateway (workspace)",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
