"""Attachment files on disk: random stored names, checked before anything touches the database."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from app.errors import ValidationFailed


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


def safe_filename(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]", "_", name)
    return (name or "file")[:200]


def check_upload(upload: Upload, *, blocked_extensions: str, max_bytes: int, field: str = "file") -> str:
    """Return the cleaned file name or raise ValidationFailed with a message for `field`."""
    filename = safe_filename(upload.filename)
    if not upload.data:
        raise ValidationFailed({field: "The file is empty."})
    if len(upload.data) > max_bytes:
        raise ValidationFailed({field: f"The file is larger than {max_bytes // (1024 * 1024)} MB."})
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    blocked = {e.strip(".").lower() for e in blocked_extensions.split()}
    if extension and extension in blocked:
        raise ValidationFailed({field: f"Files of type .{extension} are not accepted."})
    return filename


def store(directory: Path, data: bytes) -> str:
    """Write the bytes under a random name and return that name."""
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(20)
    (directory / stored_name).write_bytes(data)
    return stored_name


def discard(directory: Path, stored_name: str) -> None:
    try:
        (directory / stored_name).unlink()
    except FileNotFoundError:
        pass
