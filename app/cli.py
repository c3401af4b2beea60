"""The `helprealm` command: serve, migrate, reindex, create-workspace, api-token, api-key, mail-token, mailgate,
mail, export, --version."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from app import __version__
from app.config import ConfigError, Settings, load_settings


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(args.config)
    except ConfigError as exc:
        sys.exit(f"helprealm: {exc}")


async def _with_database(settings: Settings, work):
    """Run `work()` against the installation's database (migrated), then close the connections."""
    from app import db
    from app.migrate import migrate

    settings.data_path.mkdir(parents=True, exist_ok=True)
    db.configure(settings.db_path, read_connections=settings.storage.read_connections)
    try:
        await migrate()
        return await work()
    finally:
        await db.ENGINE.close()


def with_address_overrides(settings: Settings, host: str | None, port: int | None) -> Settings:
    """`serve --host/--port`. A base_url that only repeats the configured address follows the
    override, so printed and mailed links point where the server listens; a real public URL
    (a proxy's) stays as it is."""
    if not (host or port):
        return settings
    server = settings.server
    overrides: dict = {k: v for k, v in (("host", host), ("port", port)) if v}
    if server.base_url.rstrip("/") == f"http://{server.host}:{server.port}":
        overrides["base_url"] = f"http://{overrides.get('host', server.host)}:{overrides.get('port', server.port)}"
    return settings.replace(server=overrides)


