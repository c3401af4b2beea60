"""When a search may start: one at a time, unless the one running has run long.

Whoosh is pure Python, so searches in threads share one core through the GIL; several at once
are slower in total than one after another (4 concurrent searches of a common word at 10,000
tickets: 28 searches/s against 47 one at a time). But one long search (an OR of many common
words: a second or more) must not hold up every agent's quick one. So searches queue, and only
when every running search has run LONG_SEARCH_SECONDS may another start beside them, up to `size`.
This is the reader pool's rule (app/db_pool.py) for the search index.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator

LONG_SEARCH_SECONDS = 0.1  # a common word takes ~20-30 ms at 10,000 tickets


class SearchGate:
    def __init__(self, size: int, long_after: float = LONG_SEARCH_SECONDS) -> None:
        self.size = size
        self.long_after = long_after
        self._running: list[float] = []  # when each running search started (loop time)
        self._waiting: deque[object] = deque()  # searches waiting for their turn, in arrival order
        self._changed: asyncio.Condition | None = None

    @property
    def running(self) -> int:
        return len(self._running)

    def _may_start(self, now: float) -> bool:
        if not self._running:
            return True
        return len(self._running) < self.size and all(now - started >= self.long_after for started in self._running)

    def _wait_for(self, now: float) -> float | None:
        """How long until the youngest running search counts as long (None: wait for one to end)."""
        if len(self._running) >= self.size:
            return None
        return max(max(self._running) + self.long_after - now, 0.0005)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for this search's turn (first come, first served), then hold a place while it runs."""
        loop = asyncio.get_running_loop()
        if self._changed is None:
            self._changed = asyncio.Condition()
        me = object()
        async with self._changed:
            self._waiting.append(me)
            try:
                while self._waiting[0] is not me or not self._may_start(loop.time()):
                    timeout = self._wait_for(loop.time()) if self._waiting[0] is me else None
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), timeout)
            except BaseException:  # cancelled while waiting: let the next in line look again
                self._waiting.remove(me)
                self._changed.notify_all()
                raise
            self._waiting.popleft()
            started = loop.time()
            self._running.append(started)
            self._changed.notify_all()  # the next in line now heads the queue
        try:
            yield
        finally:
            async with self._changed:
                self._running.remove(started)
                self._changed.notify_all()
