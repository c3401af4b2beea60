"""The per-IP wait between two tickets from the public form (`[limits] ticket_wait_seconds`)."""

from __future__ import annotations

import time

from app.errors import RateLimited


class CreationThrottle:
    """Remembers when each client last opened a ticket. In memory: a restart forgets, which is fine
    for a wait of seconds."""

    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._last: dict[str, float] = {}

    def check(self, client: str) -> None:
        if self.wait_seconds <= 0:
            return
        now = time.monotonic()
        remaining = self._last.get(client, -1e9) + self.wait_seconds - now
        if remaining > 0:
            raise RateLimited(f"Please wait {int(remaining) + 1} seconds before opening another ticket.", retry_after=remaining)

    def record(self, client: str) -> None:
        if self.wait_seconds <= 0:
            return
        now = time.monotonic()
        if len(self._last) > 50_000:  # forget clients whose wait is long over
            self._last = {k: v for k, v in self._last.items() if now - v < self.wait_seconds}
        self._last[client] = now
