"""The IMAP way in against a real Dovecot (tests/fixtures/dovecot.py): messages placed with APPEND
go through the fetcher into the real pipeline; the cursor, \\Seen, UIDVALIDITY, a server that
dies in the middle of a fetch, and IDLE."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from email import message_from_bytes

import pytest

from app.mail import workspace_mail
from app.mail.imap_in import Connection, ImapFetcher, cursor
from app.mail.inbound import MailIn
from app.mail.tables import InboundMail
from app.tickets.files import Storage
from app.tickets.tables import Ticket
from tests import factories, journeys
from tests.helpers import HTMX, free_port, soup

CUSTOMER = "sally@customer.test"


@pytest.fixture
def settings(settings):
    # The Dovecot of the tests is on loopback, which workspaces may not name by default.
    return settings.replace(mail={"allow_private_hosts": True})


class Recorder:
    """The pipeline, watched: what the fetcher handed it and what came of it. `fail` names
    Message-IDs whose next receive raises (as a database error would); `after` runs after each."""

    def __init__(self, inner: MailIn) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, int]] = []  # (Message-ID, outcome, bytes)
        self.fail: set[str] = set()
        self.after = None

    async def receive(self, workspace: dict, raw: bytes, *, source: str):
        assert source == "imap"
        message_id = message_from_bytes(raw)["Message-ID"] or ""
        if message_id in self.fail:
            self.fail.discard(message_id)
            raise RuntimeError("database is locked")
        outcome = await self.inner.receive(workspace, raw, source=source)
        self.calls.append((message_id, outcome.outcome, len(raw)))
        if self.after is not None:
            self.after(message_id)
        return outcome

    def ids(self) -> list[str]:
        return [c[0] for c in self.calls]


@pytest.fixture
async def pipeline(database, settings) -> Recorder:
    storage = Storage(directory=settings.attachments_path, max_bytes=settings.limits.upload_max_bytes)
    return Recorder(MailIn(settings, storage))


def new_mail(n: int, *, sender: str = CUSTOMER, subject: str | None = None, size: int = 0) -> bytes:
    subject = subject or f"Question number {n}"
    body = f"Hello, this is message {n}.\r\n" + "x" * size
    return (f"From: Sally Doe <{sender}>\r\nTo: help@acme.test\r\nSubject: {subject}\r\n"
            f"Message-ID: <m{n}.{time.monotonic_ns()}@customer.test>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()


async def inbox(dovecot, folder: str = "INBOX"):
    """A workspace whose own mail service reads a fresh Dovecot user's folder: (workspace, user)."""
    workspace, agent = await factories.workspace()
    user = dovecot.new_user()
    form = {"enabled": "on", "smtp_host": "127.0.0.1", "address": "help@acme.test", "imap_host": "127.0.0.1",
            "imap_port": str(dovecot.port), "imap_security": "none", "imap_folder": folder,
            "imap_username": user.name, "imap_password": user.password}
    await workspace_mail.save(await factories.viewer(agent), workspace_mail.MailInput.from_form(form))
    return workspace, user


def fetcher(pipeline: Recorder, settings, **options) -> ImapFetcher:
    return ImapFetcher(pipeline, settings.mail, **options)


async def tickets(workspace: dict) -> list[dict]:
    return await Ticket.select().where(Ticket.workspace == workspace["id"]).order_by(Ticket.id)


