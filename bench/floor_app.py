"""The floor: the least a Litestar + SQLite server can do per submitted form.

One POST endpoint that parses a urlencoded form and inserts one row (one commit) on one long-lived
aiosqlite connection in WAL mode, served by uvicorn like HelpRealm. The ratio of HelpRealm's
ticket rate to this shows what the app's own work (templates, CSRF, captcha, validation, the
ticket transaction, outbox, search) costs on top of the framework and the database.

Run: FLOOR_DB=/tmp/floor.sqlite uvicorn bench.floor_app:app --port 8123
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import aiosqlite
from litestar import Litestar, get, post
from litestar.datastructures import State
from litestar.params import URLEncodedBody


@contextlib.asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    conn = await aiosqlite.connect(os.environ.get("FLOOR_DB", "floor.sqlite"))
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS submission (id INTEGER PRIMARY KEY, name TEXT, email TEXT, subject TEXT,"
        " text TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP)"
    )
    await conn.commit()
    app.state.db = conn
    try:
        yield
    finally:
        await conn.close()


@post("/submit")
async def submit(data: URLEncodedBody[dict[str, Any]], state: State) -> str:
    db = state.db
    await db.execute(
        "INSERT INTO submission (name, email, subject, text) VALUES (?, ?, ?, ?)",
        (data.get("name", ""), data.get("email", ""), data.get("subject", ""), data.get("text", "")),
    )
    await db.commit()
    return "ok"


@get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


app = Litestar(route_handlers=[submit, healthz], lifespan=[lifespan], debug=False)