def _site_links(settings: Settings):
    """The installation's absolute links (route names resolve against the app's routes)."""
    from app import links
    from app.asgi import create_app

    create_app(settings)
    return links.current()


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.asgi import create_app
    from app.system.memory import tune_malloc
    from app.web.client import uvicorn_proxy_options

    tune_malloc()
    settings = with_address_overrides(_settings(args), args.host, args.port)
    app = create_app(settings)
    if args.demo:
        from app.demo import seed_if_empty

        asyncio.run(_with_database(settings, lambda: seed_if_empty(settings)))
    print(f"HelpRealm {__version__} serving on http://{settings.server.host}:{settings.server.port}", flush=True)
    config = uvicorn.Config(
        app,
        host=settings.server.host,
        port=settings.server.port,
        log_level="info",
        access_log=args.access_log,
        lifespan="on",
        timeout_graceful_shutdown=5,
        # The same trusted proxies as the app's own client address (app/web/client.py).
        **uvicorn_proxy_options(settings.server),
    )
    server = _server_class()(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE: the port is taken, the lifespan failed, ...


def _server_class():
    """uvicorn.Server, made to end event streams first (uvicorn is imported only to serve)."""
    import uvicorn

    from app.live import events as live_events

    class StreamsFirstServer(uvicorn.Server):
        """uvicorn waits (up to timeout_graceful_shutdown) for open responses before it shuts down,
        and the lifespan's shutdown only runs after that: an open event stream would hold every
        shutdown for the whole timeout. Closing the hub first ends every stream at once."""

        async def shutdown(self, sockets=None) -> None:
            hub = live_events.current()
            if hub is not None:
                hub.close()
            await super().shutdown(sockets)

    return StreamsFirstServer


def cmd_migrate(args: argparse.Namespace) -> None:
    from app.migrate import migrate

    settings = _settings(args)
    report = asyncio.run(_with_database(settings, migrate))
    print(report.strip() or "Database is up to date.")


def cmd_reindex(args: argparse.Namespace) -> None:
    from app.search.indexer import SearchIndex, rebuild
    from app.search.progress import ProgressBar

    settings = _settings(args)
    bar = ProgressBar()

    async def work():
        from app.search import faq  # the FAQ's own small index in the same folder (app/search/faq.py)

        tickets = await rebuild(SearchIndex(settings.index_path), progress=bar)
        return tickets, await faq.rebuild(faq.FaqIndex(settings.index_path))

    count, faq_count = asyncio.run(_with_database(settings, work))
    bar.finish()
    print(f"Indexed {count} tickets and {faq_count} FAQ entries into {settings.index_path}")


def cmd_create_workspace(args: argparse.Namespace) -> None:
    from app import i18n
    from app.accounts.inputs import NewAccount
    from app.accounts.service import create_workspace
    from app.errors import DomainError, ValidationFailed

    settings = _settings(args)
    site = _site_links(settings)
    fields = {"company": args.company, "fullname": args.name, "email": args.email, "password": args.password}

    async def work():
        # Its default group, ticket types and public page texts are written in this language.
        with i18n.use_locale(args.lang):
            return await create_workspace(NewAccount.from_form(fields, confirm_password=False))

    try:
        workspace, agent = asyncio.run(_with_database(settings, work))
    except ValidationFailed as exc:
        sys.exit("helprealm: " + "; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
    except DomainError as exc:
        sys.exit(f"helprealm: {exc.message}")
    print(f"Workspace '{workspace['name']}' created.")
    print(f"  Public page: {site.public_page(workspace['key'])}")
    print(f"  Log in at {site.login()} as {agent['email']} with the password you gave.")


def cmd_api_token(args: argparse.Namespace) -> None:
    from app.errors import NotFound
    from app.workspaces import api_access
    from app.workspaces.service import get_by_key

    settings = _settings(args)

    async def work():
        workspace = await get_by_key(args.workspace)
        token = await api_access.generate_token(workspace["id"], None)
        if args.enable:
            await api_access.set_access(workspace["id"], None, True)
        return token, (await api_access.state(workspace["id"]))["enabled"]

    try:
        token, enabled = asyncio.run(_with_database(settings, work))
    except NotFound:
        sys.exit(f"helprealm: no workspace with the key {args.workspace!r}")
    print(token)  # alone on stdout, for scripts; the previous token no longer works
    if not enabled:
        print("helprealm: API access is off for this workspace (--enable, or Settings > API)", file=sys.stderr)


def cmd_api_key(args: argparse.Namespace) -> None:
    """A new REST API key for one agent (agents are unique by e-mail across the installation)."""
    from app.accounts.tables import Agent
    from app.api import keys
    from app.errors import ValidationFailed

    settings = _settings(args)

    async def work():
        agent = await Agent.select(Agent.id, Agent.workspace, Agent.active).where(
            Agent.email == args.email.strip().lower(), Agent.retired.eq(False)).first()
        if agent is None:
            return None, False
        return await keys.generate_key(None, agent["id"], args.label, workspace_id=agent["workspace"]), agent["active"]

    try:
        key, active = asyncio.run(_with_database(settings, work))
    except ValidationFailed as exc:
        sys.exit("helprealm: " + "; ".join(exc.errors.values()))
    if key is None:
        sys.exit(f"helprealm: no agent with the e-mail address {args.email!r}")
    print(key)  # alone on stdout, for scripts; shown only this once
    if not active:
        print("helprealm: this agent is inactive: the key works once they are active again", file=sys.stderr)


def cmd_mail_token(args: argparse.Namespace) -> None:
    from app.errors import NotFound
    from app.mail import gateway
    from app.workspaces.service import get_by_key

    settings = _settings(args)

    async def work():
        workspace = await get_by_key(args.workspace)
        return await gateway.generate_token(workspace["id"], None)

    try:
        token = asyncio.run(_with_database(settings, work))
    except NotFound:
        sys.exit(f"helprealm: no workspace with the key {args.workspace!r}")
    print(token)  # alone on stdout, for the MTA's configuration; the previous token no longer works


def cmd_export(args: argparse.Namespace) -> None:
    from app.exports.cli import run_export

    settings = _settings(args)
    sys.exit(asyncio.run(_with_database(settings, lambda: run_export(args))))


def build_parser() -> argparse.ArgumentParser:
    from app import i18n

    parser = argparse.ArgumentParser(prog="helprealm", description="HelpRealm support ticket system")
    parser.add_argument("--version", action="version", version=f"helprealm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("--config", help="path to app.toml (default: $HELPREALM_CONFIG or ./app.toml)")
        p.set_defaults(func=func)
        return p

    serve = command("serve", cmd_serve, "run the web server (migrates first)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--demo", action="store_true", help="seed a demo workspace if the database is empty")
    serve.add_argument("--access-log", action="store_true", help="log every request")
    command("migrate", cmd_migrate, "apply database migrations")
    command("reindex", cmd_reindex, "rebuild the search index from the database")
    create = command("create-workspace", cmd_create_workspace, "create a workspace and its superadmin")
    create.add_argument("--company", required=True)
    create.add_argument("--name", required=True, help="the admin's full name")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--lang", default=i18n.DEFAULT_LOCALE, choices=i18n.LANGUAGES,
                        help="the workspace's language (default en)")
    token = command("api-token", cmd_api_token, "generate a workspace's API token and print it (revokes the old one)")
    token.add_argument("--workspace", required=True, help="the workspace key")
    token.add_argument("--enable", action="store_true", help="also switch the workspace's API access on")
    api_key = command("api-key", cmd_api_key, "generate a REST API key for an agent and print it (shown once)")
    api_key.add_argument("--email", required=True, help="the agent's e-mail address")
    api_key.add_argument("--label", default="", help="what the key is for (at most 100 characters)")
    mail_token = command("mail-token", cmd_mail_token,
                         "generate a workspace's mail gateway token and print it (revokes the old one)")
    mail_token.add_argument("--workspace", required=True, help="the workspace key")
    sub.add_parser("mailgate", help="deliver a message from standard input (an MTA's pipe); --help for more")
    sub.add_parser("mail", help="the mail gateway's tool: submit, fetch, or a menu; --help for more")
    export = command("export", cmd_export, "export a workspace's tickets created in a date range")
    export.add_argument("--workspace", required=True, help="the workspace key")
    export.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD (UTC)")
    export.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD (UTC), included")
    export.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv")
    export.add_argument("--output", required=True, help="the file to write")
    export.add_argument("--with-thread", action="store_true", help="add each ticket's messages and replies")
    export.add_argument("--with-notes", action="store_true", help="with --with-thread: internal notes too")
    return parser


# Programs of their own (standard library only, exit statuses an MTA reads): their own parsers.
STANDALONE = {"mailgate": "app.mail.mailgate", "mail": "app.mail.mail_cli"}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] and argv[0] in STANDALONE:
        import importlib

        sys.exit(importlib.import_module(STANDALONE[argv[0]]).main(argv[1:]))
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
