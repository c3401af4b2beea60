"""The wiring file: every router, plugin and background task of the app is listed here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.logging import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router
from litestar.stores.memory import MemoryStore

from app import db
from app.accounts import web as accounts_web
from app.config import Settings
from app.links import Links
from app.mail.outbox import OutboxSender
from app.migrate import migrate
from app.portal import web as portal_web
from app.portal.throttle import CreationThrottle
from app.search.service import SearchService
from app.tickets import web as tickets_web
from app.tickets.service import Storage
from app.web.errors import EXCEPTION_HANDLERS
from app.web.health import healthz
from app.web.paths import resource_dir
from app.web.sessions import SQLiteSessionStore, session_config
from app.web.templating import template_config

log = logging.getLogger("helprealm")


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


def create_app(settings: Settings) -> Litestar:
    settings.data_path.mkdir(parents=True, exist_ok=True)
    db.configure(settings.db_path)
    secret = installation_secret(settings)
    sessions = session_config(secure=settings.server.base_url.startswith("https://"))

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await migrate()
        search = SearchService(settings.index_path)
        await search.start()
        app.state.search = search
        sender = OutboxSender(settings.mail)
        stop_sending = asyncio.Event()
        sender_task = asyncio.create_task(sender.run_forever(stop_sending), name="outbox-sender")
        if not settings.mail.smtp_host:
            log.warning("No SMTP host configured: mail stays in the outbox; account links are logged.")
        try:
            yield
        finally:
            stop_sending.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(sender_task, timeout=10)
            await search.stop()
            app.state.search = None
            await db.ENGINE.close()

    app = Litestar(
        route_handlers=[
            healthz,
            create_static_files_router(path="/static", directories=[resource_dir("static")], send_as_attachment=False),
            *accounts_web.ROUTES,
            *tickets_web.ROUTES,
            *portal_web.ROUTES,  # last: its `/{workspace_key}/...` paths must not shadow the others
        ],
        lifespan=[lifespan],
        plugins=[HTMXPlugin()],
        template_config=template_config(),
        middleware=[sessions.middleware, accounts_web.login_rate_limit(settings.limits.login_attempts_per_minute).middleware],
        csrf_config=CSRFConfig(secret=secret, cookie_httponly=False, cookie_samesite="lax", exclude=["/api/", "/healthz"]),
        stores={
            "sessions": SQLiteSessionStore(),
            "login_rate_limit": MemoryStore(),
        },
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        logging_config=LoggingConfig(
            root={"level": "INFO", "handlers": ["queue_listener"]},
            log_exceptions="debug",
        ),
        request_max_body_size=settings.limits.upload_max_bytes + 1024 * 1024,
        debug=False,
    )
    app.state.settings = settings
    app.state.secret = secret
    app.state.links = Links(settings.server.base_url.rstrip("/"))
    app.state.storage = Storage(directory=settings.attachments_path, max_bytes=settings.limits.upload_max_bytes)
    app.state.session_config = sessions
    app.state.creation_throttle = CreationThrottle(settings.limits.ticket_wait_seconds)
    app.state.search = None
    return app
