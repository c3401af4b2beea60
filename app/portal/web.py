"""Everything a customer reaches without logging in: the public form, the secret ticket page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.response import File, Redirect, Template

from app.errors import Conflict, Forbidden, RateLimited, ValidationFailed
from app.faq import service as faq
from app.tickets import queries
from app.tickets import service as tickets
from app.tickets.files import Upload
from app.tickets.status import Status
from app.web.captcha import check_captcha, new_captcha
from app.web.client import client_ip
from app.web.render import is_htmx, render
from app.workspaces.service import get_by_key

Form = URLEncodedBody[dict[str, Any]]
Multipart = MultipartBody[dict[str, Any]]


def _throttle(request: Request):
    return request.app.state.creation_throttle


async def _form_page(request: Request, workspace: dict, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("values", {"prio": "1"})
    context.setdefault("errors", {})
    return render(
        request,
        "portal/index.html",
        {
            "workspace": workspace,
            "types": await queries.ticket_types(workspace["id"]),
            "faq": await faq.list_entries(workspace["id"]),
            "captcha": new_captcha(request.app.state.secret),
            **context,
        },
        fragment="portal/_form.html",
        status_code=status_code,
    )


@get("/{workspace_key:str}")
async def public_page(request: Request, workspace_key: FromPath[str]) -> Template:
    workspace = await get_by_key(workspace_key)
    return await _form_page(request, workspace)


@post("/{workspace_key:str}/ticket/create")
async def create_ticket(request: Request, workspace_key: FromPath[str], data: Form) -> Template:
    workspace = await get_by_key(workspace_key)
    client = client_ip(request)
    values = {k: v for k, v in data.items() if k not in ("captcha", "captcha_token", "_csrf_token")}
    try:
        _throttle(request).check(client)
        if not check_captcha(request.app.state.secret, data.get("captcha_token"), data.get("captcha")):
            # Check the other fields too, so the customer sees every problem at once.
            await tickets.validate_new_ticket(workspace, data, {"captcha": "The answer to the captcha is wrong."})
        await tickets.create_ticket(workspace, data, links=request.app.state.links, source="web")
    except ValidationFailed as exc:
        return await _form_page(request, workspace, 422, values=values, errors=exc.errors)
    except RateLimited as exc:
        return await _form_page(request, workspace, 429, values=values, errors={}, form_error=exc.message)
    _throttle(request).record(client)
    return render(request, "portal/created.html", {"workspace": workspace}, fragment="portal/_created.html")


@get("/{workspace_key:str}/ticket/open")
async def open_by_hash(workspace_key: FromPath[str], hash: FromQuery[str] = "") -> Redirect:
    return Redirect(f"/{workspace_key}/ticket/show/{hash.strip().lower()}", status_code=303)


async def _ticket_page(request: Request, workspace: dict, ticket_hash: str, status_code: int = 200, **context: Any) -> Template:
    ticket = await queries.ticket_for_customer(workspace["id"], ticket_hash)
    context.setdefault("errors", {})
    return render(
        request,
        "portal/ticket.html",
        {
            "workspace": workspace,
            "ticket": ticket,
            "permalink": request.app.state.links.permalink(workspace["key"], ticket["hash"]),
            "entries": await queries.thread(ticket["id"], for_customer=True),
            "attachments": await queries.attachments(ticket["id"], for_customer=True),
            "closed": ticket["status"] == Status.CLOSED,
            "awaiting": ticket["status"] == Status.AWAITING_CONFIRMATION,
            **context,
        },
        fragment="portal/_ticket_body.html",
        status_code=status_code,
    )


@get("/{workspace_key:str}/ticket/show/{ticket_hash:str}")
async def show_ticket(request: Request, workspace_key: FromPath[str], ticket_hash: FromPath[str], confirmation: FromQuery[str | None] = None) -> Template:
    workspace = await get_by_key(workspace_key)
    notice = None
    if confirmation:
        try:
            if await tickets.confirm_ticket(workspace, ticket_hash, confirmation):
                notice = "Thank you, your e-mail address is confirmed. Our team will get back to you."
        except Forbidden as exc:
            return await _ticket_page(request, workspace, ticket_hash, 403, notice_error=exc.message)
    return await _ticket_page(request, workspace, ticket_hash, notice=notice)


@post("/{workspace_key:str}/ticket/show/{ticket_hash:str}/reply")
async def reply(request: Request, workspace_key: FromPath[str], ticket_hash: FromPath[str], data: Form) -> Template | Redirect:
    workspace = await get_by_key(workspace_key)
    try:
        await tickets.customer_reply(workspace, ticket_hash, data)
    except ValidationFailed as exc:
        return await _ticket_page(request, workspace, ticket_hash, 422, errors=exc.errors, values=data)
    except Conflict as exc:
        return await _ticket_page(request, workspace, ticket_hash, 409, notice_error=exc.message)
    if is_htmx(request):
        return await _ticket_page(request, workspace, ticket_hash, notice="Your message has been sent.")
    return Redirect(f"/{workspace_key}/ticket/show/{ticket_hash}", status_code=303)


@post("/{workspace_key:str}/ticket/show/{ticket_hash:str}/upload")
async def upload(request: Request, workspace_key: FromPath[str], ticket_hash: FromPath[str], data: Multipart) -> Template | Redirect:
    workspace = await get_by_key(workspace_key)
    file = data.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise ValidationFailed({"file": "Please choose a file."})
        content = await file.read()
        await tickets.add_customer_attachment(
            workspace, ticket_hash, Upload(file.filename, file.content_type, content), request.app.state.storage
        )
    except ValidationFailed as exc:
        return await _ticket_page(request, workspace, ticket_hash, 422, errors=exc.errors)
    except (Conflict, Forbidden) as exc:
        return await _ticket_page(request, workspace, ticket_hash, exc.status_code, notice_error=exc.message)
    if is_htmx(request):
        return await _ticket_page(request, workspace, ticket_hash, notice="Your file has been uploaded.")
    return Redirect(f"/{workspace_key}/ticket/show/{ticket_hash}", status_code=303)


@get("/{workspace_key:str}/ticket/show/{ticket_hash:str}/file/{attachment_id:int}")
async def download(request: Request, workspace_key: FromPath[str], ticket_hash: FromPath[str], attachment_id: FromPath[int]) -> Response:
    workspace = await get_by_key(workspace_key)
    row = await queries.attachment_for_customer(workspace["id"], ticket_hash, attachment_id)
    return attachment_response(request, row)


def attachment_response(request: Request, row: dict) -> File:
    """Always a download, never rendered inline by the browser (uploaded HTML must not run)."""
    return File(
        path=request.app.state.storage.directory / row["stored_name"],
        filename=row["filename"],
        media_type="application/octet-stream",
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"},
    )


ROUTES = [public_page, create_ticket, open_by_hash, show_ticket, reply, upload, download]
