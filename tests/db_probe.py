"""Helpers for the engine's tests: a probe that labels every connection and lets a test hold reads
open at a gate, so which read waits for which is decided by the test, not by the machine's speed."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from pathlib import Path

import pytest

from app import db
from app.workspaces.tables import Workspace

# Guards against a broken engine hanging the run; never a measure of speed.
HANG_GUARD_SECONDS = 60


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
