from piccolo.columns import JSON, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import Agent
from app.db import ENGINE
from app.workspaces.tables import Workspace


class BackgroundJob(Table, db=ENGINE, tablename="background_job"):
    """Work too large for one request (moving a group's or a type's tickets, later a cancelled
    workspace): done in batches, each its own short write transaction, with its progress here.
    status: "queued", "running", "done" or "failed"."""

    workspace = ForeignKey(Workspace, index=True)
    kind = Varchar(length=30)
    params = JSON(default={})
    status = Varchar(length=10, default="queued")
    done = Integer(default=0)
    total = Integer(default=0)
    created_by = ForeignKey(Agent, null=True, on_delete=OnDelete.set_null)
    error = Text(default="")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
