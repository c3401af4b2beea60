"""Who is asking: the client's address, from the socket or a trusted reverse proxy's header.

Every limiter (login, ticket wait, customer posts) keys on `ClientAddress.of(request)`, so
they all agree. A proxy appends the address it saw to `X-Forwarded-For`; anything to the left
of that came from the client and can be forged. So the client is the right-most address that
is not one of our trusted proxies, and the header is believed only when the socket peer itself
is a trusted proxy. uvicorn's own rewriting is configured from the same settings
(`uvicorn_proxy_options`), and when it has already put the client into the socket address the
peer is no longer a proxy and is taken as it is.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from litestar.connection import ASGIConnection

from app.config import ServerSettings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


class ClientAddress:
    def __init__(self, server: ServerSettings) -> None:
        self.header = server.trusted_proxy_header.strip().lower()
        self.proxies = _networks(server.trusted_proxies) if self.header else ()

    def _is_proxy(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip().strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self.proxies)

    def of(self, connection: ASGIConnection) -> str:
        """The key limits count by: the client's IPv4 address, or its IPv6 /64 (one subscriber's
        network: counting single IPv6 addresses would let one host hop around its limits)."""
        return _limit_key(self._address(connection))

    def _address(self, connection: ASGIConnection) -> str:
        peer = connection.client.host if connection.client else "unknown"
        if not self.header or not self._is_proxy(peer):
            return peer
        entries = [e.strip() for e in ",".join(connection.headers.getall(self.header, [])).split(",") if e.strip()]
        for entry in reversed(entries):
            if not self._is_proxy(entry):
                return entry[:64]
        return entries[0][:64] if entries else peer  # only proxies in the chain: the first one


def _limit_key(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is an IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def uvicorn_proxy_options(server: ServerSettings) -> dict:
    """uvicorn's X-Forwarded-For handling, in step with ClientAddress (it knows no other header)."""
    if server.trusted_proxy_header.strip().lower() != "x-forwarded-for":
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(server.trusted_proxies)}
