"""A workspace's own mail service and its API access (issue 9, items 6 and 7).

One row per workspace in each table, created on first save. Passwords are stored sealed with
app/mail/vault.py (never in clear); the API token only as its SHA-256.
"""

from app.migrate import sql_migration

ID = "2026-11-24T05:50:00:808000"
VERSION = "1.38.0"
DESCRIPTION = "Workspace mail service and API access"

STATEMENTS = (
    """CREATE TABLE workspace_mail (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "enabled" INTEGER NOT NULL DEFAULT 0,
        "smtp_host" VARCHAR(253) NOT NULL DEFAULT '',
        "smtp_port" INTEGER NOT NULL DEFAULT 587,
        "smtp_security" VARCHAR(10) NOT NULL DEFAULT 'starttls',
        "smtp_username" VARCHAR(200) NOT NULL DEFAULT '',
        "smtp_password" TEXT NOT NULL DEFAULT '',
        "imap_host" VARCHAR(253) NOT NULL DEFAULT '',
        "imap_port" INTEGER NOT NULL DEFAULT 993,
        "imap_security" VARCHAR(10) NOT NULL DEFAULT 'tls',
        "imap_folder" VARCHAR(200) NOT NULL DEFAULT 'INBOX',
        "imap_username" VARCHAR(200) NOT NULL DEFAULT '',
        "imap_password" TEXT NOT NULL DEFAULT '',
        "address" VARCHAR(254) NOT NULL DEFAULT '',
        "sender_name" VARCHAR(200) NOT NULL DEFAULT '',
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS workspace_mail_ws ON workspace_mail (workspace)",
    """CREATE TABLE workspace_api (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "enabled" INTEGER NOT NULL DEFAULT 0,
        "token_hash" VARCHAR(64) NOT NULL DEFAULT '',
        "token_hint" VARCHAR(8) NOT NULL DEFAULT '',
        "generated_at" TIMESTAMPTZ DEFAULT null
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS workspace_api_ws ON workspace_api (workspace)",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
