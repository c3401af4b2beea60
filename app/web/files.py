"""Files in and out of the browser: uploads read from a multipart form, downloads always as
downloads.

Uploaded HTML or SVG must not run in our origin, so whatever a file is, it goes out as
`application/octet-stream` with `Content-Disposition: attachment`, `nosniff` and a sandboxing
CSP. Callers check access first (app/tickets/queries.py::attachment).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from litestar.datastructures import UploadFile
from litestar.response import File

from app.errors import NotFound, ValidationFailed
from app.i18n import _


async def read_upload(data: Mapping, field: str = "file") -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of the form's one file, or a message at the field."""
    file = data.get(field)
    if not isinstance(file, UploadFile) or not file.filename:
        raise ValidationFailed({field: _("Please choose a file.")})
    return file.filename, file.content_type, await file.read()


def download(path: Path, filename: str) -> File:
    """The stored file as a download. A file removed meanwhile (its row was deleted after the
    caller read it) is "not found", not an error."""
    if not path.is_file():
        raise NotFound(_("No such file."))
    return File(
        path=path,
        filename=filename,
        media_type="application/octet-stream",
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"},
    )
