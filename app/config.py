"""Settings: `app.toml` loaded into frozen dataclasses.

Nothing here runs at import time; the CLI and the tests call `load_settings()` (or build a
`Settings` directly) and hand the result to `create_app()`. Every field here has a documented key
in the example `app.toml`, and a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_ENV = "HELPREALM_CONFIG"


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    trusted_proxy_header: str = ""
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class StorageSettings:
    data_dir: str = "data"
    index_dir: str = "search_index"
    read_connections: int = 3


@dataclass(frozen=True)
class MailSettings:
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    from_address: str = "helprealm@localhost"
    from_name: str = "HelpRealm"
    send_interval_seconds: float = 2.0
    max_attempts: int = 8
    allow_private_hosts: bool = False
    # Mail in (issue 11): a larger message is quarantined unparsed; the authserv-ids of receiving
    # servers whose Authentication-Results we believe (an agent's reply by mail needs their DKIM or
    # DMARC pass); more messages than this from one sender in a minute are a loop and quarantined.
    inbound_max_bytes: int = 25 * 1024 * 1024
    trusted_authserv_ids: tuple[str, ...] = ()
    loop_messages_per_minute: int = 20
    auto_answers_per_hour: int = 5  # "we got your ticket" mails to one address; forged senders get no more
    # IMAP inboxes without IDLE are polled this often (app/mail/imap_in.py).
    imap_poll_seconds: float = 60.0


@dataclass(frozen=True)
class LimitsSettings:
    ticket_wait_seconds: float = 10.0
    login_attempts_per_minute: int = 10
    upload_max_bytes: int = 10 * 1024 * 1024
    attachments_per_ticket: int = 50
    attachment_bytes_per_ticket: int = 100 * 1024 * 1024
    customer_posts_per_minute: int = 10
    faq_searches_per_minute: int = 30  # FAQ searches and suggestions per client IP (public page)


@dataclass(frozen=True)
class ApiSettings:
    # Requests per minute to the APIs (the HelpRealm API, REST v1, the HelpDeskPro paths, the
    # widget): per token or key, and per client address; beyond them the answer is 429 with Retry-After.
    requests_per_minute_per_key: int = 600
    requests_per_minute_per_address: int = 1200
    # Seconds one client (address) waits between two tickets created through the HelpRealm API or
    # the widget (the manual's 429 with ticket_wait_time).
    ticket_wait_seconds: float = 2.0


@dataclass(frozen=True)
class WebhookSettings:
    # Let webhook URLs point at loopback, private, link-local or reserved addresses (checked on the
    # resolved address at every delivery). Off: a workspace admin cannot make this server probe its network.
    allow_private_hosts: bool = False
    timeout_seconds: float = 10.0
    # Attempts per delivery before it is marked failed (retries back off exponentially).
    max_attempts: int = 8
    # A hook whose deliveries failed this many times in a row is switched off, with a notice to the admins.
    disable_after_failures: int = 20
    send_interval_seconds: float = 2.0


@dataclass(frozen=True)
class Settings:
    server: ServerSettings = field(default_factory=ServerSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    # Folder the relative paths above are resolved against (the config file's folder).
    root: str = "."

    @property
    def data_path(self) -> Path:
        return (Path(self.root) / self.storage.data_dir).resolve()

    @property
    def index_path(self) -> Path:
        return (Path(self.root) / self.storage.index_dir).resolve()

    @property
    def db_path(self) -> Path:
        return self.data_path / "helprealm.sqlite"

    @property
    def attachments_path(self) -> Path:
        return self.data_path / "attachments"

    @property
    def quarantine_path(self) -> Path:  # raw inbound messages held for a superadmin (app/mail/quarantine.py)
        return self.data_path / "quarantine"

    @property
    def backgrounds_path(self) -> Path:  # the customer pages' background images, a folder per workspace
        return self.data_path / "backgrounds"

    def replace(self, **sections) -> Settings:
        """Return a copy with some sections' keys changed: replace(limits={"ticket_wait_seconds": 0})."""
        changes = {}
        for name, values in sections.items():
            current = getattr(self, name)
            changes[name] = dataclasses.replace(current, **values) if isinstance(values, dict) else values
        return dataclasses.replace(self, **changes)


SECTIONS = {
    "server": ServerSettings,
    "storage": StorageSettings,
    "mail": MailSettings,
    "limits": LimitsSettings,
    "api": ApiSettings,
    "webhooks": WebhookSettings,
}


class ConfigError(Exception):
    pass


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Read settings from `path`, else $HELPREALM_CONFIG, else ./app.toml (defaults if absent)."""
    path = path or os.environ.get(CONFIG_ENV) or "app.toml"
    file = Path(path)
    if not file.exists():
        if path == "app.toml":
            return Settings(root=str(Path.cwd()))
        raise ConfigError(f"config file not found: {file}")
    with file.open("rb") as fh:
        try:
            raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file}: {exc}") from exc
    return settings_from_dict(raw, root=str(file.resolve().parent))


def settings_from_dict(raw: dict, root: str = ".") -> Settings:
    sections = {}
    for name, cls in SECTIONS.items():
        values = raw.get(name, {})
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise ConfigError(f"unknown key(s) in [{name}]: {', '.join(sorted(unknown))}")
        # TOML arrays become tuples: settings are frozen and compared whole.
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        sections[name] = cls(**values)
    unknown_sections = set(raw) - set(SECTIONS)
    if unknown_sections:
        raise ConfigError(f"unknown section(s): {', '.join(sorted(unknown_sections))}")
    return Settings(root=root, **sections)
