"""Connections to mail servers that a workspace admin names: the SSRF guard.

Anyone can sign up and so name a "mail server"; without this guard the test buttons and the mail
loops would let them probe the host's own network (127.0.0.1, 10.x, the cloud metadata address).
The name is resolved once, every address it resolves to is checked, and the connection goes to
the checked address (a socket we open ourselves and hand to the mail library), so a DNS answer
that changes between check and connect cannot slip past. TLS still verifies the certificate
against the name. `[mail] allow_private_hosts` in app.toml lifts the check (and the tests do).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket

from app.i18n import _

CONNECT_TIMEOUT = 8.0
# A DNS name (labels of letters, digits, hyphens) or an IPv4/IPv6 literal; at most 253 characters.
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_NAME = re.compile(rf"{_LABEL}(\.{_LABEL})*\.?")


class HostRefused(Exception):
    """The host is malformed, does not resolve, or is not allowed. `str()` is for the admin."""


def valid_host(host: str) -> bool:
    if not host or len(host) > 253:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_NAME.fullmatch(host))


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address wrapped in IPv6 (mapped, 6to4, Teredo) is judged as that IPv4 address:
        # 2002:7f00:1::1 reaches 127.0.0.1 wherever 6to4 is routed.
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if inner is not None:
            return is_public(inner)
    return address.is_global and not (
        address.is_multicast or address.is_loopback or address.is_link_local or address.is_private
        or address.is_reserved or address.is_unspecified
    )


async def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to: every address `host` resolves to must be allowed."""
    if not valid_host(host):
        raise HostRefused(_("This is not a valid host name."))
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), CONNECT_TIMEOUT)
    except (OSError, TimeoutError, UnicodeError):
        raise HostRefused(_("The host name could not be resolved.")) from None
    addresses = [info[4][0].split("%")[0] for info in infos]
    if not addresses:
        raise HostRefused(_("The host name could not be resolved."))
    if not allow_private and not all(is_public(ipaddress.ip_address(a)) for a in addresses):
        raise HostRefused(_("This host is on a loopback, private or reserved network, which is not allowed."))
    return addresses[0]


async def connect(host: str, port: int, *, allow_private: bool, timeout: float = CONNECT_TIMEOUT) -> socket.socket:
    """A connected, non-blocking socket to the checked address of `host`."""
    address = await resolve(host, port, allow_private=allow_private)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, (address, port)), timeout)
    except BaseException:
        sock.close()
        raise
    return sock
