"""Talking to a workspace's own mail servers: sending through its SMTP server (the outbox and the
"Send a test mail" button) and the "Test IMAP login" button. Every connection goes through the
SSRF guard (app/mail/hosts.py) and has short timeouts; the answer is text for the admin."""

from __future__ import annotations

import asyncio
import ssl
from email.message import EmailMessage

import aioimaplib
import aiosmtplib

from app.i18n import _
from app.mail.hosts import HostRefused, connect
from app.mail.workspace_mail import Server

SMTP_TIMEOUT = 10.0
IMAP_TIMEOUT = 10.0


class Unusable(Exception):
    """The server cannot be tried (its stored password is unreadable, its host refused)."""


async def smtp_send(server: Server, message: EmailMessage, sender: str, recipients: list[str], *,
                    allow_private: bool, timeout: float = SMTP_TIMEOUT) -> str:
    """Send one message; returns the server's answer. Raises aiosmtplib/OSError or Unusable."""
    if server.password is None:
        raise Unusable(_("The stored SMTP password can no longer be read: enter it again."))
    try:
        sock = await connect(server.host, server.port, allow_private=allow_private, timeout=timeout)
    except HostRefused as exc:
        raise Unusable(str(exc)) from None
    # The socket goes to the checked address; `hostname` is only what TLS verifies the certificate
    # against.
    client = aiosmtplib.SMTP(hostname=server.host, sock=sock, timeout=timeout,
                             use_tls=server.security == "tls", start_tls=server.security == "starttls",
                             username=server.username or None, password=server.password or None)
    try:
        async with client:
            errors, answer = await client.send_message(message, sender=sender, recipients=recipients)
    finally:
        sock.close()
    return answer


async def imap_login(server: Server, *, allow_private: bool, timeout: float = IMAP_TIMEOUT) -> str:
    """Log in and select the folder; returns the server's answer. Raises on failure."""
    client, login = await imap_connect(server, allow_private=allow_private, timeout=timeout)
    try:
        selected = await client.select(server.folder)
        if selected.result != "OK":
            return _failed(selected)
        await client.logout()
        return "OK " + " ".join(line.decode(errors="replace") for line in login.lines if line)[:300]
    finally:
        imap_close(client)


async def imap_connect(server: Server, *, allow_private: bool, timeout: float = IMAP_TIMEOUT,
                       conn_lost_cb=None) -> tuple[aioimaplib.IMAP4, aioimaplib.Response]:
    """A logged-in client (through the SSRF guard, TLS or STARTTLS as the server says) and the
    login's answer; the caller closes it with `imap_close`. Raises Unusable, ImapRefused, OSError,
    TimeoutError or aioimaplib's errors. The test button and the IMAP fetcher (imap_in.py) both
    connect here."""
    if server.password is None:
        raise Unusable(_("The stored IMAP password can no longer be read: enter it again."))
    try:
        sock = await connect(server.host, server.port, allow_private=allow_private, timeout=timeout)
    except HostRefused as exc:
        raise Unusable(str(exc)) from None
    context = ssl.create_default_context() if server.security == "tls" else None
    client = _IMAP(sock, server.host, context, timeout, conn_lost_cb)
    try:
        await client.wait_hello_from_server()
        if server.security == "starttls":
            await client.starttls(ssl.create_default_context())
        login = await client.login(server.username, server.password)
        if login.result != "OK":
            _failed(login)
    except BaseException:
        imap_close(client)
        raise
    return client, login


def imap_close(client: aioimaplib.IMAP4) -> None:
    """Close the connection without a goodbye (logout first when it still matters)."""
    # The transport owns the socket once connected: closing only the socket would leave its
    # file descriptor registered with the event loop.
    transport = client.protocol.transport if client.protocol else None
    if transport is not None:
        transport.close()
    else:
        client._client_task.cancel()
        client._sock.close()


def _failed(response) -> str:
    text = " ".join(line.decode(errors="replace") for line in response.lines if line)
    raise aioimaplib.CommandTimeout if response.result == "TIMEOUT" else ImapRefused(f"{response.result} {text}"[:300])


class ImapRefused(Exception):
    pass


class _IMAP(aioimaplib.IMAP4):
    """aioimaplib's client on a socket we connected (to the checked address)."""

    def __init__(self, sock, server_name: str, context: ssl.SSLContext | None, timeout: float,
                 conn_lost_cb=None) -> None:
        self._sock, self._server_name = sock, server_name
        super().__init__(host=server_name, port=0, timeout=timeout, ssl_context=context, conn_lost_cb=conn_lost_cb)

    def create_client(self, host, port, loop, conn_lost_cb=None, ssl_context=None) -> None:
        local_loop = loop if loop is not None else asyncio.get_running_loop()
        self.protocol = aioimaplib.IMAP4ClientProtocol(local_loop, conn_lost_cb)
        self._client_task = local_loop.create_task(local_loop.create_connection(
            lambda: self.protocol, sock=self._sock, ssl=ssl_context,
            server_hostname=self._server_name if ssl_context else None))

    async def starttls(self, context: ssl.SSLContext) -> None:
        response = await self.protocol.execute(aioimaplib.Command("STARTTLS", self.protocol.new_tag(),
                                                                  loop=self.protocol.loop))
        if response.result != "OK":
            raise ImapRefused(_("The server refused STARTTLS."))
        loop = asyncio.get_running_loop()
        transport = await asyncio.wait_for(loop.start_tls(self.protocol.transport, self.protocol, context,
                                                          server_hostname=self._server_name), self.timeout)
        self.protocol.transport = transport
