"""Agent.session_version: a password reset or change ends the agent's other sessions."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-24T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Agent session version"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="helprealm", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Agent",
        tablename="agent",
        column_name="session_version",
        db_column_name="session_version",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
