"""Everything a customer reaches without logging in: the public form and the secret ticket page.

Every route here is under `/{workspace_key}/`; the portal router provides the `workspace` from
that key (404 for an unknown one). The customer's only credential is the ticket hash.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.response import File, Redirect, Template

from app.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from app.faq import deflection
from app.faq import service as faq
from app.i18n import _
from app.links import Links
from app.services import Services
from app.tickets import queries, service
from app.tickets.files import Upload, accepted_extensions
from app.tickets.inputs import NewTicket, Reply
from app.tickets.refs import CustomerTicket
from app.tickets.status import Status
from app.web.captcha import Captchas
from app.web.dependencies import Injected
from app.web.files import download as file_download
from app.web.files import read_upload
from app.web.params import EntryId, Form, Id, Multipart, OptionalText, PathText, Text
from app.web.render import is_htmx, render
from app.workspaces import backgrounds
from app.workspaces.service import get_by_key

NO_STORE = CacheControlHeader(no_store=True)  # the ticket page is private: no copies in caches


async def provide_workspace(workspace_key: PathText, services: Injected[Services]) -> dict:
    """The portal router's `workspace`: the row for the key in the path (a copy), with the
    background image its pages show, if any (both cached). (`services` is unused but orders the
    resolution: app/services.py.)"""
    workspace = await get_by_key(workspace_key)
    workspace["background_image"] = await backgrounds.pick(workspace)
    return workspace


# -- the public page -------------------------------------------------------------------------


async def _form_page(request: Request, workspace: dict, captchas: Captchas, status_code: int = 200,
                     **context: Any) -> Template:
    context.setdefault("values", {"prio": "1"})
    context.setdefault("errors", {})
    return render(
        request,
        "portal/index.html",
        {
            "workspace": workspace,
            "types": await queries.ticket_types(workspace["id"]),
            "faq": await faq.list_entries(workspace["id"]),
            "captcha": captchas.new(),
            # Kept across a re-shown form, so a suggestion opened before a typo still counts.
            "faq_nonce": deflection.valid_nonce(context.get("values", {}).get("faq_nonce")) or deflection.new_nonce(),
            **context,
        },
        fragment="portal/_ticket_form.html",
        status_code=status_code,
    )


@get("/{workspace_key:str}", name="portal.index")
async def public_page(request: Request, workspace: Injected[dict], services: Injected[Services]) -> Template:
    return await _form_page(request, workspace, services.captchas)


@post("/{workspace_key:str}/ticket/create", name="portal.create")
async def create_ticket(request: Request, workspace: Injected[dict], data: Form,
                        services: Injected[Services]) -> Template:
    captchas, ticket_wait = services.captchas, services.ticket_wait
    address = services.client.of(request)
    values = {k: v for k, v in data.items() if k in ("name", "email", "subject", "text", "type", "prio", "faq_nonce")}
    try:
        # Claimed before any await, so simultaneous tickets from one address cannot all pass.
        ticket_wait.claim(address, _("Please wait %(seconds)d seconds before opening another ticket."))
    except RateLimited as exc:
        return await _form_page(request, workspace, captchas, 429, values=values, form_error=exc.message)
    try:
        types = {row["id"] for row in await queries.ticket_types(workspace["id"])}  # to show every problem at once
        new = NewTicket.from_form(data, type_ids=types, extra_errors=captchas.errors(data))
        await service.create_ticket(workspace, new, faq_nonce=deflection.pending(data.get("faq_nonce")))
    except ValidationFailed as exc:
        ticket_wait.release(address)  # nothing was opened: fixing the form needs no wait
        return await _form_page(request, workspace, captchas, 422, values=values, errors=exc.errors)
    except BaseException:
        ticket_wait.release(address)
        raise
    return render(request, "portal/index.html",
                  {"workspace": workspace, "created": True, "faq": await faq.list_entries(workspace["id"])},
                  fragment="portal/_ticket_form.html")


@get("/{workspace_key:str}/ticket/open", name="portal.open")
async def open_by_hash(request: Request, workspace: Injected[dict], hash: Text = "") -> Redirect:
    """The public page's "open your ticket" box."""
    ref = CustomerTicket(workspace["id"], hash.strip().lower())
    if not ref.well_formed:
        raise NotFound(_("No such ticket."))
    return Redirect(_ticket_url(request, workspace, ref.hash), status_code=303)


