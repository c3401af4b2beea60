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
