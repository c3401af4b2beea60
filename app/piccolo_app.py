"""Piccolo app registration: which tables exist and where their migrations live."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from app.accounts.tables import AccountToken, Agent, AgentGroup, GroupMember
from app.api.tables import ApiKey
from app.audit.tables import AuditEntry
from app.canned.tables import CannedResponse
from app.exports.tables import ExportJob
from app.faq.tables import FaqDeflection, FaqEntry
from app.jobs.tables import BackgroundJob
from app.mail.tables import MailAttempt, OutboxMail
from app.mail.workspace_mail import WorkspaceMail
from app.tickets.tables import Attachment, Ticket, TicketTag, TicketType, TimelineEntry
from app.web.tables import WebSession
from app.webhooks.tables import Webhook, WebhookAttempt, WebhookDelivery
from app.workspaces.api_access import WorkspaceApi
from app.workspaces.tables import BackgroundImage, Workspace

APP_CONFIG = AppConfig(
    app_name="helprealm",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[
        Workspace,
        Agent,
        AgentGroup,
        GroupMember,
        AccountToken,
        WebSession,
        TicketType,
        Ticket,
        TimelineEntry,
        Attachment,
        TicketTag,
        CannedResponse,
        AuditEntry,
        BackgroundJob,
        FaqEntry,
        FaqDeflection,
        OutboxMail,
        MailAttempt,
        WorkspaceMail,
        WorkspaceApi,
        ExportJob,
        BackgroundImage,
        ApiKey,
        Webhook,
        WebhookDelivery,
        WebhookAttempt,
    ],
)
