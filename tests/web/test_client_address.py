"""The client behind a reverse proxy: the right-most address the proxy vouches for, in one place
used by every limiter, and in step with uvicorn's own rewriting."""

from __future__ import annotations

import pytest
from litestar import Request
from litestar.testing import AsyncTestClient

from app.asgi import create_app
from app.config import ServerSettings
from app.web.client import ClientAddress, uvicorn_proxy_options
from tests.helpers import csrf_from
from tests.journeys import workspace_with_admin

PROXIED = ServerSettings(trusted_proxy_header="x-forwarded-for", trusted_proxies=("10.0.0.0/8", "::1"))


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b"",
                    "client": (peer, 40000), "app": None})


@pytest.mark.parametrize("peer, forwarded, expected", [
    ("10.0.0.5", "203.0.113.7", "203.0.113.7"),  # one proxy
    ("10.0.0.5", "198.51.100.9, 203.0.113.7", "203.0.113.7"),  # the left part is the client's own claim
    ("10.0.0.5", "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two proxies of ours
    ("10.0.0.5", "forged, 203.0.113.7, 10.1.2.3", "203.0.113.7"),
    ("203.0.113.7", "1.2.3.4", "203.0.113.7"),  # not from a proxy: the header is not believed
    ("10.0.0.5", None, "10.0.0.5"),
    ("10.0.0.5", "10.0.0.6, 10.0.0.7", "10.0.0.6"),  # only proxies: the first
])
def test_the_client_is_the_rightmost_address_not_a_trusted_proxy(peer, forwarded, expected):
    assert ClientAddress(PROXIED).of(_request(peer, forwarded)) == expected


def test_without_a_configured_header_the_socket_address_counts():
    assert ClientAddress(ServerSettings()).of(_request("10.0.0.5", "203.0.113.7")) == "10.0.0.5"


def test_uvicorn_is_configured_from_the_same_settings():
    assert uvicorn_proxy_options(ServerSettings()) == {"proxy_headers": False}
    assert uvicorn_proxy_options(PROXIED) == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.0/8", "::1"]}
    # uvicorn knows only X-Forwarded-For: for another header it must not rewrite on its own.
    other = ServerSettings(trusted_proxy_header="x-real-ip", trusted_proxies=("10.0.0.1",))
    assert uvicorn_proxy_options(other) == {"proxy_headers": False}


def _behind_proxy(app, proxy: str = "10.0.0.5"):
    async def asgi(scope, receive, send):
        if scope["type"] == "http":
            scope = {**scope, "client": (proxy, 40000)}
        await app(scope, receive, send)

    return asgi


async def test_failed_logins_behind_a_proxy_lock_out_one_client_not_everyone(settings):
    app = create_app(settings.replace(server={"trusted_proxy_header": "x-forwarded-for",
                                              "trusted_proxies": ["10.0.0.0/8"]},
                                      limits={"login_attempts_per_minute": 3}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        client.app = _behind_proxy(app)  # every request arrives from our proxy (set after the lifespan began)
        await workspace_with_admin()
        token = csrf_from((await client.get("/login")).text)

        async def attempt(address: str) -> int:
            response = await client.post("/login", data={"_csrf_token": token, "email": "ann@acme.test",
                                                         "password": "wrong!!!"}, headers={"X-Forwarded-For": address})
            return response.status_code

        assert [await attempt("203.0.113.7") for _ in range(4)] == [401, 401, 401, 429]
        assert await attempt("198.51.100.9") == 401  # another customer of the same proxy is not locked out
        assert await attempt("198.51.100.9, 203.0.113.8") == 401  # nor can the locked one dodge by forging
        assert await attempt("1.1.1.1, 203.0.113.7") == 429


def test_ipv6_clients_are_counted_by_their_network():
    plain = ClientAddress(ServerSettings())
    one = plain.of(_request("2001:db8:1:2:aaaa::1"))
    assert one == plain.of(_request("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    assert plain.of(_request("2001:db8:1:3::1")) != one
    assert plain.of(_request("::ffff:203.0.113.7")) == "203.0.113.7"
