"""Admin page: system settings (/admin/settings). One page of sections; each section is its own
form, saved with HTMX into its own fragment (#settings-<section>: "Saved" or the field errors),
or without JavaScript by a plain POST that comes back to the page. The rules live in
app/workspaces/settings.py and app/workspaces/backgrounds.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.params import PathParameter
from litestar.response import Template

from app import formats, i18n
from app.accounts.viewer import Viewer
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.services import Services
from app.tickets import files
from app.web.dependencies import Injected
from app.web.files import read_upload
from app.web.params import Form, Id, Multipart, Text
from app.web.render import is_htmx, redirect, render
from app.workspaces import backgrounds, settings
from app.workspaces.service import get_by_id

Section = Annotated[str, PathParameter(max_length=40)]
SECTION_ORDER = ("general", "public_page", "tickets", "uploads", "background")


async def _context(viewer: Viewer, services: Services, workspace: dict | None = None, **extra: Any) -> dict:
    workspace = workspace or await get_by_id(viewer.workspace_id)
    ceiling = services.settings.limits.upload_max_bytes
    extra.setdefault("values", settings.form_values(workspace, ceiling))
    extra.setdefault("errors", {})
    return {
        "viewer": viewer,
        "workspace": workspace,
        "languages": i18n.language_names(),
        "time_zones": formats.time_zone_choices(),
        "ceiling": files.human_size(ceiling),
        "blocked_anyway": settings.always_blocked_among(workspace["allowed_extensions"]),
        "always_blocked": " ".join(sorted(files.ALWAYS_BLOCKED)),
        "images": await backgrounds.images(viewer.workspace_id),
        "image_max": files.human_size(backgrounds.MAX_BYTES),
        "public_link": services.links.public_page(workspace["key"]),
        **extra,
    }


def _section(request: Request, context: dict, section: str, status_code: int = 200) -> Template:
    """The whole page, or for HTMX the one section's fragment."""
    return render(request, "admin/settings.html", {**context, "sections": SECTION_ORDER, "section": section,
                                                   "failed": section if status_code >= 400 else None},
                  fragment="admin/_settings_section.html", status_code=status_code)


@get("/settings", name="admin.settings")
async def settings_page(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                        saved: Text = "") -> Template:
    context = await _context(viewer, services, saved=saved if saved in SECTION_ORDER else "")
    return render(request, "admin/settings.html", {**context, "sections": SECTION_ORDER, "section": None})


@post("/settings/{section:str}", name="admin.settings_save")
async def settings_save(request: Request, viewer: Injected[Viewer], services: Injected[Services], section: Section,
                        data: Form) -> Response:
    if section not in SECTION_ORDER:
        raise NotFound(_("No such settings section."))
    try:
        ceiling = services.settings.limits.upload_max_bytes
        workspace = await settings.save_section(viewer, section, data, ceiling=ceiling)
    except ValidationFailed as exc:
        typed = {k: v for k, v in data.items() if isinstance(v, str)}
        current = await get_by_id(viewer.workspace_id)
        values = {**settings.form_values(current, services.settings.limits.upload_max_bytes), **typed}
        for flag in _FLAGS.get(section, ()):  # an unchecked box is not sent: show it as typed
            values[flag] = typed.get(flag) == "on"
        context = await _context(viewer, services, current, values=values, errors=exc.errors)
        return _section(request, context, section, 422)
    if not is_htmx(request):
        return redirect(request, request.app.route_reverse("admin.settings") + f"?saved={section}#settings-{section}")
    return _section(request, await _context(viewer, services, workspace, saved=section), section)


_FLAGS = {"tickets": ("confirm_email", "notify_admins_on_new_ticket"), "uploads": ("allow_customer_uploads",)}


@post("/settings/background-images", name="admin.background_upload",
      request_max_body_size=backgrounds.MAX_BYTES + 64 * 1024)
async def background_upload(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                            data: Multipart) -> Response:
    try:
        upload = files.Upload(*await read_upload(data, field=backgrounds.FIELD))
        await backgrounds.add_image(viewer, upload, services.settings.backgrounds_path)
    except ValidationFailed as exc:
        return _section(request, await _context(viewer, services, errors=exc.errors), "background", 422)
    except Conflict as exc:
        return _section(request, await _context(viewer, services, image_error=exc.message), "background", 409)
    if not is_htmx(request):
        return redirect(request, request.app.route_reverse("admin.settings") + "?saved=background#settings-background")
    return _section(request, await _context(viewer, services, image_notice=_("Image added.")), "background")


@post("/settings/background-images/{image_id:int}/delete", name="admin.background_delete")
async def background_delete(request: Request, viewer: Injected[Viewer], services: Injected[Services],
                            image_id: Id) -> Response:
    await backgrounds.delete_image(viewer, image_id, services.settings.backgrounds_path)
    if not is_htmx(request):
        return redirect(request, request.app.route_reverse("admin.settings") + "#settings-background")
    return _section(request, await _context(viewer, services, image_notice=_("Image deleted.")), "background")


ROUTES = [settings_page, settings_save, background_upload, background_delete]
