"""Mail in (issue 11): every inbound message once per workspace (the dedup key, its outcome and,
for quarantined ones, the raw file), the people CC'd on a ticket, the IMAP fetch position, bounces
on outbox mails, and the choice to hand outgoing mail to the gateway instead of SMTP."""

from app.migrate import sql_migration

ID = "2026-11-24T13:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Mail in"

STATEMENTS = (
    """CREATE TABLE inbound_mail (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "dedup_key" VARCHAR(64) NOT NULL,
        "source" VARCHAR(10) NOT NULL DEFAULT '',
        "outcome" VARCHAR(12) NOT NULL DEFAULT '',
        "reason" VARCHAR(40) NOT NULL DEFAULT '',
        "ticket" INTEGER DEFAULT null REFERENCES "ticket" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
        "sender" VARCHAR(254) NOT NULL DEFAULT '',
        "subject" VARCHAR(300) NOT NULL DEFAULT '',
        "message_id" VARCHAR(300) NOT NULL DEFAULT '',
        "size" INTEGER NOT NULL DEFAULT 0,
        "raw_name" VARCHAR(64) NOT NULL DEFAULT '',
        "state" VARCHAR(12) NOT NULL DEFAULT '',
        "received_at" TIMESTAMPTZ NOT NULL,
        "resolved_at" TIMESTAMPTZ DEFAULT null
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS inbound_mail_key ON inbound_mail (workspace, dedup_key)",
    "CREATE INDEX IF NOT EXISTS inbound_mail_sender ON inbound_mail (workspace, sender, received_at)",
    "CREATE INDEX IF NOT EXISTS inbound_mail_state ON inbound_mail (workspace, state, received_at)",
    """CREATE TABLE ticket_participant (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "ticket" INTEGER NOT NULL REFERENCES "ticket" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "email" VARCHAR(254) NOT NULL,
        "name" VARCHAR(200) NOT NULL DEFAULT '',
        "created_at" TIMESTAMPTZ NOT NULL
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS ticket_participant_email ON ticket_participant (ticket, email)",
    "CREATE INDEX IF NOT EXISTS ticket_participant_ws ON ticket_participant (workspace)",
    """CREATE TABLE imap_cursor (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "folder" VARCHAR(200) NOT NULL DEFAULT 'INBOX',
        "uidvalidity" INTEGER NOT NULL DEFAULT 0,
        "last_uid" INTEGER NOT NULL DEFAULT 0,
        "last_error" TEXT NOT NULL DEFAULT '',
        "updated_at" TIMESTAMPTZ DEFAULT null
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS imap_cursor_ws ON imap_cursor (workspace)",
    'ALTER TABLE outbox_mail ADD COLUMN "bounced_at" TIMESTAMPTZ DEFAULT null',
    'ALTER TABLE outbox_mail ADD COLUMN "bounce_reason" TEXT NOT NULL DEFAULT \'\'',
    'ALTER TABLE mail_gateway ADD COLUMN "deliver_outgoing" BOOLEAN NOT NULL DEFAULT false',
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
