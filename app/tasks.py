"""Every background loop of the server, started and stopped in one place.

Each job has `run_once()` (one pass, what the tests call) and `run_forever(stop)` (passes until
the event is set). `create_app()` lists the jobs; the lifespan starts them after the database
is migrated and stops them before the connections close.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

log = logging.getLogger("helprealm.tasks")


class Job(Protocol):
    name: str

    async def run_once(self) -> object: ...

    async def run_forever(self, stop: asyncio.Event) -> None: ...


class BackgroundLoops:
    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self._stop = asyncio.Event()  # one per start: the event belongs to the running loop
        self._tasks = [asyncio.create_task(job.run_forever(self._stop), name=job.name) for job in self.jobs]

    async def stop(self, timeout: float = 10.0) -> None:
        """Ask every loop to finish its pass; cancel those that take longer than `timeout`."""
        self._stop.set()
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(self._tasks, timeout=timeout)
        for task in pending:
            log.warning("Background loop %s did not stop in %.0fs; cancelling it", task.get_name(), timeout)
            task.cancel()
        results = await asyncio.gather(*self._tasks, return_exceptions=True)
        for task, result in zip(self._tasks, results, strict=True):
            if isinstance(result, Exception):
                log.error("Background loop %s failed", task.get_name(), exc_info=result)
        self._tasks = []
