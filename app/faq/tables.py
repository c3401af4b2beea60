from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.db import ENGINE
from app.workspaces.tables import Workspace


class FaqEntry(Table, db=ENGINE, tablename="faq_entry"):
    workspace = ForeignKey(Workspace, index=True)
    question = Varchar(length=300)
    answer = Text()
    position = Integer(default=0)
    created_at = Timestamptz()


class FaqDeflection(Table, db=ENGINE, tablename="faq_deflection"):
    """A public form whose customer opened a suggested entry (migration m0013); times in Unix
    seconds. Written by app/faq/deflection.py, counted on the dashboard."""

    workspace = ForeignKey(Workspace)
    nonce = Varchar(length=32, unique=True)
    opened_at = Integer()
    ticket_sent_at = Integer(null=True, default=None)