# -- the secret ticket page ------------------------------------------------------------------


def _ticket_url(request: Request, workspace: dict, ticket_hash: str) -> str:
    return request.app.route_reverse("portal.ticket", workspace_key=workspace["key"], ticket_hash=ticket_hash)


async def _ticket_page(request: Request, workspace: dict, ticket_hash: str, links: Links, status_code: int = 200,
                       editing: int | None = None, **context: Any) -> Template:
    """The secret ticket page (or its #ticket fragment); `editing`: the message whose edit form is
    open, if the customer may still edit it. `context` adds notices, errors and drafts."""
    ticket = await queries.ticket_page(CustomerTicket(workspace["id"], ticket_hash))
    context.setdefault("errors", {})
    entries = await queries.thread(ticket["id"], for_customer=True)
    closed = ticket["status"] == Status.CLOSED
    awaiting = ticket["status"] == Status.AWAITING_CONFIRMATION
    editable = set() if closed or awaiting or ticket["merged_into"] else editable_messages(entries)
    merged_into = None
    if ticket["merged_into_hash"]:
        merged_into = {"number": ticket["merged_into_number"],
                       "url": _ticket_url(request, workspace, ticket["merged_into_hash"])}
    return render(
        request,
        "portal/ticket.html",
        {
            "workspace": workspace,
            "ticket": ticket,
            "permalink": links.permalink(workspace["key"], ticket["hash"]),
            "entries": entries,
            "editable": editable,
            "editing": editing if editing in editable else None,  # ?edit= opens only what may be edited
            "post_draft": None,
            "edit_post_url": lambda entry_id: request.app.route_reverse(
                "portal.edit_post", workspace_key=workspace["key"], ticket_hash=ticket["hash"], entry_id=entry_id),
            "attachments": await queries.attachments(ticket["id"], for_customer=True),
            "upload_types": " ".join(accepted_extensions(workspace)),
            "closed": closed,
            "awaiting": awaiting,
            "merged_into": merged_into,
            **context,
        },
        fragment="portal/_ticket.html",
        status_code=status_code,
    )


@get("/{workspace_key:str}/ticket/show/{ticket_hash:str}", name="portal.ticket", cache_control=NO_STORE)
async def show_ticket(request: Request, workspace: Injected[dict], ticket_hash: PathText, services: Injected[Services],
                      confirmation: OptionalText = None, edit: EntryId = None) -> Template:
    links = services.links
    notice = None
    if confirmation:
        try:
            if await service.confirm_ticket(workspace, ticket_hash, confirmation):
                notice = _("Thank you, your e-mail address is confirmed. Our team will get back to you.")
        except Forbidden as exc:
            return await _ticket_page(request, workspace, ticket_hash, links, 403, notice_error=exc.message)
    return await _ticket_page(request, workspace, ticket_hash, links, notice=notice, editing=edit)


def editable_messages(entries: list[dict]) -> set[int]:
    """The customer's messages no agent has answered yet (entries come newest first)."""
    editable = set()
    for entry in entries:
        if entry["kind"] == "reply":
            break
        if entry["kind"] == "customer" and not (entry["data"] or {}).get("merged_from"):
            editable.add(entry["id"])
    return editable


def _count_post(services: Services, request: Request, ticket_hash: str) -> None:
    services.posts.hit([f"ip:{services.client.of(request)}", f"ticket:{ticket_hash.lower()}"],
                       _("You are posting too fast. Please wait a minute and try again."))


async def _after_post(request: Request, workspace: dict, ticket_hash: str, links: Links, notice: str) -> Response:
    if is_htmx(request):
        return await _ticket_page(request, workspace, ticket_hash, links, notice=notice)
    return Redirect(_ticket_url(request, workspace, ticket_hash), status_code=303)


