"""Server-side sessions kept in SQLite, with the session id rotated at login.

Litestar's `ServerSideSessionBackend` writes the session back on every response; the store skips
that write when nothing changed and the expiry is still far away, so a page view costs one read.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty

from app.accounts.tables import WebSession

SESSION_MAX_AGE = 14 * 24 * 3600
ROTATE_STATE_KEY = "rotate_session_id"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _delta(value: int | timedelta | None) -> timedelta | None:
    if value is None:
        return None
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


class SQLiteSessionStore(Store):
    """A Litestar store on the `web_session` table."""

    def __init__(self) -> None:
        # key -> (value, expires_at) as last read or written, to skip redundant writes.
        self._seen: dict[str, tuple[bytes, datetime | None]] = {}

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        delta = _delta(expires_in)
        expires_at = _now() + delta if delta else None
        seen = self._seen.get(key)
        if seen and seen[0] == data and delta and seen[1] and seen[1] - _now() > delta / 2:
            return
        await WebSession.raw(
            "INSERT INTO web_session (key, value, expires_at) VALUES ({}, {}, {}) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
            key,
            data,
            expires_at,
        )
        self._remember(key, data, expires_at)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        row = await WebSession.select(WebSession.value, WebSession.expires_at).where(WebSession.key == key).first()
        if row is None:
            return None
        if row["expires_at"] is not None and row["expires_at"] <= _now():
            await self.delete(key)
            return None
        self._remember(key, row["value"], row["expires_at"])
        return row["value"]

    async def delete(self, key: str) -> None:
        self._seen.pop(key, None)
        await WebSession.delete().where(WebSession.key == key)

    async def delete_all(self) -> None:
        self._seen.clear()
        await WebSession.delete(force=True)

    async def delete_expired(self) -> None:
        self._seen.clear()
        await WebSession.delete().where(WebSession.expires_at <= _now())

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = await WebSession.select(WebSession.expires_at).where(WebSession.key == key).first()
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - _now()).total_seconds())

    def _remember(self, key: str, value: bytes, expires_at: datetime | None) -> None:
        if len(self._seen) > 10_000:
            self._seen.clear()
        self._seen[key] = (value, expires_at)


class RotatingSessionBackend(ServerSideSessionBackend):
    """Issues a fresh session id when a handler asked for it (login), so a session id planted
    before login is worthless afterwards."""

    def get_session_id(self, connection: ASGIConnection) -> str:
        fresh = connection.scope.get("state", {}).get(ROTATE_STATE_KEY)
        return fresh or super().get_session_id(connection)

    async def store_in_message(self, scope_session, message, connection: ASGIConnection) -> None:
        # Anonymous visitors (customers, the login page) get no session row and no cookie: Litestar
        # would otherwise store an empty session for every request that arrives without one.
        if scope_session is not Empty and not scope_session and not connection.cookies.get(self.config.key):
            return
        await super().store_in_message(scope_session, message, connection)


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


async def rotate_session(request) -> None:
    """Drop the current session id's row and make the response carry a new id."""
    old = request.cookies.get(request.app.state.session_config.key)
    if old:
        await request.app.stores.get("sessions").delete(old)
    request.scope.setdefault("state", {})[ROTATE_STATE_KEY] = secrets.token_hex(32)


def session_config(secure: bool) -> RotatingSessionConfig:
    return RotatingSessionConfig(
        key="helprealm_session",
        max_age=SESSION_MAX_AGE,
        store="sessions",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
