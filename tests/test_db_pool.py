"""The reader pool: a long read does not stall the others, the pool stays within its size, reads
keep their order, and cancelled or failed reads give their reader back.

Reads are held open with `gate('name')` (tests/db_probe.py); nothing here asserts a time."""

import asyncio
import sqlite3

import pytest

from app.workspaces.tables import Workspace
from tests.db_probe import HANG_GUARD_SECONDS, Probe, gated_read, until, use_readers


@pytest.fixture
async def probe(engine, monkeypatch):
    probe = Probe()
    real_connect = engine._connect

    async def connect_labelled(*pragmas):
        conn = await real_connect(*pragmas)
        await probe.label(conn)
        return conn

    monkeypatch.setattr(engine, "_connect", connect_labelled)
    await engine.close()  # start again with connections that all carry the functions
    yield probe
    probe.open_all_gates()  # a failed test must not leave a reader blocked: close() waits for it


async def test_short_reads_arriving_together_are_queued_on_one_reader(engine, probe):
    readers = await use_readers(engine, 3, long_read_after=3600)  # none runs long, however slow the machine
    rows = await asyncio.gather(*(Workspace.raw("SELECT conn_id() AS conn") for _ in range(10)))
    assert len({r[0]["conn"] for r in rows}) == 1
    assert len(readers.opened) == 1  # of 3 allowed: side by side would only fight for the GIL


async def test_a_quick_read_completes_on_another_reader_while_a_long_read_runs(engine, probe):
    readers = engine._conns().readers
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
async def test_the_pool_never_opens_more_readers_than_its_size(engine, probe, size):
    readers = await use_readers(engine, size, long_read_after=0)
    reads = [gated_read("busy") for _ in range(12)]
    await until(lambda: probe.arrived("busy") == size and readers.waiting == 12 - size, "all readers busy")
    assert len(readers.opened) == size
    probe.open_gate("busy")
    served_by = {rows[0]["conn"] for rows in await asyncio.gather(*reads)}
    assert len(served_by) == size and len(readers.opened) == size


async def test_one_reader_serves_waiting_reads_in_arrival_order_and_never_blocks_writes(engine, probe):
    readers = await use_readers(engine, 1, long_read_after=0)
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


async def test_a_cancelled_waiting_read_does_not_lose_a_reader(engine, probe):
    readers = await use_readers(engine, 1, long_read_after=0)
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


async def test_a_read_whose_turn_came_is_not_overtaken_by_a_later_one(engine, probe):
    readers = await use_readers(engine, 1, long_read_after=0)
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


async def test_reads_cancelled_just_before_or_just_after_their_turn_pass_it_on(engine, probe):
    # White-box: the two moments are made by hand, since no timing could hit them reliably.
    readers = await use_readers(engine, 1, long_read_after=0)
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


async def test_a_cancelled_long_read_is_interrupted_and_frees_its_reader(engine, probe):
    readers = await use_readers(engine, 1)
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


async def test_a_read_that_failed_gives_its_reader_back_and_a_broken_one_is_replaced(engine, probe):
    readers = await use_readers(engine, 1)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await Workspace.raw("SELECT * FROM no_such_table")
    [reader] = readers.opened
    assert await Workspace.count() == 0
    assert readers.opened == [reader]  # the same reader served the next read
    await reader.close()  # broken behind the pool's back
    assert await Workspace.count() == 0  # served by a new reader instead of failing
    assert len(readers.opened) == 1 and readers.opened != [reader]


# -- on_commit --------------------------------------------------------------------------------