async def eventually(condition, timeout: float = 20.0, what: str = "condition"):
    """Wait for an async condition (no fixed sleeps): its value once truthy."""
    deadline = time.monotonic() + timeout
    while not (value := await condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        await asyncio.sleep(0.05)
    return value


async def test_new_messages_become_tickets_and_a_reply_lands_on_its_ticket(dovecot, pipeline, settings):
    workspace, user = await inbox(dovecot)
    user.append(new_mail(1))
    user.append(new_mail(2, sender="bob@customer.test"))

    assert await fetcher(pipeline, settings).run_once() == 2
    assert [c[1] for c in pipeline.calls] == ["created", "created"]
    first, second = await tickets(workspace)
    assert first["subject"] == "Question number 1" and second["customer_email"] == "bob@customer.test"

    user.append(new_mail(3, subject=f"Re: [ID:{first['hash']}] Question number 1"))
    assert await fetcher(pipeline, settings).run_once() == 1
    assert pipeline.calls[-1][1] == "appended"
    assert len(await tickets(workspace)) == 2
    row = await InboundMail.select().where(InboundMail.message_id == pipeline.calls[-1][0].strip("<>")).first()
    assert (row["source"], row["outcome"], row["ticket"]) == ("imap", "appended", first["id"])


async def test_the_cursor_survives_a_restart_and_nothing_is_processed_twice(dovecot, pipeline, settings):
    workspace, user = await inbox(dovecot)
    for n in range(3):
        user.append(new_mail(n))
    assert await fetcher(pipeline, settings).run_once() == 3
    assert await fetcher(pipeline, settings).run_once() == 0  # a new fetcher: the cursor is in the database
    uid = user.append(new_mail(3))
    assert await fetcher(pipeline, settings).run_once() == 1

    assert len(pipeline.calls) == 4 and len(set(pipeline.ids())) == 4
    assert len(await tickets(workspace)) == 4
    row = await cursor(workspace["id"])
    assert row["last_uid"] == uid and row["last_error"] == "" and row["updated_at"] is not None


async def test_mail_a_person_already_read_is_processed_and_we_mark_nothing_read(dovecot, pipeline, settings):
    workspace, user = await inbox(dovecot)
    read = user.append(new_mail(1), flags="\\Seen")
    unread = user.append(new_mail(2))

    assert await fetcher(pipeline, settings).run_once() == 2
    assert len(await tickets(workspace)) == 2
    assert b"\\Seen" in user.flags(read)
    assert b"\\Seen" not in user.flags(unread)  # BODY.PEEK: the shared inbox still shows it unread


async def test_a_new_uidvalidity_refetches_without_duplicates(dovecot, pipeline, settings):
    workspace, user = await inbox(dovecot, folder="Helpdesk")
    user.create("Helpdesk")
    old = [new_mail(1), new_mail(2)]
    for raw in old:
        user.append(raw, folder="Helpdesk")
    assert await fetcher(pipeline, settings).run_once() == 2
    before = (await cursor(workspace["id"]))["uidvalidity"]

    user.delete("Helpdesk")  # recreated (a restore, a migration): the same UIDs mean other messages
    user.create("Helpdesk")
    for raw in [*old, new_mail(3)]:
        user.append(raw, folder="Helpdesk")
    assert await fetcher(pipeline, settings).run_once() == 3

    assert [c[1] for c in pipeline.calls] == ["created", "created", "duplicate", "duplicate", "created"]
    assert len(await tickets(workspace)) == 3
    row = await cursor(workspace["id"])
    assert row["uidvalidity"] != before and row["last_uid"] == 3 and row["folder"] == "Helpdesk"


async def test_a_failing_message_is_tried_again_and_the_cursor_waits_for_it(dovecot, pipeline, settings):
    workspace, user = await inbox(dovecot)
    raws = [new_mail(n) for n in range(3)]
    uids = [user.append(raw) for raw in raws]
    pipeline.fail.add(message_from_bytes(raws[1])["Message-ID"])

    assert await fetcher(pipeline, settings).run_once() == 1  # the second raised: the batch stops there
    row = await cursor(workspace["id"])
    assert row["last_uid"] == uids[0] and "database is locked" in row["last_error"]

    assert await fetcher(pipeline, settings).run_once() == 2
    assert len(set(pipeline.ids())) == 3 and len(await tickets(workspace)) == 3
    row = await cursor(workspace["id"])
    assert row["last_uid"] == uids[2] and row["last_error"] == ""


async def test_a_message_over_the_limit_is_handed_on_capped_and_quarantined(dovecot, pipeline, settings):
    limit = 4000
    capped = ImapFetcher(pipeline, settings.replace(mail={"inbound_max_bytes": limit}).mail)
    pipeline.inner = MailIn(settings.replace(mail={"inbound_max_bytes": limit}), pipeline.inner.storage)
    workspace, user = await inbox(dovecot)
    user.append(new_mail(1, size=3 * limit))
    user.append(new_mail(2))

    assert await capped.run_once() == 2
    (_, outcome, size), (_, small, _) = pipeline.calls
    assert (outcome, size, small) == ("quarantined", limit + 1, "created")
    assert len(await tickets(workspace)) == 1


async def test_dovecot_stopped_in_the_middle_of_a_fetch_loses_and_doubles_nothing(dovecot, pipeline, settings):
    workspace, user = await inbox(dovecot)
    raws = [new_mail(n) for n in range(5)]
    uids = [user.append(raw) for raw in raws]
    stopped = asyncio.Event()

    def stop_dovecot_once(_message_id: str) -> None:
        if not stopped.is_set():  # right after the first message, before the fetcher asks for the second
            stopped.set()
            dovecot.stop()

    pipeline.after = stop_dovecot_once
    job = fetcher(pipeline, settings, first_backoff=0.05, longest_backoff=0.4)
    stop = asyncio.Event()
    task = asyncio.create_task(job.run_forever(stop))
    try:
        await eventually(stopped.wait, what="the first message")

        async def failed() -> bool:
            row = await cursor(workspace["id"])
            return bool(row and row["last_error"])

        await eventually(failed, what="the failure recorded")
        dovecot.start()

        async def all_done() -> bool:
            row = await cursor(workspace["id"])
            return row["last_uid"] == uids[-1] and row["last_error"] == ""

        await eventually(all_done, what="every message fetched")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        if dovecot.process is None:
            dovecot.start()

    assert Counter(pipeline.ids()) == Counter(message_from_bytes(raw)["Message-ID"] for raw in raws)
    assert [c[1] for c in pipeline.calls] == ["created"] * 5
    assert len(await tickets(workspace)) == 5


async def test_idle_picks_up_a_message_that_arrives_while_the_fetcher_waits(dovecot, pipeline, settings):
    workspace, user = await inbox(dovecot)
    user.append(new_mail(1))
    # Polling would take an hour: only IDLE can bring the second message in time.
    job = ImapFetcher(pipeline, settings.replace(mail={"imap_poll_seconds": 3600}).mail)
    stop = asyncio.Event()
    task = asyncio.create_task(job.run_forever(stop))
    try:
        async def tickets_made(n: int):
            async def check() -> bool:
                return len(await tickets(workspace)) == n
            return check

        await eventually(await tickets_made(1), what="the first ticket")
        user.append(new_mail(2))
        await eventually(await tickets_made(2), what="the ticket of the message sent during IDLE")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)  # IDLE ends when asked to stop
    assert len(pipeline.calls) == 2


