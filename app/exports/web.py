"""The export page (/admin/export): the form, the file at once for a small export, a job with a
self-updating progress partial for a large one, and the job's download.

On the admin router (agent_guard + superadmin_guard): a plain agent gets 403; every job is read
through `job_for(viewer, id)`, so another workspace's job id answers 404.
"""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Template

from app.accounts.viewer import Viewer
from app.errors import NotFound, ValidationFailed
from app.exports import service
from app.exports.jobs import DONE, exports_dir
from app.exports.service import Download, ExportRequest
from app.exports.writers import CONTENT_TYPES
from app.i18n import _
from app.services import Services
from app.tickets.web.common import layout
from app.web.dependencies import Injected
from app.web.files import download
from app.web.params import Form, Id
from app.web.render import redirect, render


async def _page(request: Request, viewer: Viewer, values: dict, errors: dict, status_code: int = 200) -> Template:
    context = {**await layout(viewer), "viewer": viewer, "values": values, "errors": errors,
               "jobs": await service.recent_jobs(viewer), "direct_max": service.DIRECT_MAX,
               "max_years": service.MAX_YEARS}
    return render(request, "admin/export.html", context, status_code=status_code)


@get("/export", name="admin.export")
async def export_page(request: Request, viewer: Injected[Viewer]) -> Template:
    return await _page(request, viewer, {"format": "csv"}, {})


@post("/export", name="admin.export_run")
async def export_run(request: Request, viewer: Injected[Viewer], data: Form) -> Response:
    """A small export answers with the file; a large one goes to its job's progress page."""
    try:
        result = await service.request_export(viewer, ExportRequest.from_form(data))
    except ValidationFailed as exc:
        values = {k: v for k, v in data.items() if isinstance(v, str) and len(v) < 100}
        return await _page(request, viewer, values, exc.errors, 422)
    if isinstance(result, Download):
        return Response(result.data, status_code=200, media_type=result.content_type, headers={
            "Content-Disposition": f'attachment; filename="{result.name}"', "X-Content-Type-Options": "nosniff"})
    return redirect(request, request.app.route_reverse("admin.export_job", job_id=result["id"]))


@get("/export/jobs/{job_id:int}", name="admin.export_job")
async def export_job(request: Request, viewer: Injected[Viewer], job_id: Id) -> Template:
    """The job's page; its progress partial polls this URL (HTMX gets the partial alone)."""
    job = await service.job_for(viewer, job_id)
    context = {"job": job, "viewer": viewer}
    if not request.headers.get("HX-Request"):
        context.update(await layout(viewer))
    return render(request, "admin/export_job.html", context, fragment="admin/_export_job.html")


@get("/export/jobs/{job_id:int}/download", name="admin.export_download")
async def export_download(viewer: Injected[Viewer], services: Injected[Services], job_id: Id) -> Response:
    job = await service.job_for(viewer, job_id)
    if job["status"] != DONE or not job["file_name"]:
        raise NotFound(_("This export is not ready."))
    name = f"tickets-{job['date_from']}-{job['date_to']}.{job['format']}"
    response = download(exports_dir(services.settings.data_path) / job["file_name"], name)
    response.media_type = CONTENT_TYPES[job["format"]]
    return response


ROUTES = [export_page, export_run, export_job, export_download]
