from piccolo.columns import JSON, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import Agent
from app.db import ENGINE
from app.workspaces.tables import Workspace


class AuditEntry(Table, db=ENGINE, tablename="audit_entry"):
    """One admin change or security event: who (the agent, their name as it was), when, what
    (`action`, a short code such as "agent.created"; `subject`, what it was done to), and for
    settings the values before and after (secrets are never stored: only that they changed)."""

    workspace = ForeignKey(Workspace, index=True)
    agent = ForeignKey(Agent, null=True, on_delete=OnDelete.set_null)
    agent_name = Varchar(length=200, default="")
    action = Varchar(length=50)
    subject = Varchar(length=200, default="")
    before = JSON(default={})
    after = JSON(default={})
    created_at = Timestamptz()
