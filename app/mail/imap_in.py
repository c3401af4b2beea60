"""The IMAP way in: one task per workspace that has its own IMAP inbox (issue 11 §1).

Each task connects (through probe.imap_connect: the SSRF guard, TLS or STARTTLS), selects the
folder and hands every message above the cursor to the pipeline (`MailIn.receive`), in UID
order. The cursor (imap_cursor: the folder's UIDVALIDITY and the last UID) moves in its own
short write only after the pipeline returned, so its effect is committed first: a crash or a
dropped connection between the two fetches that message again, and the pipeline's dedup makes
it a "duplicate". The \\Seen flag is never read nor set (BODY.PEEK): people reading the shared
inbox set it, and that must not hide mail from us. A new UIDVALIDITY (the folder was recreated)
starts again from UID 0, for the same reason harmlessly.

Then the task waits for news: IDLE when the server offers it (re-issued every 25 minutes, RFC
2177 asks for less than 29), else a poll every `[mail] imap_poll_seconds`. Any failure (the
network, the server, a database error in the pipeline) closes the connection and reconnects with
backoff, 1 s doubling to 5 min; the error is stored on the cursor (the mail settings page shows
it) and logged once per streak of failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time

import aioimaplib

from app import clock
from app.config import MailSettings
from app.db import write
from app.mail import probe, workspace_mail
from app.mail.inbound import MailIn
from app.mail.tables import ImapCursor
from app.mail.workspace_mail import Server
from app.workspaces.tables import Workspace

log = logging.getLogger("helprealm.mail.imap")

IDLE_SECONDS = 25 * 60
CHECK_SECONDS = 30.0  # how often the set of inboxes is compared with the settings
COMMAND_TIMEOUT = 60.0  # a command's silence (a FETCH's timer restarts with each chunk of data)
TOUCH_SECONDS = 60.0  # "last checked" is written at most this often while nothing arrives
FIRST_BACKOFF, LONGEST_BACKOFF = 1.0, 300.0
UNKNOWN_SIZE = 1 << 62

_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")


class ConnectionLost(Exception):
    pass


class ServerSaidNo(Exception):
    pass


# -- the cursor --------------------------------------------------------------------------------


async def cursor(workspace_id: int) -> dict | None:
    return await ImapCursor.select().where(ImapCursor.workspace == workspace_id).first()


async def _store(workspace_id: int, **values) -> None:
    """Upsert the workspace's cursor row in its own short write."""
    values["updated_at"] = clock.now()
    async with write():
        updated = await ImapCursor.update({getattr(ImapCursor, k): v for k, v in values.items()}).where(
            ImapCursor.workspace == workspace_id).returning(ImapCursor.id)
        if not updated:
            await ImapCursor(workspace=workspace_id, **values).save()


async def fetch_state(workspace_id: int) -> dict | None:
    """For the mail settings page: when the inbox was last checked and the last error."""
    row = await cursor(workspace_id)
    return {"checked_at": row["updated_at"], "error": row["last_error"]} if row else None


# -- one connection ----------------------------------------------------------------------------


