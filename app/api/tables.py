"""Per-agent REST API keys (HelpDeskPro's "API keys", migration m0020).

A key acts as its agent: the same workspace, visibility and rules. It is shown once when
generated and stored only as its SHA-256 (a random 32-byte key needs no slow hash, and each API
request's check stays one indexed lookup). `last_used_at` is written at most once a minute per
key, so a busy script does not turn every read into a write.
"""

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from app.accounts.tables import Agent
from app.db import ENGINE
from app.workspaces.tables import Workspace


class ApiKey(Table, db=ENGINE, tablename="api_key"):
    workspace = ForeignKey(Workspace)
    agent = ForeignKey(Agent)  # the agent the key acts as
    label = Varchar(length=100, default="")  # what the key is for ("shop sync")
    key_hash = Varchar(length=64, unique=True)
    key_hint = Varchar(length=12, default="")  # the key's first characters, to tell keys apart
    created_by = ForeignKey(Agent, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    last_used_from = Varchar(length=64, default="")  # the client address of that use
