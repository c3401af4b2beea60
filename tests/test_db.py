"""The engine: long-lived connections, a pool of readers that keeps a long read from stalling the
others, BEGIN IMMEDIATE writes that never fail under concurrency, rollback leaves nothing behind,
callbacks that run after the outermost commit, and one set of connections per event loop.

Reads are held open with `gate('name')`, an SQL function that blocks the reader's thread until the
test opens the gate: which read waits for which is then decided by the test, not by the machine's
speed, so nothing here asserts a time."""

import asyncio
import logging
import sqlite3

import pytest

from app import db
from app.migrate import migrate
from app.workspaces.tables import Workspace

# -- writes and transactions ------------------------------------------------------------------


async def test_concurrent_read_then_write_transactions_all_succeed(engine):
    await Workspace(key="a" * 32, name="0").save()

    async def increment():
        async with db.write():
            row = await Workspace.select(Workspace.name).where(Workspace.key == "a" * 32).first()
            await asyncio.sleep(0)  # let the others try to interleave
            await Workspace.update({Workspace.name: str(int(row["name"]) + 1)}).where(Workspace.key == "a" * 32)

    results = await asyncio.gather(*[increment() for _ in range(20)], return_exceptions=True)
    assert [r for r in results if isinstance(r, Exception)] == []
    assert (await Workspace.select(Workspace.name).first())["name"] == "20"  # no lost update


async def test_failed_transaction_rolls_back_everything(engine):
    with pytest.raises(RuntimeError):
        async with db.write():
            await Workspace(key="b" * 32, name="half").save()
            raise RuntimeError("boom")
    assert await Workspace.count() == 0
    async with db.write():  # the writer is usable again afterwards
        await Workspace(key="c" * 32, name="ok").save()
    assert await Workspace.count() == 1


async def test_queries_reuse_long_lived_connections(engine):
    await Workspace.select().limit(1)
    conns = engine._conns()
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


async def test_reader_sees_committed_writes_only(engine):
    async with db.write():
        await Workspace(key="f" * 32, name="inside").save()
        # a plain select inside the transaction runs on the transaction's connection
        assert await Workspace.count() == 1
    assert await Workspace.count() == 1


async def test_writes_in_a_with_statement_go_to_the_writer_and_readers_refuse_writes(engine):
    await Workspace.raw("WITH v(k) AS (SELECT {}) INSERT INTO workspace (key, name) SELECT k, 'w' FROM v", "g" * 32)
    assert await Workspace.count() == 1
    [reader] = engine._conns().readers.opened
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await reader.execute("DELETE FROM workspace")
    assert await Workspace.count() == 1


async def test_configure_refuses_a_pool_size_outside_1_to_8(tmp_path):
    for size in (0, 9):
        with pytest.raises(ValueError):
            db.configure(tmp_path / "db.sqlite", read_connections=size)


# -- the reader pool --------------------------------------------------------------------------


async def test_on_commit_runs_after_the_commit_in_registration_order(engine):
    seen: list[tuple[str, int]] = []

    def committed_rows(label: str):
        def callback():
            # A separate connection sees the rows only once they are committed.
            with sqlite3.connect(engine.path) as other:
                seen.append((label, other.execute("SELECT count(*) FROM workspace").fetchone()[0]))
            assert engine.current_transaction.get() is None  # the transaction is over

        return callback

    async with db.write():
        await Workspace(key="i" * 32, name="x").save()
        db.on_commit(committed_rows("first"))
        db.on_commit(committed_rows("second"))
        assert seen == []
    assert seen == [("first", 1), ("second", 1)]


async def test_on_commit_callbacks_are_dropped_on_rollback(engine):
    calls: list[str] = []
    with pytest.raises(RuntimeError):
        async with db.write():
            db.on_commit(lambda: calls.append("rolled back"))
            raise RuntimeError("boom")
    async with db.write():  # a later transaction does not inherit them
        pass
    assert calls == []


async def test_nested_write_blocks_run_their_callbacks_once_at_the_outermost_commit(engine):
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


async def test_on_commit_outside_a_transaction_runs_at_once(engine):
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


async def test_a_raising_callback_is_logged_and_the_later_ones_still_run(engine, caplog):
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
