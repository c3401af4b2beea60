"""The session store's table: plumbing, so it lives beside the sessions (app/web/sessions.py)."""

from piccolo.columns import Bytea, Timestamptz, Varchar
from piccolo.table import Table

from app.db import ENGINE


class WebSession(Table, db=ENGINE, tablename="web_session"):
    """Server-side sessions (Litestar store rows); `expires_at` is when the row stops counting."""

    key = Varchar(length=200, unique=True, index=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)
