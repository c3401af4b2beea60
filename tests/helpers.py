"""Test helpers: a client that reads pages like a person (parsed HTML, the form's CSRF token and
captcha) and shortcuts for the common journeys."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

from bs4 import BeautifulSoup
from litestar.testing import AsyncTestClient

HTMX = {"HX-Request": "true"}


def free_port() -> int:
    """A loopback port nobody listens on right now (servers the tests start bind to it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def csrf_from(html: str) -> str:
    field = soup(html).find("input", attrs={"name": "_csrf_token"})
    assert field is not None, "page has no CSRF field"
    return field["value"]


def solve_captcha(html: str) -> dict[str, str]:
    page = soup(html)
    question = page.select_one(".captcha-question").get_text()
    a, b = re.match(r"\s*(\d+)\s*\+\s*(\d+)", question).groups()
    token = page.find("input", attrs={"name": "captcha_token"})["value"]
    return {"captcha": str(int(a) + int(b)), "captcha_token": token}


def field_error(html: str, name: str) -> str | None:
    node = soup(html).select_one(f"#err-{name}")
    return node.get_text(strip=True) if node else None


@dataclass
class Person:
    """One browser: its own cookies."""

    client: AsyncTestClient

    async def page(self, url: str, status: int = 200, **kwargs) -> str:
        response = await self.client.get(url, **kwargs)
        assert response.status_code == status, (url, response.status_code, response.text[:500])
        return response.text

    async def submit(self, form_url: str, action: str, data: dict, *, captcha: bool = False, headers=None, files=None):
        """Load the page with the form, then post `data` with its CSRF token (and solved captcha)."""
        html = await self.page(form_url)
        payload = {"_csrf_token": csrf_from(html), **data}
        if captcha:
            payload.update(solve_captcha(html))
        if files:
            return await self.client.post(action, data=payload, files=files, headers=headers)
        return await self.client.post(action, data=payload, headers=headers)
