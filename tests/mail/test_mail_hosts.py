"""The SSRF guard: a workspace admin's mail server may not be on this host's networks unless
app.toml allows it, and the connection goes to the address that was checked."""

from __future__ import annotations

import pytest

from app.mail import hosts, probe
from app.mail.hosts import HostRefused, is_public, resolve, valid_host
from app.mail.workspace_mail import Server
from tests.helpers import HTMX, Person, csrf_from, soup
from tests.journeys import login, workspace_with_admin


@pytest.mark.parametrize("host", ["127.0.0.1", "10.1.2.3", "192.168.0.1", "172.16.5.5", "169.254.169.254", "::1",
                                  "fe80::1", "fc00::1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "100.64.0.1",
                                  "::ffff:127.0.0.1", "localhost"])
async def test_private_and_special_addresses_are_refused(host):
    with pytest.raises(HostRefused, match="not allowed"):
        await resolve(host, 25, allow_private=False)


async def test_every_resolved_address_is_checked(monkeypatch):
    """A name with one public and one private address is refused (no first-address shortcut)."""
    async def getaddrinfo(host, port, **kwargs):
        return [(2, 1, 6, "", ("93.184.216.34", port)), (2, 1, 6, "", ("10.0.0.7", port))]

    import asyncio

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", getaddrinfo)
    with pytest.raises(HostRefused):
        await resolve("mixed.example", 25, allow_private=False)


async def test_allowed_when_configured_and_public_addresses_pass():
    assert await resolve("127.0.0.1", 25, allow_private=True) == "127.0.0.1"
    import ipaddress

    assert is_public(ipaddress.ip_address("93.184.216.34")) and is_public(ipaddress.ip_address("2606:4700::1"))


def test_host_syntax():
    assert valid_host("smtp.example.com") and valid_host("10.0.0.1") and valid_host("::1")
    for bad in ("", "bad host", "a..b", "-x.com", "x" * 254, "smtp.example.com:25", "http://x"):
        assert not valid_host(bad), bad


async def test_connect_goes_to_the_checked_address(monkeypatch):
    """The socket is connected to the address `resolve` returned, never to a second lookup."""
    seen = []

    async def fake_resolve(host, port, *, allow_private):
        seen.append(host)
        return "127.0.0.1"

    monkeypatch.setattr(hosts, "resolve", fake_resolve)
    with pytest.raises(OSError):  # nothing listens on port 1; what matters is where it went
        await hosts.connect("rebind.example", 1, allow_private=False, timeout=2)
    assert seen == ["rebind.example"]


async def test_smtp_and_imap_refuse_loopback(database):
    server = Server(host="localhost", port=25, security="none", username="", password="")
    with pytest.raises(probe.Unusable, match="not allowed"):
        await probe.imap_login(server, allow_private=False)
    from email.message import EmailMessage

    with pytest.raises(probe.Unusable, match="not allowed"):
        await probe.smtp_send(server, EmailMessage(), "a@b.test", ["c@d.test"], allow_private=False)


async def test_test_button_refuses_loopback_by_default(client, smtp_server):
    """Default settings (allow_private_hosts = false): the page answers, nothing is sent."""
    await workspace_with_admin()
    person = Person(client)
    await login(person)
    html = await person.page("/admin/mail")
    await person.client.post("/admin/mail", data={
        "_csrf_token": csrf_from(html), "enabled": "on", "smtp_host": "127.0.0.1", "smtp_port": str(smtp_server.port),
        "smtp_security": "none", "address": "help@acme.test", "imap_host": "::1", "imap_port": "143"})
    for button in ("test-smtp", "test-imap"):
        response = await person.client.post(f"/admin/mail/{button}", data={"_csrf_token": csrf_from(html)},
                                            headers=HTMX)
        result = soup(response.text).select_one("[data-ok]")
        assert result["data-ok"] == "no" and "not allowed" in result.get_text()
    assert smtp_server.messages == []
