"""`helprealm export`: one workspace's tickets to a file, with a progress bar on stderr.

Run by whoever runs the server (they hold the database): no login, but still recorded in the
audit log (actor None = the command line)."""

from __future__ import annotations

import argparse
import sys
import time

from app.audit.service import record
from app.errors import ValidationFailed
from app.exports.service import ExportRequest, write_export
from app.search.progress import ProgressBar
from app.workspaces.tables import Workspace


async def run_export(args: argparse.Namespace) -> int:
    """The exit status: 0, or 2 for bad input."""
    rows = await Workspace.select(Workspace.id).where(Workspace.key == args.workspace)
    if not rows:
        print(f"helprealm: no workspace with the key {args.workspace!r}", file=sys.stderr)
        return 2
    fields = {"date_from": args.date_from, "date_to": args.date_to, "format": args.format,
              "with_thread": args.with_thread, "with_notes": args.with_notes}
    try:
        request = ExportRequest.from_form({k: "1" if v is True else v for k, v in fields.items()})
    except ValidationFailed as exc:
        print("helprealm: " + "; ".join(f"{k}: {v}" for k, v in exc.errors.items()), file=sys.stderr)
        return 2
    bar = ProgressBar(label="Exporting")

    async def progress(done: int, total: int) -> None:
        bar(done, total)

    started = time.monotonic()
    with open(args.output, "wb") as out:
        count = await write_export(request.selection(rows[0]["id"]), request.format, out, progress)
    bar.finish()
    await record(rows[0]["id"], None, "export.run", subject=f"{request.format} {request.date_from}..{request.date_to}",
                 after={**request.options, "tickets": count, "via": "cli"})
    print(f"Exported {count} tickets to {args.output} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0
