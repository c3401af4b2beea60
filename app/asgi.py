"""The wiring file: every router, dependency, plugin and background loop of the app is listed here.

One router per audience, each with its own guards, dependencies, error shape and security
headers:

    accounts  /login, /signup, ...           anyone (pages)
    agent     /dashboard, /tickets/...       logged-in agents (agent_guard loads the viewer)
    admin     /admin/...                     superadmins (agent_guard, then superadmin_guard)
    apis      /api/...                       programs (token auth, JSON errors; routes to come)
    portal    /{workspace_key}/...           customers (the ticket hash is their credential)
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from litestar import Litestar, Router
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.memory import MemoryStore

from app import db, links
from app.accounts import twofactor
from app.accounts import web as accounts_web
from app.accounts.guards import agent_guard, provide_viewer, superadmin_guard
from app.agents import admin as agents_admin
from app.agents import web as agents_web
from app.api import docs as api_docs
from app.api import keys_web as api_keys_web
from app.api.errors import helprealm_api_shape
from app.api.helprealm import tickets as helprealm_api
from app.api.limits import ApiLimits
from app.api.rest import helpdeskpro
from app.api.rest import tickets as rest_tickets
from app.api.rest.auth import provide_key_viewer, rest_shape
from app.canned import web as canned_web
from app.config import Settings
from app.exports import web as exports_web
from app.exports.jobs import ExportRunner, exports_dir
from app.faq import admin as faq_admin
from app.faq import web as faq_web
from app.groups import admin as groups_admin
from app.jobs.runner import JobRunner
from app.links import Links, RoutePaths
from app.live import events as live_events
from app.live.streams import Live
from app.mail import admin as mail_admin
from app.mail import gateway_api, thread_ids
from app.mail import pipe as mail_pipe
from app.mail import vault as mail_vault
from app.mail.imap_in import ImapFetcher
from app.mail.inbound import MailIn
from app.mail.outbox import OutboxSender
from app.migrate import migrate
from app.paths import resource_dir
from app.portal import web as portal_web
from app.portal import widget as portal_widget
from app.profile import admin as profile_admin
from app.profile import twofactor_web
from app.profile import web as profile_web
from app.search.service import SearchService
from app.services import Services
from app.system.cleanup import Cleanup
from app.system.health import healthz
from app.tasks import BackgroundLoops
from app.tickets import admin as tickets_admin
from app.tickets import web as tickets_web
from app.tickets.files import Storage
from app.web import locale as locale_web
from app.web.captcha import Captchas
from app.web.client import ClientAddress
from app.web.csrf import csrf_middleware
from app.web.dependencies import constant
from app.web.errors import app_handlers, json_handlers, page_handlers, static_file_errors
from app.web.limits import PerMinute, WaitBetween
from app.web.security import add_security_headers, router_headers
from app.web.sessions import SQLiteSessionStore, session_config
from app.web.templating import template_config
from app.webhooks import admin as webhooks_admin
from app.webhooks import service as webhooks_service
from app.webhooks.sender import WebhookSender
from app.workspaces import admin as workspace_admin
from app.workspaces import admin_cancel, admin_mail, admin_mail_gateway, admin_settings, admin_widget

log = logging.getLogger("helprealm")

PRIVATE = CacheControlHeader(no_store=True)  # agent pages: never kept by a browser or proxy cache


def installation_secret(settings: Settings) -> str:
    """The configured secret, else one generated once and kept in the data folder."""
    if settings.server.secret_key:
        return settings.server.secret_key
    path = settings.data_path / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


# Every body is at most this large (a form of 4,096-character texts is a few KB), except on the
# upload routes, which take `[limits] upload_max_bytes`. A form body is parsed whole (the CSRF
# check reads it), so a larger limit on every route would let anyone make the server hold
# hundreds of megabytes with a few requests.
FORM_MAX_BYTES = 256 * 1024


# The superadmin area, one line per part of the administration.
ADMIN_ROUTES = [
    *workspace_admin.ROUTES,
    *tickets_admin.ROUTES,
    *groups_admin.ROUTES,
    *agents_admin.ROUTES,
    *admin_mail.ROUTES,
    *api_keys_web.ADMIN_ROUTES,  # every agent's REST API keys
    *admin_mail_gateway.ROUTES,
    *mail_admin.ROUTES,  # the quarantine
    *exports_web.ROUTES,
    *faq_admin.ROUTES,
    *admin_settings.ROUTES,
    *profile_admin.ROUTES,
    *admin_cancel.ROUTES,
    *admin_widget.ROUTES,  # the embeddable form's setting
    *webhooks_admin.ROUTES,  # Administration → Webhooks (issue 12 §5)
]

# The HelpRealm API (/api/{workspace}/...), one line per part.
API_ROUTES = [
    *mail_pipe.ROUTES,  # the pipe: one raw message (helprealm mailgate)
    *gateway_api.ROUTES,  # the Trivial Tickets mail gateway (receive, fetchMails, verifyMail)
    *portal_widget.API_ROUTES,  # the embeddable form's data and post (Origin-checked, CORS for listed sites)
    *helprealm_api.ROUTES,  # the HelpRealm API (manual: "API Endpoint"); its upload route: below
]


def audience_routers(upload_max_bytes: int) -> list[Router]:
    viewer = {"viewer": Provide(provide_viewer, sync_to_thread=False)}
    pages = page_handlers()
    # REST v1 and HelpDeskPro's paths: the key's agent as `viewer`, the REST error shape, files on comments.
    rest_api = {"dependencies": {"viewer": Provide(provide_key_viewer)}, "response_headers": router_headers("api"),
                "exception_handlers": json_handlers(rest_shape), "request_max_body_size": upload_max_bytes + 64 * 1024}

    def uploads(handlers: list) -> Router:
        return Router("/", route_handlers=handlers, request_max_body_size=upload_max_bytes + 64 * 1024)

    return [
        Router("/", route_handlers=[*accounts_web.ROUTES, *agents_web.ROUTES, *admin_cancel.PUBLIC_ROUTES,
                                    *profile_web.PUBLIC_ROUTES, *locale_web.ROUTES],
               guards=[locale_web.visitor_locale_guard], include_in_schema=False,
               exception_handlers=pages, response_headers=router_headers("portal")),
        Router("/", route_handlers=[*tickets_web.ROUTES, uploads(tickets_web.UPLOADS),
                                    *canned_web.ROUTES, *profile_web.ROUTES, *twofactor_web.ROUTES,
                                    *api_keys_web.AGENT_ROUTES],
               guards=[agent_guard], include_in_schema=False,
               dependencies=viewer, exception_handlers=pages, response_headers=router_headers("agent"),
               cache_control=PRIVATE),
        Router("/admin", route_handlers=ADMIN_ROUTES, guards=[agent_guard, superadmin_guard], include_in_schema=False,
               dependencies=viewer, exception_handlers=pages, response_headers=router_headers("admin"),
               cache_control=PRIVATE),
        # The HelpRealm API (/api/{workspace}/...) and the REST API (/api/v1/...): token-authenticated,
        # exempt from CSRF, each with the error shape its documentation promises.
        Router("/api/v1", route_handlers=rest_tickets.ROUTES, **rest_api),
        Router("/public/api/index.php", route_handlers=helpdeskpro.ROUTES, **rest_api),  # HelpDeskPro's paths
        Router("/api", route_handlers=[*API_ROUTES, uploads(helprealm_api.UPLOADS)],
               exception_handlers=json_handlers(helprealm_api_shape),
               guards=[locale_web.workspace_locale_guard], response_headers=router_headers("api")),
        # Last: its `/{workspace_key}/...` paths are the most general.
        Router("/", route_handlers=[*portal_web.ROUTES, *faq_web.ROUTES, uploads(portal_web.UPLOADS),
                                    *portal_widget.PORTAL_ROUTES],
               guards=[locale_web.workspace_locale_guard], include_in_schema=False,
               dependencies={"workspace": Provide(portal_web.provide_workspace)}, exception_handlers=pages,
               response_headers=router_headers("portal")),
    ]


API_PREFIXES = ("/api/", "/public/api/")  # the API routers' paths: CSRF-exempt, JSON errors before routing too
REST_SHAPES = {"/api/v1/": rest_shape, "/public/api/": rest_shape}  # before routing too, the REST error shape


def create_app(settings: Settings) -> Litestar:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    db.configure(settings.db_path, read_connections=settings.storage.read_connections)
    secret = installation_secret(settings)
    mail_vault.configure(secret)  # workspaces' stored mail passwords (app/mail/vault.py)
    thread_ids.configure(secret)  # our signed Message-IDs (app/mail/thread_ids.py)
    twofactor.configure(secret)  # agents' TOTP secrets and recovery codes (app/accounts/twofactor.py)
    webhooks_service.configure(secret)  # webhooks' signing secrets (app/webhooks/service.py)
    https = settings.server.base_url.startswith("https://")
    sessions = session_config(secure=https)
    client = ClientAddress(settings.server)
    limits = settings.limits
    storage = Storage(directory=settings.attachments_path, max_bytes=limits.upload_max_bytes,
                      max_files_per_ticket=limits.attachments_per_ticket,
                      max_bytes_per_ticket=limits.attachment_bytes_per_ticket)
    search = SearchService(settings.index_path)
    exports = exports_dir(settings.data_path)
    mail_in = MailIn(settings, storage)
    cleanup = Cleanup(exports_dir=exports, quarantine_dir=settings.quarantine_path)
    loops = BackgroundLoops([OutboxSender(settings.mail), search.writer, cleanup, JobRunner(),
                             ExportRunner(exports), ImapFetcher(mail_in, settings.mail),
                             WebhookSender(settings.webhooks)])
    live = Live()  # in-process pub/sub; ticket changes are published to it after each commit

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await migrate()
        await search.start()
        loops.start()
        live.open()
        live_events.register(live.hub)
        if not settings.mail.smtp_host:
            log.warning("No installation SMTP host configured: mail of workspaces without their own mail service "
                        "stays in the outbox; account links are logged.")
        try:
            yield
        finally:
            live.close()  # open event streams end now (cmd_serve closes them even earlier)
            live_events.register(None)
            await loops.stop()  # the search writer writes what is queued before it ends
            await search.stop()
            await db.ENGINE.close()

    def route_paths(name: str) -> list[str]:
        index = app.get_handler_index_by_name(name)
        return index["paths"] if index else []

    paths = RoutePaths(route_paths)  # filled in lazily: the app is built just below
    site = links.configure(Links(settings.server.base_url.rstrip("/"), paths))
    app = Litestar(
        route_handlers=[
            healthz,
            create_static_files_router(path="/static", directories=[resource_dir("static")], name="static",
                                       send_as_attachment=False, exception_handlers=static_file_errors(),
                                       include_in_schema=False),
            *audience_routers(limits.upload_max_bytes),
        ],
        dependencies={"services": constant(Services(
            settings=settings, links=site, storage=storage, search=search, captchas=Captchas(secret), client=client,
            ticket_wait=WaitBetween(limits.ticket_wait_seconds),
            posts=PerMinute(limits.customer_posts_per_minute), live=live,
            faq_searches=PerMinute(limits.faq_searches_per_minute), mail_in=mail_in,
            api_limits=ApiLimits(settings.api),
        ))},
        lifespan=[lifespan],
        plugins=[HTMXPlugin()],
        template_config=template_config(paths),
        before_send=[add_security_headers],
        middleware=[
            locale_web.middleware,
            sessions.middleware,
            accounts_web.login_rate_limit(limits.login_attempts_per_minute, client).middleware,
            csrf_middleware(secret, https, API_PREFIXES),
        ],
        stores={"sessions": SQLiteSessionStore(), "login_rate_limit": MemoryStore()},
        exception_handlers=app_handlers(API_PREFIXES, REST_SHAPES),  # type: ignore[arg-type]
        logging_config=LoggingConfig(root={"level": "INFO", "handlers": ["queue_listener"]}, log_exceptions="debug"),
        request_max_body_size=FORM_MAX_BYTES,
        # /schema documents the API routers only (the page routers say include_in_schema=False).
        openapi_config=api_docs.openapi_config(router_headers("docs")),
        debug=False,
    )
    return app
