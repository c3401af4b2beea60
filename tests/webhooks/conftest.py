"""A real HTTP receiver on 127.0.0.1 for the webhook tests: an asyncio server in the test's own
loop that keeps every request and answers from a script (default 200), and verifies signatures
the way the README tells integrators to."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import ssl
import threading
from dataclasses import dataclass, field

import pytest

from app.webhooks import service


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


def verify(secret: str, header: str, body: bytes) -> bool:
    """The receiver's check (the README's snippet): t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


@dataclass
class Receiver:
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # answers in order, then 200
    server: asyncio.AbstractServer | None = None
    arrived: threading.Event = field(default_factory=threading.Event)  # set at each request

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _version = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Received(method, path, headers, body))
            self.arrived.set()
            status, extra = self.script.pop(0) if self.script else (200, {})
            answer = b"ok"
            lines = [f"HTTP/1.1 {status} X", f"Content-Length: {len(answer)}", "Connection: close",
                     *(f"{k}: {v}" for k, v in extra.items())]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass  # a client that hung up (or refused our certificate)
        finally:
            writer.close()


def start_receiver(tls: ssl.SSLContext | None = None):
    """A receiver served by its own loop in a thread (plain HTTP, or HTTPS with `tls`)."""
    r = Receiver()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> asyncio.AbstractServer:
        server = await asyncio.start_server(r.handle, "127.0.0.1", 0, ssl=tls)
        r.port = server.sockets[0].getsockname()[1]
        return server

    def run() -> None:
        asyncio.set_event_loop(loop)
        r.server = loop.run_until_complete(serve())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="webhook-receiver", daemon=True)
    thread.start()
    assert started.wait(10)
    return r, loop, thread


def stop_receiver(r: Receiver, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    async def close() -> None:
        r.server.close()
        await r.server.wait_closed()

    asyncio.run_coroutine_threadsafe(close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.fixture
def receiver():
    """Served by its own loop in a thread: the app under AsyncTestClient runs in another thread
    and the test's loop waits on it, so a receiver on the test's loop could not answer."""
    r, loop, thread = start_receiver()
    yield r
    stop_receiver(r, loop, thread)


@pytest.fixture
def hook_form():
    def make(url: str, events=("ticket.created", "ticket.updated", "reply.added", "note.added", "status.changed",
                                "ticket.assigned"), secret: str = "s3cret-s3cret-s3cret") -> service.HookForm:
        return service.HookForm(url=url, events=tuple(events), description="test", active=True, secret=secret,
                                regenerate=False)
    return make
