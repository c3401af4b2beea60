"""In-memory limits keyed by client (and by ticket): a wait between two actions, and a count per
minute. The server is one process; a restart forgets them, which is fine for waits of seconds
and minutes. Both check and record in one step with no await in between, so simultaneous
requests from one client cannot all pass.
"""

from __future__ import annotations

from collections import deque

from app import clock
from app.errors import RateLimited

MAX_KEYS = 50_000


class WaitBetween:
    """At least `seconds` between two actions of one key (the ticket form's per-IP wait)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._last: dict[str, float] = {}

    def claim(self, key: str, message: str) -> None:
        """Take the slot or raise RateLimited; `message` may use %(seconds)d."""
        if self.seconds <= 0:
            return
        now = clock.monotonic()
        remaining = self._last.get(key, -1e18) + self.seconds - now
        if remaining > 0:
            raise RateLimited(message % {"seconds": int(remaining) + 1}, retry_after=remaining)
        if len(self._last) >= MAX_KEYS:  # forget keys whose wait is long over
            self._last = {k: t for k, t in self._last.items() if now - t < self.seconds}
        self._last[key] = now

    def release(self, key: str) -> None:
        """Give the slot back (the action did not happen: the form had errors)."""
        self._last.pop(key, None)


class PerMinute:
    """At most `limit` actions per key in any 60 seconds."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._times: dict[str, deque[float]] = {}

    def hit(self, keys: list[str], message: str) -> None:
        """Count one action for every key, or raise RateLimited if any key is over its limit."""
        if self.limit <= 0:
            return
        now = clock.monotonic()
        windows = [self._window(key, now) for key in keys]
        full = [w for w in windows if len(w) >= self.limit]
        if full:
            retry = max(60 - (now - w[0]) for w in full)
            raise RateLimited(message, retry_after=max(retry, 1))
        for window in windows:
            window.append(now)

    def _window(self, key: str, now: float) -> deque[float]:
        if key not in self._times and len(self._times) >= MAX_KEYS:
            self._times = {k: w for k, w in self._times.items() if w and now - w[-1] < 60}
        window = self._times.setdefault(key, deque())
        while window and now - window[0] >= 60:
            window.popleft()
        return window
