from piccolo.columns import JSON, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import Agent
from app.db import ENGINE
from app.workspaces.tables import Workspace


class ExportJob(Table, db=ENGINE, tablename="export_job"):
    """A background export. status: queued -> running -> done | failed. The file lives under
    data_dir/exports/<file_name> until `expires_at`; only the workspace's superadmins fetch it."""

    workspace = ForeignKey(Workspace)
    requested_by = ForeignKey(Agent, null=True, on_delete=OnDelete.set_null)
    format = Varchar(length=8, default="csv")
    date_from = Date()
    date_to = Date()
    options = JSON(default={})
    status = Varchar(length=10, default="queued")
    attempts = Integer(default=0)
    done = Integer(default=0)
    total = Integer(default=0)
    file_name = Varchar(length=100, default="")
    error = Text(default="")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz()
