"""A deliberately small HTTP/1.1 client on asyncio streams: keep-alive, a cookie jar, form posts.

The load generator shares a 2-core machine with the server, so it must be cheap: httpx costs
several times more CPU per request than this. It speaks just enough HTTP for our own server and
uvicorn (Content-Length or chunked bodies, no redirects followed).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One connection (reopened when the server closes it) and one browser's cookies."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        await self.close()
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self._reader = self._writer = None

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return await self.request("GET", path, headers=headers)

    async def post_form(self, path: str, data: dict[str, str], headers: dict[str, str] | None = None) -> Response:
        body = urlencode(data).encode()
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return await self.request("POST", path, headers=h, body=body)

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> Response:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        fresh = self._writer is None
        if fresh:
            await self._open()
        try:
            return await self._exchange(raw)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            if fresh:
                raise
            await self._open()  # the server closed an idle keep-alive connection: retry once
            return await self._exchange(raw)

    async def _exchange(self, raw: bytes) -> Response:
        assert self._writer is not None and self._reader is not None
        self._writer.write(raw)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = []
        length = None
        chunked = close = False
        for line in header_lines:
            k, _, v = line.partition(":")
            k, v = k.strip().lower(), v.strip()
            headers.append((k, v))
            if k == "content-length":
                length = int(v)
            elif k == "transfer-encoding" and "chunked" in v.lower():
                chunked = True
            elif k == "connection" and v.lower() == "close":
                close = True
            elif k == "set-cookie":
                self._set_cookie(v)
        if chunked:
            parts = []
            while True:
                size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self._reader.readuntil(b"\r\n")
                    break
                parts.append(await self._reader.readexactly(size))
                await self._reader.readexactly(2)
            body = b"".join(parts)
        elif length is not None:
            body = await self._reader.readexactly(length)
        elif status in (204, 304) or 100 <= status < 200:
            body = b""
        else:
            body = await self._reader.read()
            close = True
        if close:
            await self.close()
        return Response(status, headers, body)

    def _set_cookie(self, value: str) -> None:
        first, *attrs = value.split(";")
        name, _, val = first.partition("=")
        name, val = name.strip(), val.strip().strip('"')
        expired = any(a.strip().lower() in ("max-age=0", "max-age=-1") for a in attrs)
        if expired or not val:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = val
