from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import Agent
from app.db import ENGINE
from app.workspaces.tables import Workspace


class CannedResponse(Table, db=ENGINE, tablename="canned_response"):
    """A prepared answer agents insert into a reply. `agent` set: that agent's own; null: shared by
    the workspace (superadmins edit those). Placeholders such as {customer_name} are filled on insert."""

    workspace = ForeignKey(Workspace, index=True)
    agent = ForeignKey(Agent, null=True)
    title = Varchar(length=100)
    body = Text()
    created_at = Timestamptz()
    updated_at = Timestamptz()
