"""The reader pool of app/db.py: up to N read-only connections of one event loop, and how reads are
spread over them so that one long read (an export) does not stall every page."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Any

import aiosqlite

# A read still running after this long counts as long: the next reads go to another reader.
# Short reads take ~0.1-1 ms; only the reads queued in this window wait for a long one.
LONG_READ_SECONDS = 0.01


def _is_usable(conn: aiosqlite.Connection) -> bool:
    """A reader can serve the next read unless aiosqlite closed it (the property then raises
    ValueError) or it was somehow left inside a transaction."""
    try:
        return not conn.in_transaction
    except ValueError:
        return False


class _Lane:
    """One reader connection and how many reads are queued on it (aiosqlite runs them in order)."""

    __slots__ = ("conn", "in_flight", "running_since")

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.in_flight = 0
        self.running_since = 0.0  # when the read now running on it started (as the loop saw it)


_OPEN_ONE = object()  # what a read is given when it must open a new reader


class ReaderPool:
    """Up to `size` reader connections of one event loop, opened on demand.

    Reads are queued on the most recently used reader (aiosqlite runs them one after another
    without waiting for the event loop) until the read it is running has run `long_read_after`
    seconds: then the next reads go to another reader, opened if need be, so a long read (an
    export) stalls only the reads queued behind it before it ran long. When every reader is busy
    with a long read and `size` are open, reads wait their turn, first come, first served.

    Why not one read per reader, side by side: the event loop's Python, not SQLite, limits short
    reads. Measured with 8 tasks of short reads on 2 cores (bench.engine): reads queued on one
    reader ~2,100 requests/s; one read at a time ~1,350 (the thread idles until the loop hands it
    the next); three readers side by side ~1,100 (the extra threads only fight over the GIL)."""

    def __init__(self, size: int, connect: Callable[[], Any], long_read_after: float = LONG_READ_SECONDS) -> None:
        self.size = size
        self.long_read_after = long_read_after
        self._lanes: list[_Lane] = []  # the most recently used last
        self._opening = 0
        self._waiters: deque[asyncio.Future] = deque()
        self._handed_out = 0  # turns given to waiters that have not sent their read yet
        self._loop = asyncio.get_running_loop()
        self._connect = connect
        self._closed = False

    @property
    def opened(self) -> list[aiosqlite.Connection]:
        return [lane.conn for lane in self._lanes]

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def fetchall(self, query: str, args: list[Any]) -> list[dict]:
        # The waiting is written out here rather than in a helper coroutine: every await level is
        # resumed again when the turn comes, and this path runs for every read. While turns are
        # handed out but not yet used, newcomers queue too: aiosqlite runs reads in the order they
        # reach it, and one that overtook a turn could put a long read before it.
        taken = None if self._waiters or self._handed_out else self._take()
        if taken is None:
            turn = self._loop.create_future()
            self._waiters.append(turn)
            try:
                taken = await turn
            except asyncio.CancelledError:
                if not turn.cancelled():  # cancelled just after its turn came: give its place back
                    self._handed_out -= 1
                    self._give_back(turn.result())
                elif turn in self._waiters:
                    self._waiters.remove(turn)
                raise
            self._handed_out -= 1
            if not self._handed_out and self._waiters:
                self._wake_waiters()  # their reads reach aiosqlite after this one: it is sent first
        lane = await self._open_lane() if taken is _OPEN_ONE else taken
        usable = True
        try:
            return await lane.conn.execute_fetchall(query, args)
        except asyncio.CancelledError:
            # The statement keeps running in aiosqlite's thread; stop it so a cancelled long read
            # (a client gone during an export) frees its reader now. Only when it is the reader's
            # one read, so the interrupt cannot hit another read's statement.
            if lane.in_flight == 1 and _is_usable(lane.conn):
                await lane.conn.interrupt()
            raise
        except BaseException:
            usable = _is_usable(lane.conn)
            raise
        finally:
            self._finish(lane, usable)

    def _take(self) -> _Lane | object | None:
        """A reader for the next read, _OPEN_ONE, or None: wait for a turn."""
        now = self._loop.time()
        for lane in reversed(self._lanes):
            if lane.in_flight and now - lane.running_since >= self.long_read_after:
                continue  # busy with a long read
            if lane.in_flight == 0 and not _is_usable(lane.conn):  # (a busy one fails its own reads)
                self._drop(lane)  # broken while idle; no read of it is lost
                return self._take()
            if lane.in_flight == 0:
                lane.running_since = now
            lane.in_flight += 1
            if self._lanes[-1] is not lane:
                self._lanes.remove(lane)
                self._lanes.append(lane)
            return lane
        if self._opening == 0 and len(self._lanes) < self.size:  # one at a time: the next reads
            self._opening += 1  # queue on it rather than open readers of their own
            return _OPEN_ONE
        return None

    async def _open_lane(self) -> _Lane:
        try:
            conn = await self._connect()
        except BaseException:
            self._give_back(_OPEN_ONE)
            raise
        self._opening -= 1
        lane = _Lane(conn)
        lane.in_flight, lane.running_since = 1, self._loop.time()
        self._lanes.append(lane)
        self._wake_waiters()
        return lane

    def _wake_waiters(self) -> None:
        while self._waiters:
            if self._waiters[0].done():  # cancelled a moment ago: its turn goes to the next
                self._waiters.popleft()
                continue
            taken = self._take()
            if taken is None:
                return
            self._waiters.popleft().set_result(taken)
            self._handed_out += 1

    def _give_back(self, taken: _Lane | object) -> None:
        """Undo a _take() whose read never ran (cancelled, or its reader failed to open)."""
        if taken is _OPEN_ONE:
            self._opening -= 1
        else:
            taken.in_flight -= 1
        self._wake_waiters()

    def _finish(self, lane: _Lane, usable: bool) -> None:
        lane.in_flight -= 1
        lane.running_since = self._loop.time()  # the next read queued on it starts now
        if (self._closed or not usable) and lane in self._lanes:
            # The freed place lets a later read open a fresh reader. A reader no longer listed is
            # being closed by close(), which must not find it stopped.
            self._drop(lane)
        if self._waiters:
            self._wake_waiters()

    def _drop(self, lane: _Lane) -> None:
        self._lanes.remove(lane)
        lane.conn.stop()  # closes the sqlite3 connection in its thread after the reads queued on it

    async def close(self) -> None:
        self._closed = True
        lanes, self._lanes = self._lanes, []
        for lane in lanes:
            await lane.conn.close()  # waits for the reads still queued on it
