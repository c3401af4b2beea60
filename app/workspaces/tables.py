from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.db import ENGINE

DEFAULT_ALLOWED_EXTENSIONS = (
    "pdf txt csv doc docx xls xlsx ppt pptx odt ods odp rtf png jpg jpeg gif webp heic "
    "zip 7z gz tar eml msg log json xml"
)


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
    blocked_extensions = Varchar(length=400, default="exe bat cmd com js msi scr vbs")  # unused: see allowed_extensions
    # Uploads (customers' and agents'): the extensions accepted (app/tickets/files.py adds its
    # installation-wide block-list) and the largest file, capped by app.toml's upload_max_bytes.
    allowed_extensions = Varchar(length=1000, default=DEFAULT_ALLOWED_EXTENSIONS)
    max_upload_bytes = Integer(default=10 * 1024 * 1024)
    time_zone = Varchar(length=64, default="UTC")  # IANA name: the "today" of overdue and the dashboard
    # The customer pages' background: "colour" (background_colour) or "image" (one of BackgroundImage).
    background_mode = Varchar(length=10, default="colour")
    background_colour = Varchar(length=7, default="#f4f6f9")
    # What a customer's mail reply to a closed ticket does: "reopen" it or open a "new" linked ticket.
    closed_reply_mode = Varchar(length=10, default="reopen")
    require_2fa = Boolean(default=False)  # every agent logs in with a second factor (enrols at next login)
    # The embeddable ticket form (issue 12, m0020): on or off, and the web origins allowed to use it
    # ("https://shop.example.com", one per line); a request from any other origin is refused.
    widget_enabled = Boolean(default=False)
    widget_origins = Text(default="")
    created_at = Timestamptz()
    # Set when a superadmin cancels the workspace (migration m0016): from then on nobody logs in
    # and its public page and API answer 404, while a background job deletes its data.
    cancelled_at = Timestamptz(null=True, default=None)


class BackgroundImage(Table, db=ENGINE, tablename="background_image"):
    """An image the customer pages may show behind them (app/workspaces/backgrounds.py); the file
    is `<data>/backgrounds/<workspace id>/<stored_name>`, a re-encoded copy of what was uploaded."""

    workspace = ForeignKey(Workspace, index=True)
    filename = Varchar(length=200)
    stored_name = Varchar(length=64)
    width = Integer(default=0)
    height = Integer(default=0)
    created_at = Timestamptz()
