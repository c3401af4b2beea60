"""Exports as a superadmin asks for them: the form's input, a small export at once, a large one
as a background job (app/exports/jobs.py), and the stream that writes either.

Every export is recorded in the audit log when it is asked for (who, which range, which format,
with or without the thread and notes): an export carries customers' personal data out of the app.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import BinaryIO

from app import clock, db
from app.accounts.viewer import Viewer
from app.audit.service import record
from app.errors import ValidationFailed
from app.exports.rows import Selection, batches, count
from app.exports.tables import ExportJob
from app.exports.writers import CONTENT_TYPES, FORMATS, writer_for
from app.i18n import _

DIRECT_MAX = 2_000  # up to this many tickets the admin page answers with the file at once
MAX_YEARS = 5  # a longer range is refused (ask for several exports)
EXPIRES_AFTER = timedelta(days=1)

Progress = Callable[[int, int], Awaitable[None]]


@dataclass(frozen=True)
class ExportRequest:
    date_from: date
    date_to: date
    format: str = "csv"
    with_thread: bool = False
    with_notes: bool = False  # internal notes in the thread: off unless the admin ticks it

    @classmethod
    def from_form(cls, fields: dict) -> ExportRequest:
        errors: dict[str, str] = {}
        dates: dict[str, date] = {}
        for name in ("date_from", "date_to"):
            raw = str(fields.get(name) or "").strip()
            try:
                dates[name] = date.fromisoformat(raw)
                if len(raw) != 10:
                    raise ValueError(raw)
            except ValueError:
                errors[name] = _("Enter a date as YYYY-MM-DD.") if raw else _("Enter a date.")
        if not errors:
            if dates["date_from"] > dates["date_to"]:
                errors["date_to"] = _("The end date must not be before the start date.")
            elif dates["date_to"] - dates["date_from"] > timedelta(days=366 * MAX_YEARS):
                errors["date_to"] = _("Export at most %(years)d years at once.") % {"years": MAX_YEARS}
        fmt = str(fields.get("format") or "csv")
        if fmt not in FORMATS:
            errors["format"] = _("Choose CSV, JSON or XLSX.")
        if errors:
            raise ValidationFailed(errors)
        with_thread = _checked(fields.get("with_thread"))
        return cls(date_from=dates["date_from"], date_to=dates["date_to"], format=fmt, with_thread=with_thread,
                   with_notes=with_thread and _checked(fields.get("with_notes")))

    def selection(self, workspace_id: int) -> Selection:
        return Selection(workspace_id, self.date_from, self.date_to, self.with_thread, self.with_notes)

    @property
    def options(self) -> dict:
        return {"with_thread": self.with_thread, "with_notes": self.with_notes}

    @property
    def download_name(self) -> str:
        return f"tickets-{self.date_from.isoformat()}-{self.date_to.isoformat()}.{self.format}"


def _checked(value) -> bool:
    return str(value or "").lower() in ("1", "on", "true", "yes")


async def write_export(selection: Selection, fmt: str, out: BinaryIO, progress: Progress | None = None) -> int:
    """Stream the selected tickets into `out`; return how many were written."""
    total = await count(selection)
    writer = writer_for(fmt, out, selection.columns)
    done = 0
    async for batch in batches(selection):
        for row in batch:
            writer.write(row)
        done += len(batch)
        if progress:
            await progress(done, max(total, done))
    writer.close()
    return done


@dataclass(frozen=True)
class Download:
    name: str
    content_type: str
    data: bytes


async def request_export(viewer: Viewer, request: ExportRequest) -> Download | dict:
    """A small export as a Download, a large one as a queued job (its row)."""
    selection = request.selection(viewer.workspace_id)
    total = await count(selection)
    subject = f"{request.format} {request.date_from}..{request.date_to}"
    details = {**request.options, "tickets": total}
    if total <= DIRECT_MAX:
        out = io.BytesIO()
        await write_export(selection, request.format, out)
        await record(viewer.workspace_id, viewer, "export.run", subject=subject, after=details)
        return Download(request.download_name, CONTENT_TYPES[request.format], out.getvalue())
    now = clock.now()
    async with db.write():
        job = ExportJob(workspace=viewer.workspace_id, requested_by=viewer.agent_id, format=request.format,
                        date_from=request.date_from, date_to=request.date_to, options=request.options,
                        status="queued", total=total, created_at=now, expires_at=now + EXPIRES_AFTER)
        await job.save()
        await record(viewer.workspace_id, viewer, "export.queued", subject=subject, after={**details, "job": job.id})
    return await job_for(viewer, job.id)


async def job_for(viewer: Viewer, job_id: int) -> dict:
    """One of the viewer's workspace's jobs; another workspace's id is simply not found."""
    from app.errors import NotFound

    rows = await ExportJob.select().where(ExportJob.id == job_id, ExportJob.workspace == viewer.workspace_id)
    if not rows:
        raise NotFound(_("This export does not exist (or has expired)."))
    return rows[0]


async def recent_jobs(viewer: Viewer, limit: int = 10) -> list[dict]:
    return await (ExportJob.select().where(ExportJob.workspace == viewer.workspace_id)
                  .order_by(ExportJob.id, ascending=False).limit(limit))
