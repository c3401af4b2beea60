"""Programs talk to it (issue 12): per-agent REST API keys, webhooks with their deliveries and
every delivery attempt, and the workspace's embeddable ticket form (the widget) settings."""

from app.migrate import sql_migration

ID = "2026-11-24T18:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Programs: API keys, webhooks, widget"

STATEMENTS = (
    """CREATE TABLE api_key (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "agent" INTEGER NOT NULL REFERENCES "agent" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "label" VARCHAR(100) NOT NULL DEFAULT '',
        "key_hash" VARCHAR(64) NOT NULL,
        "key_hint" VARCHAR(12) NOT NULL DEFAULT '',
        "created_by" INTEGER DEFAULT null REFERENCES "agent" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
        "created_at" TIMESTAMPTZ NOT NULL,
        "last_used_at" TIMESTAMPTZ DEFAULT null,
        "last_used_from" VARCHAR(64) NOT NULL DEFAULT ''
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS api_key_hash ON api_key (key_hash)",
    "CREATE INDEX IF NOT EXISTS api_key_agent ON api_key (workspace, agent)",
    """CREATE TABLE webhook (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "url" VARCHAR(2000) NOT NULL,
        "secret_sealed" TEXT NOT NULL DEFAULT '',
        "events" JSON NOT NULL DEFAULT '[]',
        "description" VARCHAR(200) NOT NULL DEFAULT '',
        "active" BOOLEAN NOT NULL DEFAULT true,
        "failures_in_row" INTEGER NOT NULL DEFAULT 0,
        "disabled_at" TIMESTAMPTZ DEFAULT null,
        "disabled_reason" TEXT NOT NULL DEFAULT '',
        "created_at" TIMESTAMPTZ NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS webhook_ws ON webhook (workspace, active)",
    """CREATE TABLE webhook_delivery (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "webhook" INTEGER NOT NULL REFERENCES "webhook" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "event" VARCHAR(40) NOT NULL,
        "ticket" INTEGER DEFAULT null REFERENCES "ticket" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
        "payload" TEXT NOT NULL,
        "status" VARCHAR(10) NOT NULL DEFAULT 'pending',
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "next_attempt_at" TIMESTAMPTZ NOT NULL,
        "last_status_code" INTEGER DEFAULT null,
        "last_error" TEXT NOT NULL DEFAULT '',
        "created_at" TIMESTAMPTZ NOT NULL,
        "delivered_at" TIMESTAMPTZ DEFAULT null
    )""",
    "CREATE INDEX IF NOT EXISTS webhook_delivery_due ON webhook_delivery (status, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS webhook_delivery_hook ON webhook_delivery (webhook, created_at)",
    "CREATE INDEX IF NOT EXISTS webhook_delivery_ws ON webhook_delivery (workspace)",
    """CREATE TABLE webhook_attempt (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "delivery" INTEGER NOT NULL REFERENCES "webhook_delivery" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "attempted_at" TIMESTAMPTZ NOT NULL,
        "status_code" INTEGER DEFAULT null,
        "error" TEXT NOT NULL DEFAULT '',
        "duration_ms" INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS webhook_attempt_delivery ON webhook_attempt (delivery)",
    'ALTER TABLE workspace ADD COLUMN "widget_enabled" BOOLEAN NOT NULL DEFAULT false',
    'ALTER TABLE workspace ADD COLUMN "widget_origins" TEXT NOT NULL DEFAULT \'\'',
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
