"""Running background jobs in batches (app/jobs/tables.py).

A job's kind names a step function, registered by the domain that owns the work:

    @register("move_type_tickets")
    async def move_batch(job: dict) -> bool:   # one batch; True when nothing is left
        ...

The runner gives each step its own write transaction and updates the job's progress in it, so
a batch and its progress commit together and no one holds SQLite's write lock for long. A job
interrupted by a restart simply continues: steps are written to be repeatable (each batch picks
"the next rows still to do"). A step that raises marks the job failed with the message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from app import clock, db
from app.jobs.tables import BackgroundJob

log = logging.getLogger("helprealm.jobs")

Step = Callable[[dict], Awaitable[int | None]]  # rows done in this batch; None: nothing was left
STEPS: dict[str, Step] = {}
IDLE_SECONDS = 1.0


def register(kind: str) -> Callable[[Step], Step]:
    def add(step: Step) -> Step:
        STEPS[kind] = step
        return step
    return add


async def queue(workspace_id: int, kind: str, params: dict, *, total: int, created_by: int | None) -> dict:
    """A new job (inside the caller's transaction when there is one)."""
    job = BackgroundJob(workspace=workspace_id, kind=kind, params=params, total=total, created_by=created_by,
                        created_at=clock.now())
    async with db.write():
        await job.save()
    if _running is not None:
        db.on_commit(_running.wake)
    return job.to_dict()


_running: JobRunner | None = None  # the runner of the server's loop, woken when a job is queued


class JobRunner:
    name = "jobs"

    def __init__(self, idle: float = IDLE_SECONDS) -> None:
        self.idle = idle
        self._wake: asyncio.Event | None = None

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def run_once(self) -> bool:
        """One batch of the oldest unfinished job; False when there was nothing to do."""
        job = await BackgroundJob.select().where(BackgroundJob.status.is_in(["queued", "running"])).order_by(
            BackgroundJob.id).output(load_json=True).first()
        if job is None:
            return False
        step = STEPS.get(job["kind"])
        try:
            if step is None:
                raise LookupError(f"no step registered for job kind {job['kind']!r}")
            async with db.write():
                done = await step(job)
                values = {BackgroundJob.status: "running", BackgroundJob.done: job["done"] + (done or 0)}
                if done is None:
                    values = {BackgroundJob.status: "done", BackgroundJob.finished_at: clock.now()}
                await BackgroundJob.update(values).where(BackgroundJob.id == job["id"])
        except Exception as exc:  # the batch rolled back; the job says why it stopped
            log.exception("Job %s (%s) failed", job["id"], job["kind"])
            async with db.write():
                await BackgroundJob.update({BackgroundJob.status: "failed", BackgroundJob.error: str(exc)[:500],
                                            BackgroundJob.finished_at: clock.now()}).where(
                    BackgroundJob.id == job["id"])
        return True

    async def run_until_idle(self) -> None:
        """Every queued job to its end (tests, the CLI)."""
        while await self.run_once():
            pass

    async def run_forever(self, stop: asyncio.Event) -> None:
        global _running
        _running, self._wake = self, asyncio.Event()
        while not stop.is_set():
            try:
                busy = await self.run_once()
            except Exception:
                log.exception("Job runner pass failed")
                busy = False
            if busy:
                await asyncio.sleep(0)  # let requests in between batches
                continue
            self._wake.clear()
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            await asyncio.wait(waits, timeout=self.idle, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waits:
                waiter.cancel()


async def job_for(workspace_id: int, job_id: int) -> dict | None:
    """A job of this workspace (another workspace's id is simply not found)."""
    return await BackgroundJob.select().where(BackgroundJob.id == job_id,
                                              BackgroundJob.workspace == workspace_id).output(load_json=True).first()
