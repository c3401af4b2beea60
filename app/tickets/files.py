"""Attachment files on disk: random stored names, checked before anything touches the database."""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from app.errors import ValidationFailed
from app.i18n import _


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Storage:
    """Where attachment files go and how much one file and one ticket may hold (app.toml)."""

    directory: Path
    max_bytes: int
    max_files_per_ticket: int = 50
    max_bytes_per_ticket: int = 100 * 1024 * 1024


# Executables and scripts that are refused on every workspace, whatever its own list says (an
# allow-list per workspace comes with the administration; this floor stays).
ALWAYS_BLOCKED = frozenset(
    "exe com bat cmd msi msp scr pif cpl dll sys drv ocx js jse vbs vbe wsf wsh ws hta ps1 psm1 psd1 lnk url "
    "reg inf scf msc jar application gadget appref-ms iso img vhd vhdx".split()
)
_TRAILING = re.compile(r"[\s.]+$")
# Zero-width joiner and non-joiner are letters' business (Hindi, emoji); other format characters
# (bidi overrides, invisible separators) only ever disguise a name: `report\u202efdp.hta`.
_KEEP_FORMAT = {"\u200c", "\u200d"}


def safe_filename(name: str) -> str:
    """The name to store and show: no folders, no control, format or reserved characters, and
    none of the trailing dots and spaces that Windows drops when saving (`probe.js.` is
    `probe.js`, as is `probe.js.\u00a0.`)."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = "".join(c for c in name if unicodedata.category(c) != "Cf" or c in _KEEP_FORMAT)
    name = re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\"<>:|?*/]", "_", name)
    name = _TRAILING.sub("", name).strip()
    return (name or "file")[:200]


def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def check_upload(upload: Upload, *, blocked_extensions: str, max_bytes: int, field: str = "file") -> str:
    """Return the cleaned file name or raise ValidationFailed with a message for `field`."""
    filename = safe_filename(upload.filename)
    if not upload.data:
        raise ValidationFailed({field: _("The file is empty.")})
    if len(upload.data) > max_bytes:
        raise ValidationFailed({field: _("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024))})
    blocked = ALWAYS_BLOCKED | {e.strip(".").lower() for e in blocked_extensions.split()}
    if extension(filename) in blocked:
        raise ValidationFailed({field: _("Files of type .%(ext)s are not accepted.", ext=extension(filename))})
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
