"""FAQ deflection: one row per public form whose customer opened a suggested FAQ entry (issue 9).

Times are Unix seconds (INTEGER), not timestamps: the dashboard compares `ticket_sent_at` with
`opened_at + 30 minutes` in SQL, and integers need no parsing. The nonce is the form's random
hidden field; the unique index answers the one UPDATE a ticket submission makes.
"""

from app.migrate import sql_migration

ID = "2026-11-24T07:13:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "FAQ deflection counting"

STATEMENTS = (
    """CREATE TABLE faq_deflection (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "nonce" VARCHAR(32) NOT NULL,
        "opened_at" INTEGER NOT NULL,
        "ticket_sent_at" INTEGER DEFAULT null
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS faq_deflection_nonce ON faq_deflection (nonce)",
    # The dashboard's two counts (last 30 days of one workspace) and the cleanup's age cut.
    "CREATE INDEX IF NOT EXISTS faq_deflection_ws_opened ON faq_deflection (workspace, opened_at, ticket_sent_at)",
    "CREATE INDEX IF NOT EXISTS faq_deflection_opened ON faq_deflection (opened_at)",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