class Connection:
    """A logged-in session on one folder. Every command races the connection's loss: aioimaplib
    would otherwise wait for its timeout on a connection that is gone."""

    def __init__(self) -> None:
        self.client: aioimaplib.IMAP4 | None = None
        self.lost = asyncio.Event()
        self.uidvalidity = 0

    @classmethod
    async def open(cls, server: Server, *, allow_private: bool, timeout: float = COMMAND_TIMEOUT) -> Connection:
        self = cls()
        self.client, _login = await probe.imap_connect(server, allow_private=allow_private, timeout=timeout,
                                                        conn_lost_cb=lambda _exc: self.lost.set())
        try:
            # After login the server may offer more (IDLE among them) than in its greeting.
            await self._call(self.client.protocol.capability(), timeout)
            selected = _ok(await self._call(self.client.select(server.folder)))
            match = next((m for line in selected.lines if isinstance(line, bytes)
                          and (m := _UIDVALIDITY.search(line))), None)
            if match is None:
                raise ServerSaidNo("SELECT answered without UIDVALIDITY")
            self.uidvalidity = int(match.group(1))
        except BaseException:
            self.close()
            raise
        return self

    @property
    def can_idle(self) -> bool:
        return self.client is not None and self.client.has_capability("IDLE")

    async def _call(self, awaitable, timeout: float | None = None):
        if self.lost.is_set():
            if asyncio.iscoroutine(awaitable):
                awaitable.close()  # never started: without this, "never awaited"
            raise ConnectionLost("The connection was closed.")
        task = asyncio.ensure_future(asyncio.wait_for(awaitable, timeout) if timeout else awaitable)
        lost = asyncio.ensure_future(self.lost.wait())
        try:
            await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # we were cancelled (stopping): so is the command
            task.cancel()
            raise
        finally:
            lost.cancel()
        if not task.done():
            task.cancel()
            raise ConnectionLost("The connection was closed by the server.")
        return task.result()

    async def new_messages(self, after_uid: int) -> list[tuple[int, int]]:
        """(uid, size) of the messages above `after_uid`, in UID order."""
        response = _ok(await self._call(self.client.uid("fetch", f"{after_uid + 1}:*", "(UID RFC822.SIZE)")))
        found = {}
        for line in response.lines:
            if isinstance(line, bytes) and (uid := _UID.search(line)):
                size = _SIZE.search(line)  # a server that leaves it out: fetched capped, as if large
                found[int(uid.group(1))] = int(size.group(1)) if size else UNKNOWN_SIZE
        # "n:*" always names the last message, even when its UID is below n.
        return sorted((uid, size) for uid, size in found.items() if uid > after_uid)

    async def body(self, uid: int, size: int, limit: int) -> bytes | None:
        """The raw message (None: expunged meanwhile). PEEK: the \\Seen flag stays as it was.
        A message over `limit` is fetched only to limit + 1 bytes: enough for the pipeline to
        quarantine it by size, without holding all of it."""
        part = "BODY.PEEK[]" if size <= limit else f"BODY.PEEK[]<0.{limit + 1}>"
        response = _ok(await self._call(self.client.uid("fetch", str(uid), part)))
        return next((bytes(line) for line in response.lines if isinstance(line, bytearray)), None)

    async def wait_for_news(self, stop: asyncio.Event, idle_seconds: float) -> None:
        """Return when the server announces new mail, after `idle_seconds`, or on `stop`."""
        idle = await self._call(self.client.idle_start(timeout=idle_seconds), COMMAND_TIMEOUT)
        try:
            while True:
                push = asyncio.ensure_future(self.client.wait_server_push(timeout=idle_seconds + 30))
                stopped = asyncio.ensure_future(stop.wait())
                lost = asyncio.ensure_future(self.lost.wait())
                done, pending = await asyncio.wait({push, stopped, lost}, return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
                if lost in done:
                    raise ConnectionLost("The connection was closed by the server.")
                if stopped in done or push not in done:
                    break
                lines = push.result()
                # STOP_WAIT_SERVER_PUSH: the IDLE's time is up. Anything but new mail (flags set
                # by a reader, "still here") is no reason to fetch.
                if lines == aioimaplib.STOP_WAIT_SERVER_PUSH or any(
                        isinstance(line, bytes) and (b"EXISTS" in line or b"RECENT" in line) for line in lines):
                    break
        finally:
            if not self.lost.is_set():
                self.client.idle_done()
        _ok(await self._call(idle, COMMAND_TIMEOUT))

    async def logout(self) -> None:
        with contextlib.suppress(Exception):
            await self._call(self.client.logout(), 5)

    def close(self) -> None:
        if self.client is not None:
            probe.imap_close(self.client)


def _ok(response: aioimaplib.Response) -> aioimaplib.Response:
    if response.result != "OK":
        text = " ".join(line.decode(errors="replace") for line in response.lines if isinstance(line, bytes))
        raise ServerSaidNo(f"{response.result} {text}"[:300])
    return response


# -- the job -----------------------------------------------------------------------------------


class ImapFetcher:
    """A background job (app/tasks.py): `run_forever` keeps one task per inbox; `run_once` (the
    tests, the bench) fetches every inbox once, without waiting for news."""

    name = "imap"

    def __init__(self, mail_in: MailIn, settings: MailSettings, *, first_backoff: float = FIRST_BACKOFF,
                 longest_backoff: float = LONGEST_BACKOFF, idle_seconds: float = IDLE_SECONDS,
                 check_seconds: float = CHECK_SECONDS) -> None:
        self.mail_in = mail_in
        self.settings = settings
        self.first_backoff, self.longest_backoff = first_backoff, longest_backoff
        self.idle_seconds = idle_seconds
        self.check_seconds = check_seconds
        self._watchers: dict[int, tuple[Server, asyncio.Task, asyncio.Event]] = {}
        self._touched: dict[int, float] = {}
        self.handed = 0  # messages handed to the pipeline so far (the bench's count)

    async def connect(self, server: Server) -> Connection:
        return await Connection.open(server, allow_private=self.settings.allow_private_hosts)

    async def drain(self, conn: Connection, workspace_id: int, server: Server) -> int:
        """Hand every message above the cursor to the pipeline; return how many. The cursor moves
        after each message; a pipeline error stops here and leaves it on the last one done."""
        row = await cursor(workspace_id)
        same = row is not None and row["uidvalidity"] == conn.uidvalidity and row["folder"] == server.folder
        last = row["last_uid"] if same else 0
        if not same:  # a new folder, or it was recreated: start again (the dedup keeps it harmless)
            if row is not None:
                log.info("IMAP inbox of workspace %s: folder %r has a new UIDVALIDITY; reading it again from the "
                         "start", workspace_id, server.folder)
            await _store(workspace_id, folder=server.folder, uidvalidity=conn.uidvalidity, last_uid=0, last_error="")
        workspace = None
        done = 0
        for uid, size in await conn.new_messages(last):
            if workspace is None:
                workspace = await Workspace.select().where(Workspace.id == workspace_id).first()
                if workspace is None or workspace["cancelled_at"] is not None:
                    return done
            raw = await conn.body(uid, size, self.settings.inbound_max_bytes)
            if raw is not None:  # None: expunged meanwhile, gone for good
                await self.mail_in.receive(workspace, raw, source="imap")
                done += 1
                self.handed += 1
            await _store(workspace_id, folder=server.folder, uidvalidity=conn.uidvalidity, last_uid=uid,
                         last_error="")
        now = time.monotonic()
        if done or (row and row["last_error"]) or now - self._touched.get(workspace_id, 0) > TOUCH_SECONDS:
            if not done:  # "last checked" (and a past error cleared) without moving anything
                await _store(workspace_id, last_error="")
            self._touched[workspace_id] = now
        return done

    async def fetch(self, workspace_id: int, server: Server) -> int:
        """Connect, hand what is new to the pipeline, log out."""
        conn = await self.connect(server)
        try:
            done = await self.drain(conn, workspace_id, server)
            await conn.logout()
        finally:
            conn.close()
        return done

    async def run_once(self) -> int:
        """Fetch every inbox once; return how many messages went to the pipeline."""
        before = self.handed
        for workspace_id, server in (await workspace_mail.imap_inboxes()).items():
            try:
                await self.fetch(workspace_id, server)
            except Exception as exc:
                await self._failed(workspace_id, exc, first=True)
        return self.handed - before

    async def run_forever(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self._sync()
                except Exception:  # a database error: the watchers go on, the next pass retries
                    log.exception("Could not read the IMAP inboxes to watch")
                await _wait(stop, self.check_seconds)
        finally:
            await asyncio.gather(*(self._unwatch(w) for w in list(self._watchers)))

    async def _sync(self) -> None:
        """Start a watcher per inbox, stop those whose settings changed or went away."""
        wanted = await workspace_mail.imap_inboxes()
        for workspace_id, (server, task, _stop) in list(self._watchers.items()):
            if wanted.get(workspace_id) != server or task.done():
                await self._unwatch(workspace_id)
        for workspace_id, server in wanted.items():
            if workspace_id not in self._watchers:
                stop = asyncio.Event()
                task = asyncio.create_task(self._watch(workspace_id, server, stop), name=f"imap-{workspace_id}")
                self._watchers[workspace_id] = (server, task, stop)

    async def _unwatch(self, workspace_id: int) -> None:
        _server, task, stop = self._watchers.pop(workspace_id)
        stop.set()
        try:
            await asyncio.wait_for(task, 10)
        except Exception:  # TimeoutError (wait_for cancelled it), or whatever the task died of
            log.exception("IMAP watcher of workspace %s did not end cleanly", workspace_id)

    async def _watch(self, workspace_id: int, server: Server, stop: asyncio.Event) -> None:
        """Fetch, wait for news, fetch again; on any failure reconnect after a growing pause."""
        failures = 0
        while not stop.is_set():
            conn = None
            try:
                conn = await self.connect(server)
                while not stop.is_set():
                    # Again until nothing is new: a server announces a message once, and news
                    # that came with a FETCH's answer is not repeated when IDLE starts.
                    while await self.drain(conn, workspace_id, server) and not stop.is_set():
                        pass
                    if failures:
                        log.info("IMAP inbox of workspace %s: working again", workspace_id)
                        failures = 0
                    if conn.can_idle:
                        await conn.wait_for_news(stop, self.idle_seconds)
                    else:
                        await _wait(stop, self.settings.imap_poll_seconds)
                await conn.logout()
            except Exception as exc:
                failures += 1
                await self._failed(workspace_id, exc, first=failures == 1)
                await _wait(stop, min(self.first_backoff * 2 ** (failures - 1), self.longest_backoff))
            finally:
                if conn is not None:
                    conn.close()

    async def _failed(self, workspace_id: int, exc: Exception, *, first: bool) -> None:
        text = f"{type(exc).__name__}: {exc}"[:1000]
        if first:  # once per streak: a server down for an hour is one line, not thousands
            expected = (OSError, TimeoutError, ConnectionLost, ServerSaidNo, probe.Unusable, probe.ImapRefused,
                        aioimaplib.AioImapException)
            log.warning("IMAP inbox of workspace %s failed, retrying with backoff: %s", workspace_id, text,
                        exc_info=not isinstance(exc, expected))
        try:
            await _store(workspace_id, last_error=text)
        except Exception:  # the database itself is the failure; the log has it
            pass


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
