"""The engine: long-lived connections, a pool of readers that keeps a long read from stalling the
others, BEGIN IMMEDIATE writes that never fail under concurrency, rollback leaves nothing behind,
callbacks that run after the outermost commit, and one set of connections per event loop.

Reads are held open with `gate('name')`, an SQL function that blocks the reader's thread until the
test opens the gate: which read waits for which is then decided by the test, not by the machine's
speed, so nothing here asserts a time."""

import asyncio
import logging
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import pytest

from app import db
from app.migrate import migrate
from app.workspaces.tables import Workspace

# Guards against a broken engine hanging the run; never a measure of speed.
HANG_GUARD_SECONDS = 60


@pytest.fixture
async def database(tmp_path):
    db.configure(tmp_path / "db.sqlite")
    await migrate()
    yield db.ENGINE
    await db.ENGINE.close()


class Probe:
    """Gives every connection the engine opens two SQL functions: `conn_id()`, the connection's
    number, to tell which connection served a query, and `gate(name)`, which blocks until
    `open_gate(name)` (each call is counted, so the test knows a read reached its gate)."""

    def __init__(self) -> None:
        self.connections_opened = 0
        self._gates: dict[str, threading.Event] = {}
        self._arrivals: Counter[str] = Counter()
        self._lock = threading.Lock()  # the functions run in the connections' threads

    async def label(self, conn) -> None:
        number = self.connections_opened
        self.connections_opened += 1
        await conn.create_function("conn_id", 0, lambda: number)
        await conn.create_function("gate", 1, self._pass_gate)

    def _event(self, name: str) -> threading.Event:
        with self._lock:
            return self._gates.setdefault(name, threading.Event())

    def _pass_gate(self, name: str) -> int:
        event = self._event(name)
        with self._lock:
            self._arrivals[name] += 1
        event.wait(HANG_GUARD_SECONDS)
        return 1

    def arrived(self, name: str) -> int:
        with self._lock:
            return self._arrivals[name]

    def open_gate(self, name: str) -> None:
        self._event(name).set()

    def open_all_gates(self) -> None:
        with self._lock:
            events = list(self._gates.values())
        for event in events:
            event.set()


@pytest.fixture
async def probe(database, monkeypatch):
    probe = Probe()
    real_connect = database._connect

    async def connect_labelled(*pragmas):
        conn = await real_connect(*pragmas)
        await probe.label(conn)
        return conn

    monkeypatch.setattr(database, "_connect", connect_labelled)
    await database.close()  # start again with connections that all carry the functions
    yield probe
    probe.open_all_gates()  # a failed test must not leave a reader blocked: close() waits for it


async def use_readers(engine, read_connections: int, long_read_after: float | None = None):
    """Reconfigure the pool size and return this loop's (fresh) pool. `long_read_after=0` makes
    every read count as long at once, so each read takes a reader of its own: the classic pool."""
    db.configure(Path(engine.path), read_connections=read_connections)
    await engine.close()
    readers = engine._conns().readers
    if long_read_after is not None:
        readers.long_read_after = long_read_after
    return readers


async def until(condition, what: str) -> None:
    for _ in range(HANG_GUARD_SECONDS * 1000):
        if condition():
            return
        await asyncio.sleep(0.001)
    pytest.fail(f"never happened: {what}")


def gated_read(gate: str):
    return asyncio.create_task(Workspace.raw(f"SELECT gate('{gate}') AS passed, conn_id() AS conn").run())


# -- writes and transactions ------------------------------------------------------------------


async def test_concurrent_read_then_write_transactions_all_succeed(database):
    await Workspace(key="a" * 32, name="0").save()

    async def increment():
        async with db.write():
            row = await Workspace.select(Workspace.name).where(Workspace.key == "a" * 32).first()
            await asyncio.sleep(0)  # let the others try to interleave
            await Workspace.update({Workspace.name: str(int(row["name"]) + 1)}).where(Workspace.key == "a" * 32)

    results = await asyncio.gather(*[increment() for _ in range(20)], return_exceptions=True)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert (await Workspace.select(Workspace.name).first())["name"] == "20"  # no lost update


