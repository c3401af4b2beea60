from piccolo.columns import Boolean, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.db import ENGINE


class Workspace(Table, db=ENGINE, tablename="workspace"):
    """One help desk. `key` (32 hex chars) appears in every public URL and API path."""

    key = Varchar(length=32, unique=True, index=True)
    name = Varchar(length=200)
    lang = Varchar(length=8, default="en")
    form_title = Varchar(length=200, default="Create new ticket")
    welcome_message = Text(
        default="Welcome to our support service. Please fill out the form in order to contact us."
    )
    success_message = Text(
        default="Thank you! Your ticket has been created. We have sent you an e-mail with a link to it."
    )
    confirm_email = Boolean(default=False)  # customers must confirm their address first
    notify_admins_on_new_ticket = Boolean(default=False)
    allow_customer_uploads = Boolean(default=True)
    blocked_extensions = Varchar(length=400, default="exe bat cmd com js msi scr vbs")
    # What a customer's mail reply to a closed ticket does: "reopen" it or open a "new" linked ticket.
    closed_reply_mode = Varchar(length=10, default="reopen")
    created_at = Timestamptz()
    # Set when a superadmin cancels the workspace (migration m0016): from then on nobody logs in
    # and its public page and API answer 404, while a background job deletes its data.
    cancelled_at = Timestamptz(null=True, default=None)
