"""`python -m bench.roundtrips`: SQL round trips per request on the paths the bench times.

Every statement HelpRealm sends to SQLite is a hop to an aiosqlite thread and back (~0.05-1 ms
each, more under load), so their number is a cost that no timing noise hides. This drives the app
in-process over HTTP (the same requests a browser makes, so it runs against any version of the
code), after creating the workspace with the real `helprealm create-workspace`, and counts the
statements of one request: an agent's reply (HTMX), the ticket page, the list fragment, and a
customer's ticket (GET form + POST).
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import aiosqlite
from litestar.testing import AsyncTestClient

EMAIL, PASSWORD = "ann@bench.example", "bench-password-123"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
CAPTCHA = re.compile(r'class="captcha-question">\s*(\d+)\s*\+\s*(\d+)')
CAPTCHA_TOKEN = re.compile(r'name="captcha_token" value="([^"]+)"')
TYPE = re.compile(r'<select name="type"[^>]*>\s*<option value="(\d+)"')
HTMX = {"HX-Request": "true"}
# The background loops' tasks (app/tasks.py; before it, the search writer's): not the request's work.
BACKGROUND_LOOPS = {"search-writer", "outbox", "outbox-sender", "cleanup"}


class Counter:
    """Counts aiosqlite statements while `on`."""

    def __init__(self) -> None:
        self.count, self.on = 0, False
        self.statements: list[str] = []

    def install(self) -> None:
        for name in ("execute", "execute_fetchall", "executemany"):
            original = getattr(aiosqlite.Connection, name)

            def counted(conn, sql, *args, _original=original, **kwargs):
                task = asyncio.current_task()
                background = task is not None and task.get_name() in BACKGROUND_LOOPS
                if self.on and not background:
                    self.count += 1
                    self.statements.append(" ".join(str(sql).split())[:90])
                return _original(conn, sql, *args, **kwargs)

            setattr(aiosqlite.Connection, name, counted)


async def measure(root: Path) -> dict[str, int]:
    from app.asgi import create_app
    from app.config import load_settings

    settings = load_settings(root / "app.toml")
    counter = Counter()
    counter.install()
    async with AsyncTestClient(app=create_app(settings), base_url="http://127.0.0.1") as client:
        key = re.search(r"/([0-9a-f]{32})\b", (root / "created.txt").read_text()).group(1)

        async def form(url: str) -> tuple[str, dict]:
            html = (await client.get(url)).text
            return html, {"_csrf_token": CSRF.search(html).group(1)}

        async def open_ticket() -> None:
            html, data = await form(f"/{key}/")
            a, b = CAPTCHA.search(html).groups()
            data.update(name="Sally", email="sally@customer.example", subject="Printer on fire", text="Smoke.",
                        type=TYPE.search(html).group(1), prio="1", captcha=str(int(a) + int(b)),
                        captcha_token=CAPTCHA_TOKEN.search(html).group(1))
            assert (await client.post(f"/{key}/ticket/create", data=data, headers=HTMX)).status_code == 200

        async def counted(request) -> int:
            counter.count, counter.on, counter.statements = 0, True, []
            await request
            counter.on = False
            return counter.count

        await open_ticket()
        await open_ticket()  # warm every cache once
        _html, login = await form("/login")
        await client.post("/login", data={**login, "email": EMAIL, "password": PASSWORD})
        _html, token = await form("/tickets/1")
        reply = {**token, "text": "We are on it."}
        await client.post("/tickets/1/reply", data=reply, headers=HTMX)  # warm
        figures = {
            "agent reply (HTMX)": await counted(client.post("/tickets/2/reply", data=reply, headers=HTMX)),
            "ticket page": await counted(client.get("/tickets/2")),
            "list fragment": await counted(client.get("/tickets?scope=all", headers=HTMX)),
            "customer ticket (GET form + POST)": await counted(open_ticket()),
        }
        await counted(client.post("/tickets/2/reply", data=reply, headers=HTMX))
        figures["_reply_statements"] = counter.statements[:]
    return figures


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="hr-roundtrips-"))
    (root / "app.toml").write_text('[server]\nbase_url = "http://127.0.0.1"\nsecret_key = "x"\n'
                                   '[limits]\nticket_wait_seconds = 0\n')
    created = subprocess.run(
        [str(Path(sys.executable).parent / "helprealm"), "create-workspace", "--config", str(root / "app.toml"),
         "--company", "Bench", "--name", "Ann Bench", "--email", EMAIL, "--password", PASSWORD],
        capture_output=True, text=True, check=True,
    )
    (root / "created.txt").write_text(created.stdout)
    figures = asyncio.run(measure(root))
    statements = figures.pop("_reply_statements")
    for what, n in figures.items():
        print(f"{what:<36} {n:>3} SQL round trips")
    print("\nthe reply's statements:")
    for sql in statements:
        print(f"  {sql}")


if __name__ == "__main__":
    main()
