"""Attachment downloads: always a download, never rendered by the browser.

Uploaded HTML or SVG must not run in our origin, so whatever the file is, it goes out as
`application/octet-stream` with `Content-Disposition: attachment`, `nosniff` and a sandboxing
CSP. Callers check access first (app/tickets/queries.py::attachment).
"""

from __future__ import annotations

from litestar.response import File

from app.tickets.files import Storage


def attachment_response(storage: Storage, row: dict) -> File:
    return File(
        path=storage.directory / row["stored_name"],
        filename=row["filename"],
        media_type="application/octet-stream",
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"},
    )
