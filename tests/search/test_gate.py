"""The search gate: searches run one at a time, and side by side only once the running ones
have run long. Driven by events, with a tiny 'long' threshold; nothing asserts a time."""

from __future__ import annotations

import asyncio

from app.search.gate import SearchGate


async def _search(gate: SearchGate, name: str, log: list[str], release: asyncio.Event) -> None:
    async with gate.slot():
        log.append(f"start {name}")
        await release.wait()
        log.append(f"end {name}")


async def test_quick_searches_take_turns():
    gate, log = SearchGate(size=4, long_after=60), []
    first, second = asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(_search(gate, "a", log, first))
    b = asyncio.create_task(_search(gate, "b", log, second))
    for _ in range(20):
        await asyncio.sleep(0)
    assert log == ["start a"] and gate.running == 1  # b waits: a has not run long
    second.set()
    first.set()
    await asyncio.gather(a, b)
    assert log == ["start a", "end a", "start b", "end b"]


async def test_a_long_search_lets_the_next_one_start_beside_it():
    gate, log = SearchGate(size=2, long_after=0.001), []
    slow, quick, third = asyncio.Event(), asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(_search(gate, "slow", log, slow))
    b = asyncio.create_task(_search(gate, "quick", log, quick))
    c = asyncio.create_task(_search(gate, "third", log, third))
    while "start quick" not in log:
        await asyncio.sleep(0.001)
    assert gate.running == 2 and "start third" not in log  # never more than `size`
    quick.set()
    while "start third" not in log:
        await asyncio.sleep(0.001)
    assert log.index("end quick") < log.index("start third") and "end slow" not in log
    slow.set()
    third.set()
    await asyncio.gather(a, b, c)
    assert gate.running == 0


async def test_a_cancelled_waiting_search_gives_nothing_up():
    gate, log = SearchGate(size=1, long_after=60), []
    first = asyncio.Event()
    a = asyncio.create_task(_search(gate, "a", log, first))
    b = asyncio.create_task(_search(gate, "b", log, asyncio.Event()))
    await asyncio.sleep(0.01)
    b.cancel()
    first.set()
    await a
    assert gate.running == 0
    async with gate.slot():  # the gate is free again
        assert gate.running == 1


async def test_waiting_searches_start_in_the_order_they_came():
    gate, log = SearchGate(size=2, long_after=0.001), []
    events = {name: asyncio.Event() for name in "abcd"}
    tasks = [asyncio.create_task(_search(gate, name, log, events[name])) for name in "abcd"]
    while "start b" not in log:
        await asyncio.sleep(0.001)
    assert [entry for entry in log if entry.startswith("start")] == ["start a", "start b"]
    for name in "abcd":
        events[name].set()
    await asyncio.gather(*tasks)
    assert [entry for entry in log if entry.startswith("start")] == ["start a", "start b", "start c", "start d"]