async def test_failed_transaction_rolls_back_everything(database):
    with pytest.raises(RuntimeError):
        async with db.write():
            await Workspace(key="b" * 32, name="half").save()
            raise RuntimeError("boom")
    assert await Workspace.count() == 0
    async with db.write():  # the writer is usable again afterwards
        await Workspace(key="c" * 32, name="ok").save()
    assert await Workspace.count() == 1


async def test_queries_reuse_long_lived_connections(database):
    await Workspace.select().limit(1)
    conns = database._conns()
    [reader] = conns.readers.opened
    for _ in range(5):  # one read after another never needs a second reader
        await Workspace.select().limit(1)
    async with db.write():
        await Workspace(key="d" * 32, name="x").save()
    writer = conns.writer
    await Workspace(key="e" * 32, name="y").save()  # autocommit write goes to the same writer
    assert conns.readers.opened == [reader] and conns.writer is writer
    assert reader is not writer
    mode = await reader.execute_fetchall("PRAGMA journal_mode")
    assert list(mode[0].values())[0] == "wal"


async def test_reader_sees_committed_writes_only(database):
    async with db.write():
        await Workspace(key="f" * 32, name="inside").save()
        # a plain select inside the transaction runs on the transaction's connection
        assert await Workspace.count() == 1
    assert await Workspace.count() == 1


async def test_writes_in_a_with_statement_go_to_the_writer_and_readers_refuse_writes(database):
    await Workspace.raw("WITH v(k) AS (SELECT {}) INSERT INTO workspace (key, name) SELECT k, 'w' FROM v", "g" * 32)
    assert await Workspace.count() == 1
    [reader] = database._conns().readers.opened
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await reader.execute("DELETE FROM workspace")
    assert await Workspace.count() == 1


async def test_configure_refuses_a_pool_size_outside_1_to_8(tmp_path):
    for size in (0, 9):
        with pytest.raises(ValueError):
            db.configure(tmp_path / "db.sqlite", read_connections=size)


# -- the reader pool --------------------------------------------------------------------------


async def test_short_reads_arriving_together_are_queued_on_one_reader(database, probe):
    readers = await use_readers(database, 3, long_read_after=3600)  # none runs long, however slow the machine
    rows = await asyncio.gather(*(Workspace.raw("SELECT conn_id() AS conn") for _ in range(10)))
    assert len({r[0]["conn"] for r in rows}) == 1
    assert len(readers.opened) == 1  # of 3 allowed: side by side would only fight for the GIL


async def test_a_quick_read_completes_on_another_reader_while_a_long_read_runs(database, probe):
    readers = database._conns().readers
    long_read = gated_read("export")
    await until(lambda: probe.arrived("export") == 1, "the long read holds its reader")
    loop = asyncio.get_running_loop()
    running_since = loop.time()
    await until(lambda: loop.time() - running_since >= readers.long_read_after, "the long read ran long")
    [quick] = await Workspace.raw("SELECT conn_id() AS conn")
    assert not long_read.done()  # the quick read did not queue behind it
    probe.open_gate("export")
    [long] = await long_read
    assert quick["conn"] != long["conn"]


@pytest.mark.parametrize("size", [1, 3])
async def test_the_pool_never_opens_more_readers_than_its_size(database, probe, size):
    readers = await use_readers(database, size, long_read_after=0)
    reads = [gated_read("busy") for _ in range(12)]
    await until(lambda: probe.arrived("busy") == size and readers.waiting == 12 - size, "all readers busy")
    assert len(readers.opened) == size
    probe.open_gate("busy")
    served_by = {rows[0]["conn"] for rows in await asyncio.gather(*reads)}
    assert len(served_by) == size and len(readers.opened) == size


