"""A small in-process cache for rows every public request reads and almost nobody changes.

The public form reads the workspace, its ticket types and its FAQ on every GET and POST: four
SQLite round trips (each a hop to aiosqlite's thread) out of a dozen per submitted ticket. The
server is one process, so the service that changes such rows invalidates them here; the short
time-to-live bounds how long a change made by another process (the CLI) takes to show.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from app import clock

T = TypeVar("T")

TTL_SECONDS = 5.0
MAX_ENTRIES = 4096


class TTLCache(Generic[T]):
    def __init__(self, name: str, ttl: float = TTL_SECONDS, max_entries: int = MAX_ENTRIES) -> None:
        self.name = name
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, T]] = {}
        _ALL.append(self)

    async def get(self, key: Hashable, load: Callable[[], Awaitable[T | None]]) -> T | None:
        """The cached value, else `await load()`; None (not found) is never cached."""
        now = clock.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = await load()
        if value is not None:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now + self.ttl, value)
        return value

    def invalidate(self, key: Hashable | None = None) -> None:
        if key is None:
            self._entries.clear()
        else:
            self._entries.pop(key, None)


_ALL: list[TTLCache] = []


def clear_all() -> None:
    """Forget everything (a new database in tests, a restore)."""
    for cache in _ALL:
        cache.invalidate()
