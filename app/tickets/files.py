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


# Executables, scripts, installers and active web content: refused on every workspace, even where
# its own allow-list names them (a customer's file is opened by an agent's machine; an agent's
# reaches customers). The workspace's allow-list (its settings page) comes on top of this floor.
ALWAYS_BLOCKED = frozenset(
    "exe com bat cmd msi msp scr pif cpl dll sys drv ocx js jse mjs vbs vbe wsf wsh ws hta ps1 psm1 psd1 lnk url "
    "reg inf scf msc jar application gadget appref-ms iso img vhd vhdx "
    "sh bash csh ksh zsh command app dmg pkg apk deb rpm run bin elf "
    "php phtml php3 php4 php5 phar py pyc pyw pl cgi rb "
    "html htm xhtml shtml mht mhtml svg svgz xht swf".split()
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


def extension_list(text: str) -> list[str]:
    """The extensions of a setting or a form field: split on spaces and commas, without dots,
    lower case, each once, in the order given."""
    seen: dict[str, None] = {}
    for word in re.split(r"[\s,;]+", text or ""):
        word = word.strip().lstrip(".").lower()
        if word:
            seen.setdefault(word, None)
    return list(seen)


def accepted_extensions(workspace: dict) -> list[str]:
    """What the workspace accepts: its allow-list without the installation's block-list."""
    return [e for e in extension_list(workspace.get("allowed_extensions", "")) if e not in ALWAYS_BLOCKED]


def max_upload_bytes(workspace: dict, ceiling: int) -> int:
    """The largest file this workspace accepts: its own setting, never above the installation's."""
    return max(1, min(int(workspace.get("max_upload_bytes") or ceiling), ceiling))


def check_upload(upload: Upload, *, workspace: dict, ceiling: int, field: str = "file") -> str:
    """Return the cleaned file name or raise ValidationFailed with a message for `field`.

    The one check for every file that enters a ticket (customer page, agent page, and the APIs
    and mail of later issues): not empty, at most the workspace's size (never above `ceiling`,
    app.toml's upload_max_bytes), an extension on the workspace's allow-list and not on the
    installation's block-list."""
    filename = safe_filename(upload.filename)
    if not upload.data:
        raise ValidationFailed({field: _("The file is empty.")})
    limit = max_upload_bytes(workspace, ceiling)
    if len(upload.data) > limit:
        raise ValidationFailed({field: _("The file is larger than %(size)s.", size=human_size(limit))})
    ext = extension(filename)
    if ext not in accepted_extensions(workspace):
        if not ext:
            raise ValidationFailed({field: _("Files without an extension are not accepted.")})
        raise ValidationFailed({field: _("Files of type .%(ext)s are not accepted.", ext=ext)})
    return filename


def human_size(size: int) -> str:
    """"10 MB", "1.5 MB", "300 KB": sizes in messages and on the settings page."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024))} KB"


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