async def test_only_enabled_inboxes_with_a_readable_password_are_watched(dovecot, pipeline, settings):
    workspace, user = await inbox(dovecot)
    assert set(await workspace_mail.imap_inboxes()) == {workspace["id"]}
    other, agent = await factories.workspace(company="Other", email="olga@other.test")
    form = {"smtp_host": "127.0.0.1", "address": "help@other.test", "imap_host": "127.0.0.1",
            "imap_password": "x"}  # not switched on
    await workspace_mail.save(await factories.viewer(agent), workspace_mail.MailInput.from_form(form))
    assert set(await workspace_mail.imap_inboxes()) == {workspace["id"]}



async def test_polling_without_idle_and_watchers_follow_the_settings(dovecot, pipeline, settings, monkeypatch):
    monkeypatch.setattr(Connection, "can_idle", property(lambda self: False))  # a server without IDLE
    workspace, user = await inbox(dovecot)
    # The job's own passes are an hour apart: the test makes them (`_sync`) when it needs one.
    job = ImapFetcher(pipeline, settings.replace(mail={"imap_poll_seconds": 0.1}).mail, check_seconds=3600)
    stop = asyncio.Event()
    task = asyncio.create_task(job.run_forever(stop))
    try:
        user.append(new_mail(1))

        async def ticket_count() -> int:
            return len(await tickets(workspace))

        await eventually(ticket_count, what="the polled message")
        watcher = job._watchers[workspace["id"]][1]
        _, agent = await factories.workspace(company="Other", email="olga@other.test")
        await workspace_mail.save(await factories.viewer(agent), workspace_mail.MailInput.from_form({}))
        await job._sync()
        assert job._watchers[workspace["id"]][1] is watcher  # another workspace's settings: no restart

        owner = await factories.viewer(await _superadmin(workspace))
        await workspace_mail.save(owner, workspace_mail.MailInput.from_form({}))  # switched off
        await job._sync()
        assert workspace["id"] not in job._watchers and watcher.done()
        user.append(new_mail(2))
        assert await fetcher(pipeline, settings).run_once() == 0  # nothing watches it any more
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
    assert len(pipeline.calls) == 1


