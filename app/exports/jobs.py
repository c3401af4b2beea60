"""The background export runner and the expiry of export files.

A job goes queued -> running -> done (or failed). The file is written under a temporary name and
renamed when complete, so a download never sees half a file. Progress is committed after each
batch of rows (500), which the admin page polls.

A job interrupted by a restart (still "running" when the runner starts) is started over from the
beginning: an XLSX file cannot be appended to, and a day-old export would rather be redone than
lost. A job interrupted MAX_ATTEMPTS times is failed instead, so an export that kills the process
each time does not do so forever.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path

from app import clock, db
from app.exports.rows import Selection
from app.exports.service import EXPIRES_AFTER, write_export
from app.exports.tables import ExportJob

log = logging.getLogger("helprealm.exports")

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
MAX_ATTEMPTS = 2
POLL_SECONDS = 1.0


def exports_dir(data_path: Path) -> Path:
    return data_path / "exports"


class ExportRunner:
    """Runs queued export jobs one at a time. One per server process (app/asgi.py)."""

    name = "exports"

    def __init__(self, directory: Path, poll: float = POLL_SECONDS) -> None:
        self.directory = directory
        self.poll = poll
        self.recovered = False

    async def recover(self) -> int:
        """Jobs left "running" by a stopped process: queued again, or failed after MAX_ATTEMPTS."""
        async with db.write():
            stuck = await ExportJob.select(ExportJob.id, ExportJob.attempts).where(ExportJob.status == RUNNING)
            for job in stuck:
                if job["attempts"] >= MAX_ATTEMPTS:
                    values = {ExportJob.status: FAILED, ExportJob.finished_at: clock.now(),
                              ExportJob.error: "Interrupted by a restart too often"}
                else:
                    values = {ExportJob.status: QUEUED, ExportJob.done: 0}
                await ExportJob.update(values).where(ExportJob.id == job["id"])
        self.recovered = True
        return len(stuck)

    async def _claim(self) -> dict | None:
        async with db.write():
            rows = await ExportJob.select().where(ExportJob.status == QUEUED).order_by(ExportJob.id).limit(1)
            if not rows:
                return None
            job = rows[0]
            await ExportJob.update({ExportJob.status: RUNNING, ExportJob.attempts: job["attempts"] + 1,
                                    ExportJob.done: 0}).where(ExportJob.id == job["id"])
        return job

    async def run_once(self) -> int:
        """Run the next queued job, if any; return how many ran (0 or 1)."""
        if not self.recovered:
            await self.recover()
        job = await self._claim()
        if job is None:
            return 0
        await self._run(job)
        return 1

    async def _run(self, job: dict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = job["file_name"] or f"{job['id']}-{secrets.token_hex(8)}.{job['format']}"
        path = self.directory / name
        partial = path.with_suffix(path.suffix + ".part")
        options = job["options"] if isinstance(job["options"], dict) else {}
        selection = Selection(job["workspace"], job["date_from"], job["date_to"],
                              bool(options.get("with_thread")), bool(options.get("with_notes")))

        async def progress(done: int, total: int) -> None:
            async with db.write():
                await ExportJob.update({ExportJob.done: done, ExportJob.total: total}).where(
                    ExportJob.id == job["id"])

        try:
            with partial.open("wb") as out:
                done = await write_export(selection, job["format"], out, progress)
            partial.replace(path)
        except Exception as exc:  # this job fails; the runner goes on with the next
            log.exception("Export job %s failed", job["id"])
            partial.unlink(missing_ok=True)
            async with db.write():
                await ExportJob.update({ExportJob.status: FAILED, ExportJob.finished_at: clock.now(),
                                        ExportJob.error: f"{type(exc).__name__}: {exc}"[:500]}).where(
                    ExportJob.id == job["id"])
            return
        now = clock.now()
        async with db.write():
            await ExportJob.update({ExportJob.status: DONE, ExportJob.done: done, ExportJob.total: done,
                                    ExportJob.file_name: name, ExportJob.finished_at: now,
                                    ExportJob.expires_at: now + EXPIRES_AFTER}).where(ExportJob.id == job["id"])

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            ran = 0
            try:
                ran = await self.run_once()
            except Exception:  # keep the loop alive (a database error); the job is tried again
                log.exception("Export runner failed; retrying")
            if ran:
                continue
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.poll)
            except TimeoutError:
                pass


async def delete_expired(directory: Path) -> int:
    """Delete expired jobs and their files; return how many jobs."""
    async with db.write():
        gone = await ExportJob.delete().where(ExportJob.expires_at <= clock.now()).returning(ExportJob.file_name)
    for job in gone:
        if job["file_name"]:
            (directory / job["file_name"]).unlink(missing_ok=True)
    return len(gone)
