"""System settings (the superadmin's /admin/settings): each section of the page is one form and one
intent, `save_section`, which checks the section's fields, writes the changed ones through
`service.update_settings` (the one write path, which drops the cached rows) and records
"settings.changed" with the values before and after, in one write transaction.

The page's sections and their fields:

    general      name, lang, time_zone
    public_page  form_title, welcome_message, success_message
    tickets      confirm_email, notify_admins_on_new_ticket
    uploads      allow_customer_uploads, allowed_extensions, max_upload_bytes (typed in MB)
    background   background_mode, background_colour (the images: app/workspaces/backgrounds.py)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from app import db, formats, i18n
from app.audit.service import record
from app.errors import NotFound, ValidationFailed
from app.i18n import _
from app.tickets import files
from app.validation import FieldErrors, form_text
from app.workspaces import service
from app.workspaces.tables import Workspace

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

BACKGROUND_MODES = ("colour", "image")
TEXT_MAX = 2000  # welcome and success messages
EXTENSIONS_MAX = 100  # entries in the allow-list (the column holds 1,000 characters)
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_EXTENSION = re.compile(r"[a-z0-9][a-z0-9_-]{0,15}")
MB = 1024 * 1024


def _flag(data: Mapping, name: str) -> bool:
    return form_text(data, name) in ("on", "1", "true", "yes")


def _general(data: Mapping, workspace: dict, ceiling: int) -> dict[str, Any]:
    errors = FieldErrors()
    values = {"name": errors.line(data, "name", _("Company name"), max_len=200)}
    lang = form_text(data, "lang").strip()
    if lang not in i18n.LANGUAGES:
        errors["lang"] = _("Please choose one of the languages listed.")
    values["lang"] = lang
    zone = form_text(data, "time_zone").strip()
    if not formats.valid_time_zone(zone):
        errors["time_zone"] = _("Please choose a time zone from the list (such as Europe/Berlin).")
    values["time_zone"] = zone
    return _checked(errors, values)


def _public_page(data: Mapping, workspace: dict, ceiling: int) -> dict[str, Any]:
    errors = FieldErrors()
    values = {
        "form_title": errors.line(data, "form_title", _("Ticket form title"), max_len=200),
        "welcome_message": errors.text(data, "welcome_message", _("Welcome message"), max_len=TEXT_MAX),
        "success_message": errors.text(data, "success_message", _("Success message"), max_len=TEXT_MAX),
    }
    return _checked(errors, values)


def _tickets(data: Mapping, workspace: dict, ceiling: int) -> dict[str, Any]:
    return {"confirm_email": _flag(data, "confirm_email"),
            "notify_admins_on_new_ticket": _flag(data, "notify_admins_on_new_ticket")}


def _uploads(data: Mapping, workspace: dict, ceiling: int) -> dict[str, Any]:
    errors = FieldErrors()
    raw = form_text(data, "allowed_extensions")
    extensions = files.extension_list(raw[:5000])
    bad = [e for e in extensions if not _EXTENSION.fullmatch(e)]
    if bad:
        errors["allowed_extensions"] = _("These are not file extensions: %(list)s",
                                         list=" ".join(e[:20] for e in bad[:5]))
    elif not extensions:
        errors["allowed_extensions"] = _(
            "Name at least one extension (to refuse every file, switch uploads off).")
    elif len(extensions) > EXTENSIONS_MAX:
        errors["allowed_extensions"] = _("At most %(max)d extensions.", max=EXTENSIONS_MAX)
    size = _megabytes(form_text(data, "max_upload_mb"))
    if size is None or size < MB // 100 or size > ceiling:
        errors["max_upload_mb"] = _("Please enter a size between 0.01 and %(max)s MB.",
                                    max=_mb_text(ceiling))
    return _checked(errors, {"allow_customer_uploads": _flag(data, "allow_customer_uploads"),
                             "allowed_extensions": " ".join(extensions), "max_upload_bytes": size})


def _background(data: Mapping, workspace: dict, ceiling: int) -> dict[str, Any]:
    errors = FieldErrors()
    mode = form_text(data, "background_mode")
    if mode not in BACKGROUND_MODES:
        errors["background_mode"] = _("Please choose a colour or images.")
    colour = form_text(data, "background_colour").strip()
    if not _COLOUR.fullmatch(colour):
        errors["background_colour"] = _("Please pick a colour (#rrggbb).")
    return _checked(errors, {"background_mode": mode, "background_colour": colour.lower()})


SECTIONS: dict[str, Callable[[Mapping, dict, int], dict[str, Any]]] = {
    "general": _general,
    "public_page": _public_page,
    "tickets": _tickets,
    "uploads": _uploads,
    "background": _background,
}


def _checked(errors: FieldErrors, values: dict[str, Any]) -> dict[str, Any]:
    if errors:
        raise ValidationFailed(dict(errors))
    return values


def _megabytes(text: str) -> int | None:
    """"10", "2.5" or "0,5" MB as bytes; None when it is not such a number."""
    text = text.strip().replace(",", ".")
    if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,3})?", text):
        return None
    return int(float(text) * MB)


def _mb_text(size: int) -> str:
    return f"{size / MB:.2f}".rstrip("0").rstrip(".")


def form_values(workspace: dict, ceiling: int) -> dict[str, Any]:
    """The page's fields as stored (the public page's default texts in the current language); the
    size in MB as it applies (never above the installation's)."""
    texts = {field: service.public_text(workspace, field) for field in service.DEFAULT_TEXTS}
    return {**workspace, **texts, "max_upload_mb": _mb_text(files.max_upload_bytes(workspace, ceiling))}


async def save_section(viewer: Viewer, section: str, data: Mapping, *, ceiling: int) -> dict:
    """Check one section's fields and store the changed ones; ValidationFailed (nothing written)
    when a field is wrong. `ceiling`: the installation's largest upload. Returns the new row."""
    check = SECTIONS.get(section)
    if check is None:
        raise NotFound(_("No such settings section."))
    current = await service.get_by_id(viewer.workspace_id)
    values = check(data, current, ceiling)
    async with db.write():
        # Read again under the write lock: "before" is what this change replaced.
        before = await Workspace.select(*[getattr(Workspace, name) for name in values]).where(
            Workspace.id == viewer.workspace_id).first()
        changed = {name: value for name, value in values.items() if before[name] != value}
        if not changed:
            return current
        row = await service.update_settings(viewer.workspace_id, **changed)
        if "lang" in changed:
            await service.rename_default_names(viewer.workspace_id, changed["lang"])
        await record(viewer.workspace_id, viewer, "settings.changed", subject=section,
                     before={name: before[name] for name in changed}, after=changed)
    return row


def always_blocked_among(extensions: str) -> list[str]:
    """The extensions of the allow-list that the installation refuses anyway (the page says so)."""
    return [e for e in files.extension_list(extensions) if e in files.ALWAYS_BLOCKED]
