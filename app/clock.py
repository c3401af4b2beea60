"""The one clock. Code that needs "now" asks here, so a test can freeze or move time.

`now()` is wall-clock UTC (what goes into the database and mails); `monotonic()` measures waits
and intervals (rate limits, throttles, caches) and never jumps when the system clock is set.

    with clock.frozen(datetime(2026, 1, 1, tzinfo=timezone.utc)) as frozen:
        ...
        frozen.advance(seconds=30)   # both now() and monotonic() move on
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta


class _FrozenTime:
    def __init__(self, at: datetime) -> None:
        self.wall = at if at.tzinfo else at.replace(tzinfo=UTC)
        self.mono = time.monotonic()

    def advance(self, **delta: float) -> None:
        step = timedelta(**delta)
        self.wall += step
        self.mono += step.total_seconds()


_frozen: _FrozenTime | None = None


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _frozen.wall if _frozen is not None else datetime.now(UTC)


def monotonic() -> float:
    """Seconds on a clock that only moves forward (for waits and intervals)."""
    return _frozen.mono if _frozen is not None else time.monotonic()


def unix() -> float:
    """Seconds since the epoch (for signed tokens that carry their own expiry)."""
    return now().timestamp()


@contextlib.contextmanager
def frozen(at: datetime | None = None) -> Iterator[_FrozenTime]:
    """Stop time at `at` (default: now) until the block ends; `.advance(...)` moves it."""
    global _frozen
    previous, _frozen = _frozen, _FrozenTime(at or datetime.now(UTC))
    try:
        yield _frozen
    finally:
        _frozen = previous
