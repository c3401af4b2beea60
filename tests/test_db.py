"""The engine: long-lived connections, BEGIN IMMEDIATE writes that never fail under concurrency,
rollback leaves nothing behind, and one connection pair per event loop."""

import asyncio

import pytest

from app import db
from app.migrate import migrate
from app.workspaces.tables import Workspace


@pytest.fixture
async def database(tmp_path):
    db.configure(tmp_path / "db.sqlite")
    await migrate()
    yield db.ENGINE
    await db.ENGINE.close()


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
    reader = conns.reader
    for _ in range(5):
        await Workspace.select().limit(1)
    async with db.write():
        await Workspace(key="d" * 32, name="x").save()
    writer = conns.writer
    await Workspace(key="e" * 32, name="y").save()  # autocommit write goes to the same writer
    assert conns.reader is reader and conns.writer is writer
    assert reader is not writer
    mode = await reader.execute_fetchall("PRAGMA journal_mode")
    assert list(mode[0].values())[0] == "wal"


async def test_reader_sees_committed_writes_only(database):
    async with db.write():
        await Workspace(key="f" * 32, name="inside").save()
        # a plain select inside the transaction runs on the transaction's connection
        assert await Workspace.count() == 1
    assert await Workspace.count() == 1


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
