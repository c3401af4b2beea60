"""Agents in the administration: an agent being deleted (their tickets are being released by a
background job), and the address an e-mail change token is about."""

from app.migrate import sql_migration

ID = "2026-11-24T07:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Agents administration"

STATEMENTS = (
    'ALTER TABLE agent ADD COLUMN "retired" BOOLEAN NOT NULL DEFAULT false',
    'ALTER TABLE account_token ADD COLUMN "address" VARCHAR(254) NOT NULL DEFAULT \'\'',
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