async def _superadmin(workspace: dict) -> dict:
    from app.accounts.tables import Agent

    return await Agent.select().where(Agent.workspace == workspace["id"]).first()


async def test_the_mail_settings_page_shows_when_the_inbox_was_checked_and_the_error(client, person, settings):
    workspace, agent = await journeys.workspace_with_admin()
    await journeys.login(person)
    assert soup(await person.page("/admin/mail")).select_one("[data-imap-state]") is None

    form = {"enabled": "on", "smtp_host": "127.0.0.1", "address": "help@acme.test", "imap_host": "127.0.0.1",
            "imap_port": str(free_port()), "imap_security": "none", "imap_username": "ann", "imap_password": "pw"}
    await workspace_mail.save(await factories.viewer(agent), workspace_mail.MailInput.from_form(form))
    storage = Storage(directory=settings.attachments_path, max_bytes=1 << 20)
    assert await ImapFetcher(Recorder(MailIn(settings, storage)), settings.mail).run_once() == 0

    for headers in ({}, HTMX):
        state = soup(await person.page("/admin/mail", headers=headers)).select_one("[data-imap-state]")
        assert state is not None and "error" in state["class"]
        assert "Last error" in state.text and "ConnectionRefusedError" in state.text and state.select_one("time")



async def test_a_connection_lost_during_idle_reconnects_and_logs_once_per_streak(dovecot, pipeline, settings, caplog):
    workspace, user = await inbox(dovecot)
    user.append(new_mail(1))
    job = fetcher(pipeline, settings, first_backoff=0.05, longest_backoff=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(job.run_forever(stop))

    async def ticket_count() -> int:
        return len(await tickets(workspace))

    try:
        await eventually(ticket_count, what="the first ticket")
        dovecot.stop()  # the fetcher is idling (or about to): its connection drops

        async def failure() -> dict | None:
            row = await cursor(workspace["id"])
            return row if row["last_error"] else None

        first = await eventually(failure, what="the failure recorded")

        async def failed_again() -> bool:  # another try, after the backoff
            return (await cursor(workspace["id"]))["updated_at"] > first["updated_at"]

        await eventually(failed_again, what="a second attempt")
        dovecot.start()
        user.append(new_mail(2))

        async def both() -> bool:
            return await ticket_count() == 2

        await eventually(both, what="the message sent after the restart")
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        if dovecot.process is None:
            dovecot.start()
    warnings = [r for r in caplog.records if r.name == "helprealm.mail.imap" and r.levelname == "WARNING"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # one line per streak, not one per try
    assert (await cursor(workspace["id"]))["last_error"] == ""
