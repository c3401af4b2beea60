"""Test helpers: a client that reads pages like a person (parsed HTML, the form's CSRF token and
captcha) and shortcuts for the common journeys."""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
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


@contextlib.contextmanager
def cookies(client: AsyncTestClient, jar: httpx.Cookies) -> Iterator[httpx.Cookies]:
    """Let `client` use `jar` for a while: several browsers on one test client. (One client per
    app: every AsyncTestClient runs the app's lifespan, and its background loops, again.)"""
    saved = client.cookies
    client.cookies = jar
    try:
        yield jar
    finally:
        jar.update(client.cookies)
        client.cookies = saved


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


def form_values(html: str, selector: str) -> dict[str, str]:
    """What a browser would submit for the form `selector` as the page shows it: each named input's
    value, each select's selected (enabled) option, checked boxes only; no buttons."""
    form = soup(html).select_one(selector)
    assert form is not None, f"no form {selector!r} on the page"
    values: dict[str, str] = {}
    for control in form.find_all(["input", "select", "textarea"]):
        name = control.get("name")
        if not name or control.has_attr("disabled"):
            continue
        if control.name == "select":
            chosen = control.find("option", selected=True) or control.find("option")
            if chosen is not None and not chosen.has_attr("disabled"):
                values[name] = chosen.get("value", chosen.get_text())
        elif control.name == "textarea":
            values[name] = control.get_text()
        elif control.get("type") in ("checkbox", "radio"):
            if control.has_attr("checked"):
                values[name] = control.get("value", "on")
        elif control.get("type") not in ("submit", "button", "file"):
            values[name] = control.get("value", "")
    return values