async def test_one_reader_serves_waiting_reads_in_arrival_order_and_never_blocks_writes(database, probe):
    readers = await use_readers(database, 1, long_read_after=0)
    holder = gated_read("hold")
    await until(lambda: probe.arrived("hold") == 1, "the only reader is held")
    finished: list[int] = []

    async def read(number: int) -> None:
        await Workspace.count()
        finished.append(number)

    waiting = [asyncio.create_task(read(n)) for n in range(3)]
    await until(lambda: readers.waiting == 3, "three reads queued")
    await Workspace(key="h" * 32, name="written meanwhile").save()  # the writer is not in the pool
    assert finished == []
    probe.open_gate("hold")
    await asyncio.gather(holder, *waiting)
    assert finished == [0, 1, 2]
    assert len(readers.opened) == 1


async def test_a_cancelled_waiting_read_does_not_lose_a_reader(database, probe):
    readers = await use_readers(database, 1, long_read_after=0)
    holder = gated_read("hold")
    await until(lambda: probe.arrived("hold") == 1, "the only reader is held")
    waiter = asyncio.create_task(Workspace.count().run())
    await until(lambda: readers.waiting == 1, "a read waits for the reader")
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    probe.open_gate("hold")
    await holder
    # Had the cancelled read kept its place, this one would wait forever.
    assert await asyncio.wait_for(Workspace.count(), HANG_GUARD_SECONDS) == 0
    assert len(readers.opened) == 1 and readers.waiting == 0


async def test_a_read_whose_turn_came_is_not_overtaken_by_a_later_one(database, probe):
    readers = await use_readers(database, 1, long_read_after=0)
    finished: list[str] = []

    async def read(name: str, sql: str) -> None:
        await Workspace.raw(sql)
        finished.append(name)

    async def hold_then_read_again() -> None:
        await read("holder", "SELECT gate('hold')")
        # In the same step that handed the turn to `waiter`, with the reader free to take more:
        await read("later", "SELECT 1")

    holder = asyncio.create_task(hold_then_read_again())
    await until(lambda: probe.arrived("hold") == 1, "the only reader is held")
    waiter = asyncio.create_task(read("waiter", "SELECT 1"))
    await until(lambda: readers.waiting == 1, "a read waits for the reader")
    readers.long_read_after = 3600  # once free, the reader takes reads without waiting for each
    probe.open_gate("hold")
    await asyncio.gather(holder, waiter)
    assert finished == ["holder", "waiter", "later"]


async def test_reads_cancelled_just_before_or_just_after_their_turn_pass_it_on(database, probe):
    # White-box: the two moments are made by hand, since no timing could hit them reliably.
    readers = await use_readers(database, 1, long_read_after=0)
    holder = gated_read("hold")
    await until(lambda: probe.arrived("hold") == 1, "the only reader is held")
    first, second, third = (asyncio.create_task(Workspace.count().run()) for _ in range(3))
    await until(lambda: readers.waiting == 3, "three reads queued")
    first.cancel()  # cancelled while queued, before its task could leave the queue...
    readers.long_read_after = 3600  # ...when the held read no longer counts as long,
    readers._wake_waiters()  # and the turns are handed out: they skip `first`
    second.cancel()  # its turn has come but it has not run yet: it must give its place back
    probe.open_gate("hold")
    results = await asyncio.wait_for(asyncio.gather(first, second, third, return_exceptions=True), HANG_GUARD_SECONDS)
    assert [type(r) for r in results[:2]] == [asyncio.CancelledError, asyncio.CancelledError]
    assert results[2] == 0
    await holder
    assert readers.waiting == readers._handed_out == readers._opening == 0
    assert [lane.in_flight for lane in readers._lanes] == [0]


async def test_a_cancelled_long_read_is_interrupted_and_frees_its_reader(database, probe):
    readers = await use_readers(database, 1)
    probe.open_gate("started")  # passes at once; the count tells that the statement is running
    endless = asyncio.create_task(
        Workspace.raw(
            "WITH RECURSIVE n(x) AS (SELECT gate('started') UNION ALL SELECT x + 1 FROM n WHERE x < 4e9) "
            "SELECT count(*) AS rows FROM n"
        ).run()
    )
    await until(lambda: probe.arrived("started") == 1, "the long read is running")
    endless.cancel()
    with pytest.raises(asyncio.CancelledError):
        await endless
    # The same (only) reader answers: the long statement no longer occupies it.
    assert await asyncio.wait_for(Workspace.count(), HANG_GUARD_SECONDS) == 0
    assert len(readers.opened) == 1


