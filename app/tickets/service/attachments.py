"""Files on a ticket, added by the customer on their ticket page or by an agent.

The file is written to disk before the transaction (never hold SQLite's write lock for disk
I/O) and removed again if the transaction does not commit, so no file is left that the database
does not know. The per-ticket caps are checked inside the transaction, so two uploads at once
cannot both slip under them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import db
from app.errors import Forbidden, NotFound, ValidationFailed
from app.i18n import _
from app.tickets import files, refs
from app.tickets.inputs import NewTicket
from app.tickets.refs import AgentTicket, CustomerTicket, TicketById, TicketRef
from app.tickets.service.conversation import check_customer_may_write
from app.tickets.service.intake import Created, check_new_ticket, create_ticket
from app.tickets.service.unit import CUSTOMER, Actor, Change, change
from app.tickets.tables import Attachment
from app.workspaces.service import get_by_id

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer


async def _check_ticket_quota(ticket_id: int, size: int, storage: files.Storage) -> None:
    rows = await Attachment.raw(
        "SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM attachment WHERE ticket = {}", ticket_id
    )
    count, used = rows[0]["n"], rows[0]["bytes"]
    if count >= storage.max_files_per_ticket:
        raise ValidationFailed({"file": _("This ticket already has the most files it may hold (%(n)d).",
                                          n=storage.max_files_per_ticket)})
    if used + size > storage.max_bytes_per_ticket:
        raise ValidationFailed({"file": _("This file would take the ticket over its %(mb)d MB of files.",
                                          mb=storage.max_bytes_per_ticket // (1024 * 1024))})


async def _attach(ref: TicketRef, actor: Actor, upload: files.Upload, storage: files.Storage, workspace: dict,
                  *, internal: bool = False) -> dict:
    """Check, store the file, then record it; the file goes again if the record does not commit.
    What refuses a file (the ticket out of reach or closed to the customer, its caps) is checked
    before the disk is touched, and again in the transaction, where it counts."""
    filename = files.check_upload(upload, workspace=workspace, ceiling=storage.max_bytes)
    ticket = await refs.load(ref)
    if actor.kind == "customer":
        check_customer_may_write(ticket)
    await _check_ticket_quota(ticket["id"], len(upload.data), storage)
    stored_name = files.store(storage.directory, upload.data)
    try:
        async with change(ref, actor) as c:
            if actor.kind == "customer":
                check_customer_may_write(c.ticket)
            return await _record(c, upload, filename, stored_name, storage, internal=internal)
    except BaseException:
        files.discard(storage.directory, stored_name)
        raise


async def _record(c: Change, upload: files.Upload, filename: str, stored_name: str, storage: files.Storage,
                  *, internal: bool = False) -> dict:
    """`internal`: a file that came with an internal note: agents only (no customer-side event)."""
    await _check_ticket_quota(c.ticket["id"], len(upload.data), storage)
    attachment = Attachment(
        ticket=c.ticket["id"],
        workspace=c.ticket["workspace"],
        filename=filename,
        stored_name=stored_name,
        content_type=(upload.content_type or "application/octet-stream")[:120],
        size=len(upload.data),
        uploaded_by=c.actor.kind,
        visible_to_customer=not internal,
        created_at=c.now,
    )
    await attachment.save()
    if not internal:
        c.event("attachment", {"filename": filename, "by": c.actor.kind})
    c.touch()
    return attachment.to_dict()


async def create_ticket_with_file(workspace: dict, new: NewTicket, upload: files.Upload,
                                  storage: files.Storage) -> tuple[Created, dict]:
    """A new ticket with the customer's file (the HelpRealm API's create with `attachment`): the
    workspace's upload rules refuse the file before anything is stored, and the ticket and the
    file's record commit together or not at all. (A ticket still awaiting its confirmation takes
    this first file: it came with the question.)"""
    if not workspace["allow_customer_uploads"]:
        raise Forbidden(_("File uploads are not enabled for this help desk."))
    filename = files.check_upload(upload, workspace=workspace, ceiling=storage.max_bytes, field="attachment")
    await check_new_ticket(workspace, new)  # a refused ticket stores no file either
    stored_name = files.store(storage.directory, upload.data)
    try:
        async with db.write():
            created = await create_ticket(workspace, new)
            async with change(TicketById(workspace["id"], created.ticket["id"]), CUSTOMER) as c:
                row = await _record(c, upload, filename, stored_name, storage)
            created.ticket.update(c.ticket)
    except BaseException:
        files.discard(storage.directory, stored_name)
        raise
    return created, row


async def add_customer_attachment(workspace: dict, ticket_hash: str, upload: files.Upload,
                                  storage: files.Storage) -> dict:
    if not workspace["allow_customer_uploads"]:
        raise Forbidden(_("File uploads are not enabled for this help desk."))
    return await _attach(CustomerTicket(workspace["id"], ticket_hash), CUSTOMER, upload, storage, workspace)


async def add_agent_attachment(viewer: Viewer, number: int, upload: files.Upload, storage: files.Storage,
                               *, internal: bool = False) -> dict:
    """`internal`: the file of an internal note (the REST API's comment with `internal`): never
    shown to or downloadable by the customer."""
    workspace = await get_by_id(viewer.workspace_id)
    return await _attach(AgentTicket(viewer, number), Actor.agent(viewer), upload, storage, workspace,
                         internal=internal)


async def delete_attachment(viewer: Viewer, number: int, attachment_id: int, storage: files.Storage) -> str:
    """An agent removes a file from the ticket; the file leaves the disk once that is committed."""
    async with change(AgentTicket(viewer, number), Actor.agent(viewer)) as c:
        row = await Attachment.select(Attachment.filename, Attachment.stored_name).where(
            Attachment.id == attachment_id, Attachment.ticket == c.ticket["id"]).first()
        if row is None:
            raise NotFound(_("No such file."))
        await Attachment.delete().where(Attachment.id == attachment_id)
        c.event("attachment_deleted", {"filename": row["filename"]})
        c.touch()
        stored_name = row["stored_name"]
        db.on_commit(lambda: files.discard(storage.directory, stored_name))
    return row["filename"]


async def delete_customer_attachment(workspace: dict, ticket_hash: str, attachment_id: int,
                                     storage: files.Storage) -> str:
    """The customer (through the HelpRealm API) removes a file they added; an agent's file is not
    theirs to remove, a file hidden from them does not exist for them. Closed: nothing changes."""
    async with change(CustomerTicket(workspace["id"], ticket_hash), CUSTOMER) as c:
        row = await Attachment.select(Attachment.filename, Attachment.stored_name, Attachment.uploaded_by).where(
            Attachment.id == attachment_id, Attachment.ticket == c.ticket["id"],
            Attachment.visible_to_customer == True).first()  # noqa: E712
        if row is None:
            raise NotFound(_("No such file."))
        if row["uploaded_by"] != "customer":
            raise Forbidden(_("You can only delete files you added."))
        check_customer_may_write(c.ticket)
        await Attachment.delete().where(Attachment.id == attachment_id)
        c.event("attachment_deleted", {"filename": row["filename"], "by": "customer"})
        c.touch()
        stored_name = row["stored_name"]
        db.on_commit(lambda: files.discard(storage.directory, stored_name))
    return row["filename"]
