"""The agent profile and two-factor login (issue 9, items 10 and 11).

Agent: routed-ticket mail opt-in, language ("" = the workspace's), the avatar's version (0 = none;
the image itself is a row of agent_avatar, so loading an agent never drags a blob along), the
sealed TOTP secret ("" = no two-factor login) and the last accepted time step (no replay).
A pending e-mail change keeps its new address on its mailed token. The workspace can require
two-factor login of every agent. Recovery codes are stored as keyed hashes, one row each.
"""

from app.migrate import sql_migration

ID = "2026-11-24T07:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Agent profile and two-factor login"

STATEMENTS = (
    'ALTER TABLE agent ADD COLUMN "notify_routed" BOOLEAN NOT NULL DEFAULT false',
    'ALTER TABLE agent ADD COLUMN "lang" VARCHAR(8) NOT NULL DEFAULT \'\'',
    'ALTER TABLE agent ADD COLUMN "avatar_version" INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE agent ADD COLUMN "totp_secret" TEXT NOT NULL DEFAULT \'\'',
    'ALTER TABLE agent ADD COLUMN "totp_last_step" INTEGER NOT NULL DEFAULT 0',
    'ALTER TABLE workspace ADD COLUMN "require_2fa" BOOLEAN NOT NULL DEFAULT false',
    """CREATE TABLE agent_avatar (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "agent" INTEGER NOT NULL REFERENCES "agent" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "image" BLOB NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS agent_avatar_agent ON agent_avatar (agent)",
    """CREATE TABLE recovery_code (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "agent" INTEGER NOT NULL REFERENCES "agent" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "code_hash" VARCHAR(64) NOT NULL,
        "used_at" TIMESTAMPTZ DEFAULT null
    )""",
    "CREATE INDEX IF NOT EXISTS recovery_code_agent ON recovery_code (agent)",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