@post("/{workspace_key:str}/ticket/show/{ticket_hash:str}/reply", name="portal.reply", cache_control=NO_STORE)
async def reply(request: Request, workspace: Injected[dict], ticket_hash: PathText, data: Form,
                services: Injected[Services]) -> Response:
    links = services.links
    try:
        new = Reply.from_form(data, label=_("Your message"))
        _count_post(services, request, ticket_hash)
        await service.customer_reply(workspace, ticket_hash, new)
    except ValidationFailed as exc:
        return await _ticket_page(request, workspace, ticket_hash, links, 422, errors=exc.errors,
                                  values={"text": data.get("text") if isinstance(data.get("text"), str) else ""})
    except (Conflict, RateLimited) as exc:
        return await _ticket_page(request, workspace, ticket_hash, links, exc.status_code, notice_error=exc.message)
    return await _after_post(request, workspace, ticket_hash, links, _("Your message has been sent."))


@post("/{workspace_key:str}/ticket/show/{ticket_hash:str}/upload", name="portal.upload", cache_control=NO_STORE)
async def upload(request: Request, workspace: Injected[dict], ticket_hash: PathText, data: Multipart,
                 services: Injected[Services]) -> Response:
    links = services.links
    try:
        upload = Upload(*await read_upload(data))
        _count_post(services, request, ticket_hash)
        await service.add_customer_attachment(workspace, ticket_hash, upload, services.storage)
    except ValidationFailed as exc:
        return await _ticket_page(request, workspace, ticket_hash, links, 422, errors=exc.errors)
    except (Conflict, Forbidden, RateLimited) as exc:
        return await _ticket_page(request, workspace, ticket_hash, links, exc.status_code, notice_error=exc.message)
    return await _after_post(request, workspace, ticket_hash, links, _("Your file has been uploaded."))


@post("/{workspace_key:str}/ticket/show/{ticket_hash:str}/posts/{entry_id:int}", name="portal.edit_post",
      cache_control=NO_STORE)
async def edit_post(request: Request, workspace: Injected[dict], ticket_hash: PathText, entry_id: Id, data: Form,
                    services: Injected[Services]) -> Response:
    """The customer corrects a message of theirs that no agent has answered yet."""
    links = services.links
    try:
        new = Reply.from_form(data, label=_("Your message"))
        _count_post(services, request, ticket_hash)
        await service.edit_customer_post(workspace, ticket_hash, entry_id, new)
    except ValidationFailed as exc:
        errors = {f"post-{entry_id}": exc.errors.get("text", exc.message)}
        text = data.get("text") if isinstance(data.get("text"), str) else ""
        return await _ticket_page(request, workspace, ticket_hash, links, 422, errors=errors, editing=entry_id,
                                  post_draft=text)
    except (Conflict, Forbidden, RateLimited) as exc:
        return await _ticket_page(request, workspace, ticket_hash, links, exc.status_code, notice_error=exc.message)
    return await _after_post(request, workspace, ticket_hash, links, _("Your message has been updated."))


@get("/{workspace_key:str}/ticket/show/{ticket_hash:str}/file/{attachment_id:int}", name="portal.file")
async def download(workspace: Injected[dict], ticket_hash: PathText, attachment_id: Id,
                   services: Injected[Services]) -> Response:
    row = await queries.attachment(CustomerTicket(workspace["id"], ticket_hash), attachment_id, for_customer=True)
    return file_download(services.storage.directory / row["stored_name"], row["filename"])


# Background images are public (they are what the public page shows) and never change under
# their URL (which carries the stored name), so browsers may keep them.
BACKGROUND_CACHE = CacheControlHeader(public=True, max_age=7 * 24 * 3600)


@get("/{workspace_key:str}/background/{image_id:int}", name="portal.background", cache_control=BACKGROUND_CACHE)
async def background(workspace: Injected[dict], image_id: Id, services: Injected[Services],
                     size: Text = "") -> Response:
    """One of this workspace's background images (`?size=thumb`: the settings page's thumbnail);
    another workspace's id is not found."""
    image = await backgrounds.image_of(workspace["id"], image_id)
    name = image["stored_name"] + (".thumb.webp" if size == "thumb" else "")
    path = backgrounds.folder(services.settings.backgrounds_path, workspace["id"]) / name
    if not path.is_file():
        raise NotFound(_("No such image."))
    return File(path=path, media_type=backgrounds.media_type(name), content_disposition_type="inline",
                filename=name)


ROUTES = [background, public_page, create_ticket, open_by_hash, show_ticket, reply, edit_post, download]
UPLOADS = [upload]  # the only bodies larger than a form: create_app gives them the upload limit
