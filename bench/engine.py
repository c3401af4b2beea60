"""`python -m bench.engine [runs]`: Piccolo's stock SQLiteEngine against HelpRealm's engine
(app/db.py) on the same file, with one reader and with the default pool of three. Medians of the
runs of:

- selects by key outside a transaction, one after another; autocommit inserts; a request-shaped
  mix (two rows by key + a 25-row list) run by 8 concurrent tasks (requests/s) (not for 1 reader);
- the 25-row list read by 4 concurrent tasks (queries/s);
- the latency of short reads (by key, one after another) while other tasks keep a long read
  (a recursive CTE of a few hundred ms, standing in for an export) running: p50 and p95 in ms.

Why: stock Piccolo opens a new aiosqlite connection (and thread) for every query outside a
transaction; HelpRealm keeps one writer and a small pool of readers per event loop."""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from piccolo.columns import Integer, Varchar
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from app.db import HelpRealmEngine

ROWS = 2000
SECONDS = 2.0  # per figure and engine
# ~0.3 s of SQLite work in one statement, holding one reader the whole time.
LONG_READ = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 750000) SELECT count(*) FROM c"
ONE_READER = "HelpRealmEngine, 1 reader"
ENGINES = {  # ours with the default pool of 3 readers, and with 1
    "stock SQLiteEngine": lambda path: SQLiteEngine(path=path, timeout=30),
    "HelpRealmEngine": lambda path: HelpRealmEngine(path=path),
    ONE_READER: lambda path: HelpRealmEngine(path=path, read_connections=1),
}
ORIGINAL_ENGINES = ["stock SQLiteEngine", "HelpRealmEngine"]


def tables_for(engine):
    class Item(Table, db=engine, tablename="item"):
        name = Varchar(length=50)
        n = Integer(index=True)

    return Item


async def _prepare(path: Path) -> None:
    engine = HelpRealmEngine(path=str(path))
    item = tables_for(engine)
    await item.create_table(if_not_exists=True)
    async with engine.transaction():
        await item.insert(*[item(name=f"item {i}", n=i % 100) for i in range(ROWS)])
    await engine.close()


async def _rate(make_call, concurrency: int = 1) -> float:
    done = 0
    deadline = time.perf_counter() + SECONDS

    async def worker(k: int) -> None:
        nonlocal done
        i = k
        while time.perf_counter() < deadline:
            await make_call(i)
            done += 1
            i += concurrency

    start = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    return done / (time.perf_counter() - start)


async def _latency_beside_long_reads(item, short_read, long_tasks: int = 1) -> list[float]:
    """Milliseconds per short read while `long_tasks` tasks run LONG_READ back to back."""
    stop = False

    async def keep_reading_long() -> None:
        while not stop:
            await item.raw(LONG_READ)

    long_reads = [asyncio.create_task(keep_reading_long()) for _ in range(long_tasks)]
    await asyncio.sleep(0.01)  # let the long reads take their readers first
    latencies: list[float] = []
    deadline = time.perf_counter() + SECONDS
    i = 0
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        await short_read(i)
        latencies.append((time.perf_counter() - start) * 1000)
        i += 1
    stop = True
    await asyncio.gather(*long_reads)
    return latencies


def _queries(engine):
    item = tables_for(engine)

    async def by_key(i):
        await item.select().where(item.id == i % ROWS + 1).first()

    async def insert(i):
        await item.insert(item(name="new", n=i))

    async def list_rows(i):
        await item.select(item.id, item.name).where(item.n == i % 100).order_by(item.id, ascending=False).limit(25)

    async def request_shaped(i):  # three reads, as a logged-in list page does
        await item.select().where(item.id == i % ROWS + 1).first()
        await item.select().where(item.id == (i * 7) % ROWS + 1).first()
        await list_rows(i)

    return item, by_key, insert, list_rows, request_shaped


async def _measure_original(engine) -> dict[str, float]:
    """The figures this bench had before the reader pool, measured the same way."""
    _, by_key, insert, _, request_shaped = _queries(engine)
    return {
        "select by key /s": await _rate(by_key),
        "insert autocommit /s": await _rate(insert),
        "list request x8 /s": await _rate(request_shaped, concurrency=8),
    }


async def _measure_pool(engine) -> dict[str, float]:
    """What the pool changes; read-only, so the table stays as the original figures left it."""
    item, by_key, _, list_rows, _ = _queries(engine)
    beside_long = await _latency_beside_long_reads(item, by_key)
    return {
        "list reads x4 /s": await _rate(list_rows, concurrency=4),
        "by key p50 ms, long read on": statistics.median(beside_long),
        "by key p95 ms, long read on": statistics.quantiles(beside_long, n=20)[18],
    }


async def main(runs: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "engine.sqlite"
        await _prepare(path)
        results: dict[str, dict[str, list[float]]] = {name: {} for name in ENGINES}
        for _ in range(runs):  # alternate, so every engine sees the same machine noise
            # The original figures first, for stock and ours only, back to back as before the pool,
            # so that older runs of this bench stay comparable; then the pool's, for every engine.
            for measure, names in ((_measure_original, ORIGINAL_ENGINES), (_measure_pool, list(ENGINES))):
                for name in names:
                    engine = ENGINES[name](str(path))
                    for key, value in (await measure(engine)).items():
                        results[name].setdefault(key, []).append(value)
                    if isinstance(engine, HelpRealmEngine):
                        await engine.close()
    medians = {name: {k: statistics.median(v) for k, v in figures.items()} for name, figures in results.items()}
    header = "".join(f"{name:>28}" for name in ENGINES)
    print(f"{'median of ' + str(runs) + ' runs':30}{header}{'ours vs stock':>16}")
    for key in medians["HelpRealmEngine"]:
        ours, stock = medians["HelpRealmEngine"][key], medians["stock SQLiteEngine"][key]
        in_ms = " ms" in key  # a latency: lower is better
        gain = stock / ours if in_ms else ours / stock  # above 1: ours is better
        cells = (medians[name].get(key) for name in ENGINES)
        line = "".join(f"{'-':>28}" if v is None else f"{v:>28,.{1 if in_ms else 0}f}" for v in cells)
        print(f"{key:30}{line}{gain:>15.1f}x")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
