"""System settings: the workspace's time zone, its upload allow-list and size, its background
(a colour or images). The old `blocked_extensions` column stays (unused) so a rollback to older
code still finds it; the allow-list replaces it."""

from app.migrate import sql_migration

ID = "2026-11-24T07:14:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Workspace settings: time zone, upload allow-list, background"

DEFAULT_ALLOWED = (
    "pdf txt csv doc docx xls xlsx ppt pptx odt ods odp rtf png jpg jpeg gif webp heic "
    "zip 7z gz tar eml msg log json xml"
)

STATEMENTS = (
    """ALTER TABLE workspace ADD COLUMN "time_zone" VARCHAR(64) NOT NULL DEFAULT 'UTC'""",
    f"""ALTER TABLE workspace ADD COLUMN "allowed_extensions" VARCHAR(1000) NOT NULL DEFAULT '{DEFAULT_ALLOWED}'""",
    """ALTER TABLE workspace ADD COLUMN "max_upload_bytes" INTEGER NOT NULL DEFAULT 10485760""",
    """ALTER TABLE workspace ADD COLUMN "background_mode" VARCHAR(10) NOT NULL DEFAULT 'colour'""",
    """ALTER TABLE workspace ADD COLUMN "background_colour" VARCHAR(7) NOT NULL DEFAULT '#f4f6f9'""",
    """CREATE TABLE background_image (
        "id" INTEGER PRIMARY KEY NOT NULL,
        "workspace" INTEGER NOT NULL REFERENCES "workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
        "filename" VARCHAR(200) NOT NULL DEFAULT '',
        "stored_name" VARCHAR(64) NOT NULL DEFAULT '',
        "width" INTEGER NOT NULL DEFAULT 0,
        "height" INTEGER NOT NULL DEFAULT 0,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    "CREATE INDEX IF NOT EXISTS background_image_ws ON background_image (workspace, id)",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, STATEMENTS)
