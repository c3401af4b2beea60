"""Server-side sessions kept in SQLite, with the session id rotated at login.

Litestar's `ServerSideSessionBackend` writes the session back on every response; the store skips
that write when nothing changed and the expiry is still far away, so a page view costs one read.
Only sessions with something in them are stored: a visitor, or a cookie we never issued, costs no
row. Session ids are the 64 hex characters we make; any other cookie value is ignored unread.
Expired rows are purged by the cleanup loop (app/tasks.py).
"""

from __future__ import annotations

import contextvars
import re
import secrets
from datetime import datetime, timedelta

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty

from app import clock
from app.web.tables import WebSession

SESSION_COOKIE = "helprealm_session"
SESSION_STORE = "sessions"
SESSION_MAX_AGE = 14 * 24 * 3600
ROTATE_STATE_KEY = "rotate_session_id"
LOADED_STATE_KEY = "session_row_loaded"
SESSION_ID = re.compile(r"[0-9a-f]{64}")


def _now() -> datetime:
    return clock.now()


def well_formed(session_id: str | None) -> bool:
    return bool(session_id) and bool(SESSION_ID.fullmatch(session_id))


def _delta(value: int | timedelta | None) -> timedelta | None:
    if value is None:
        return None
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


class SQLiteSessionStore(Store):
    """A Litestar store on the `web_session` table."""

    def __init__(self) -> None:
        # key -> (value, expires_at) as last read or written, to skip redundant writes.
        self._seen: dict[str, tuple[bytes, datetime | None]] = {}

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None,
                  *, existing_only: bool = False) -> None:
        """Write a session. With `existing_only` only a row that still exists is updated: a session
        ended meanwhile (logout in another tab, while this request ran) stays ended."""
        data = value.encode() if isinstance(value, str) else value
        delta = _delta(expires_in)
        expires_at = _now() + delta if delta else None
        seen = self._seen.get(key)
        if seen and seen[0] == data and delta and seen[1] and seen[1] - _now() > delta / 2:
            return
        if existing_only:
            await WebSession.update({WebSession.value: data, WebSession.expires_at: expires_at}).where(
                WebSession.key == key
            )
        else:
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

    async def delete_expired(self) -> int:
        """Drop expired sessions; returns how many."""
        self._seen.clear()
        rows = await WebSession.delete().where(WebSession.expires_at <= _now()).returning(WebSession.id)
        return len(rows)

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
    _state: contextvars.ContextVar[dict | None] = contextvars.ContextVar("session_scope_state", default=None)

    """Issues a fresh session id when a handler asked for it (login), so a session id planted
    before login is worthless afterwards. A session that came from the store is written back only
    if its row still exists: a logout that ran meanwhile is not undone."""

    async def set(self, session_id: str, data: bytes, store: Store) -> None:
        expires_in = int(self.config.max_age) if self.config.max_age is not None else None
        state = self._state.get() or {}
        existing_only = bool(state.get(LOADED_STATE_KEY)) and not state.get(ROTATE_STATE_KEY)
        await store.set(session_id, data, expires_in=expires_in, existing_only=existing_only)  # type: ignore[call-arg]

    def get_session_id(self, connection: ASGIConnection) -> str:
        fresh = connection.scope.get("state", {}).get(ROTATE_STATE_KEY)
        if fresh:
            return fresh
        cookie = connection.cookies.get(self.config.key)
        return cookie if well_formed(cookie) else self.generate_session_id()

    async def load_from_connection(self, connection: ASGIConnection) -> dict:
        cookie = connection.cookies.get(self.config.key)
        if not well_formed(cookie):
            return {}
        data = await self.get(cookie, store=self.config.get_store_from_app(connection.scope["app"]))
        if data is None:
            return {}
        connection.scope.setdefault("state", {})[LOADED_STATE_KEY] = True
        return self.deserialize_data(data)

    async def store_in_message(self, scope_session, message, connection: ASGIConnection) -> None:
        # An empty session is never stored: Litestar would otherwise write a row (and set a
        # cookie) for every visitor and for every cookie value anyone makes up. If a stored
        # session became empty, it is deleted like a cleared one.
        if scope_session is not Empty and not scope_session:
            if not connection.scope.get("state", {}).get(LOADED_STATE_KEY):
                return
            scope_session = Empty
        token = self._state.set(connection.scope.get("state", {}))
        try:
            await super().store_in_message(scope_session, message, connection)
        finally:
            self._state.reset(token)


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


async def rotate_session(request) -> None:
    """Drop the current session id's row and make the response carry a new id."""
    await end_session(request)
    request.scope.setdefault("state", {})[ROTATE_STATE_KEY] = secrets.token_hex(32)


async def end_session(request) -> None:
    """Delete the row of the session the request came with (logout, rotation)."""
    old = request.cookies.get(SESSION_COOKIE)
    if well_formed(old):
        await request.app.stores.get(SESSION_STORE).delete(old)


def session_config(secure: bool) -> RotatingSessionConfig:
    return RotatingSessionConfig(
        key=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        store=SESSION_STORE,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