async def test_a_read_that_failed_gives_its_reader_back_and_a_broken_one_is_replaced(database, probe):
    readers = await use_readers(database, 1)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await Workspace.raw("SELECT * FROM no_such_table")
    [reader] = readers.opened
    assert await Workspace.count() == 0
    assert readers.opened == [reader]  # the same reader served the next read
    await reader.close()  # broken behind the pool's back
    assert await Workspace.count() == 0  # served by a new reader instead of failing
    assert len(readers.opened) == 1 and readers.opened != [reader]


# -- on_commit --------------------------------------------------------------------------------


async def test_on_commit_runs_after_the_commit_in_registration_order(database):
    seen: list[tuple[str, int]] = []

    def committed_rows(label: str):
        def callback():
            # A separate connection sees the rows only once they are committed.
            with sqlite3.connect(database.path) as other:
                seen.append((label, other.execute("SELECT count(*) FROM workspace").fetchone()[0]))
            assert database.current_transaction.get() is None  # the transaction is over

        return callback

    async with db.write():
        await Workspace(key="i" * 32, name="x").save()
        db.on_commit(committed_rows("first"))
        db.on_commit(committed_rows("second"))
        assert seen == []
    assert seen == [("first", 1), ("second", 1)]


async def test_on_commit_callbacks_are_dropped_on_rollback(database):
    calls: list[str] = []
    with pytest.raises(RuntimeError):
        async with db.write():
            db.on_commit(lambda: calls.append("rolled back"))
            raise RuntimeError("boom")
    async with db.write():  # a later transaction does not inherit them
        pass
    assert calls == []


async def test_nested_write_blocks_run_their_callbacks_once_at_the_outermost_commit(database):
    calls: list[str] = []
    async with db.write():
        db.on_commit(lambda: calls.append("outer"))
        async with db.write():
            db.on_commit(lambda: calls.append("nested"))
        assert calls == []  # the nested block's end is not a commit
    assert calls == ["outer", "nested"]
    async with db.write():
        pass
    assert calls == ["outer", "nested"]


async def test_on_commit_outside_a_transaction_runs_at_once(database):
    calls: list[str] = []
    db.on_commit(lambda: calls.append("now"))
    assert calls == ["now"]

    async def after_the_transaction_ended(started_inside: asyncio.Event):
        await started_inside.wait()  # this task inherited the context of a transaction now over
        db.on_commit(lambda: calls.append("late"))

    go = asyncio.Event()
    async with db.write():
        late = asyncio.create_task(after_the_transaction_ended(go))
    go.set()
    await late
    assert calls == ["now", "late"]


async def test_a_raising_callback_is_logged_and_the_later_ones_still_run(database, caplog):
    calls: list[str] = []

    def broken():
        raise RuntimeError("index unavailable")

    with caplog.at_level(logging.ERROR, logger="helprealm.db"):
        async with db.write():
            db.on_commit(broken)
            db.on_commit(lambda: calls.append("after"))
    assert calls == ["after"]
    [record] = [r for r in caplog.records if r.name == "helprealm.db"]
    assert record.exc_info[0] is RuntimeError


# -- migrations -------------------------------------------------------------------------------


async def test_migrate_runs_pending_migrations_once(tmp_path):
    from app.migrate import applied_ids, checked_in_ids, pending

    db.configure(tmp_path / "fresh.sqlite")
    try:
        ids = checked_in_ids()
        assert len(ids) >= 2  # read from the files: m0001_initial, m0002_composite_indexes, ...
        assert await pending() == ids  # an empty file has everything pending
        report = await migrate()
        assert "No migrations need to be run" not in report
        assert await applied_ids() == ids and await pending() == set()
        assert await migrate() == "No migrations need to be run"  # the runner is not even started
        assert await Workspace.count() == 0  # and the tables are there
    finally:
        await db.ENGINE.close()
