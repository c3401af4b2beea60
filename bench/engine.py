"""`python -m bench.engine`: Piccolo's stock SQLiteEngine against HelpRealm's engine (app/db.py)
on the same file: selects by key outside a transaction, autocommit inserts, and a request-shaped
mix (session row + agent + 25-row ticket list) run by 8 concurrent tasks. Prints queries/s.

Why: stock Piccolo opens a new aiosqlite connection (and thread) for every query outside a
transaction; HelpRealm keeps one reader and one writer per event loop."""

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


async def _measure(engine, seconds: float = 2.0) -> dict:
    item = tables_for(engine)

    async def rate(make_call, concurrency: int = 1) -> float:
        done = 0
        deadline = time.perf_counter() + seconds

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

    async def by_key(i):
        await item.select().where(item.id == i % ROWS + 1).first()

    async def insert(i):
        await item.insert(item(name="new", n=i))

    async def request_shaped(i):  # three reads, as a logged-in list page does
        await item.select().where(item.id == i % ROWS + 1).first()
        await item.select().where(item.id == (i * 7) % ROWS + 1).first()
        await item.select(item.id, item.name).where(item.n == i % 100).order_by(item.id, ascending=False).limit(25)

    return {
        "select by key /s": await rate(by_key),
        "insert autocommit /s": await rate(insert),
        "list request x8 /s": await rate(request_shaped, concurrency=8),
    }


async def main(runs: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "engine.sqlite"
        await _prepare(path)
        results: dict[str, dict[str, list[float]]] = {"stock SQLiteEngine": {}, "HelpRealmEngine": {}}
        for _ in range(runs):  # alternate, so both see the same machine noise
            for name, engine in (("stock SQLiteEngine", SQLiteEngine(path=str(path), timeout=30)),
                                 ("HelpRealmEngine", HelpRealmEngine(path=str(path)))):
                for key, value in (await _measure(engine)).items():
                    results[name].setdefault(key, []).append(value)
                if isinstance(engine, HelpRealmEngine):
                    await engine.close()
    keys = list(results["HelpRealmEngine"])
    print(f"{'median of ' + str(runs) + ' runs':24}" + "".join(f"{k:>22}" for k in keys))
    for name, figures in results.items():
        print(f"{name:24}" + "".join(f"{statistics.median(figures[k]):>22,.0f}" for k in keys))
    ours, stock = results["HelpRealmEngine"], results["stock SQLiteEngine"]
    ratio = [statistics.median(ours[k]) / statistics.median(stock[k]) for k in keys]
    print(f"{'ratio':24}" + "".join(f"{r:>21.1f}x" for r in ratio))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
