"""The quarantine's decisions: a superadmin posts a held message to its ticket, opens a ticket
from it, or discards it (issue 11 §6). The page is app/mail/admin.py.

A held message is parsed again from its raw file and made into a post by the pipeline's own
`MailIn._post` (same quote split, same attachment rules), so a released message looks exactly as
if the pipeline had taken it. Each decision is one transaction with the row's new state and the
audit entry: two admins clicking at once decide once (the state is checked inside it). A message
that cannot be read (too large, not a mail, its file gone) can only be discarded.
"""

from __future__ import annotations

from dataclasses import dataclass

from app import clock, db
from app.accounts.viewer import Viewer
from app.audit.service import record
from app.errors import Conflict, NotFound
from app.i18n import _
from app.mail import quarantine, thread_ids
from app.mail.inbound import MailIn, _discard, _Message, _ticket
from app.mail.parse import ParsedMessage, UnparseableMessage, parse_message
from app.mail.tables import InboundMail
from app.tickets.queries import Page, pages_for
from app.tickets.service import mail_in
from app.workspaces.service import get_by_id

POST, OPEN, DISCARD = "post", "open", "discard"
ACTIONS = (POST, OPEN, DISCARD)


@dataclass(frozen=True)
class Released:
    """What a decision did: the row's new state and the ticket it went to (None: discarded)."""

    state: str
    ticket: dict | None = None


async def held_row(workspace_id: int, row_id: int) -> dict:
    """A quarantined message of this workspace (any state), with its named ticket's number;
    another workspace's id is "not found"."""
    row = await InboundMail.select(*InboundMail.all_columns(), InboundMail.ticket.number.as_alias("ticket_number"),
                                   InboundMail.ticket.hash.as_alias("ticket_hash")).where(
        InboundMail.id == row_id, InboundMail.workspace == workspace_id,
        InboundMail.outcome == "quarantined").first()
    if row is None:
        raise NotFound(_("No such message."))
    return row


def parse_held(pipeline: MailIn, row: dict) -> tuple[bytes | None, ParsedMessage | None]:
    """The held message's bytes and, when it is a mail we could read, the parsed message. A
    message held as too large is not read whole (None, None): see `raw_head`."""
    if row["reason"] == quarantine.TOO_LARGE:
        return None, None
    raw = quarantine.read_raw(pipeline.quarantine_dir, row["raw_name"])
    if raw is None:
        return None, None
    try:
        return raw, parse_message(raw)
    except UnparseableMessage:
        return raw, None


def raw_head(pipeline: MailIn, row: dict, limit: int) -> bytes | None:
    """The first `limit` bytes of the held message's file (None when it is gone): what the frame
    shows of a message that could not be parsed, without reading a huge one whole."""
    name = row["raw_name"]
    if not name or "/" in name or name.startswith("."):
        return None
    path = pipeline.quarantine_dir / name
    if not path.is_file():
        return None
    with path.open("rb") as file:
        return file.read(limit)


async def named_ticket(workspace_id: int, row: dict, parsed: ParsedMessage | None) -> dict | None:
    """The ticket the message is for: the one the pipeline found, else the one its headers or
    subject name (a loop or a sender check held it before the pipeline looked); a merged ticket
    is followed to the one it lives on in; another workspace's hash is unknown here."""
    if row["ticket_hash"]:
        return await _ticket(workspace_id, [row["ticket_hash"]])
    if parsed is None:
        return None
    named = thread_ids.tickets_in_ids(parsed.in_reply_to, parsed.references)
    return await _ticket(workspace_id, named or [thread_ids.ticket_in_subject(parsed.subject)])


async def release(pipeline: MailIn, viewer: Viewer, row_id: int, action: str) -> Released:
    """Decide on a held message: POST it to the ticket it named (the customer's message when the
    customer sent it, else a message by the sender's name), OPEN a new ticket from it, or DISCARD
    it (its file is purged 30 days later). Raises NotFound (not this workspace's), Conflict
    (decided already, or it cannot be read for POST/OPEN, or it names no ticket for POST)."""
    workspace = await get_by_id(viewer.workspace_id)
    row = await held_row(workspace["id"], row_id)
    if action not in ACTIONS:
        raise Conflict(_("Unknown action."))
    _check_held(row)
    if action == DISCARD:
        return await _discard_row(viewer, row)
    raw, parsed = parse_held(pipeline, row)
    if raw is None or parsed is None:
        raise Conflict(_("This message cannot be read; it can only be discarded."))
    target = None
    if action == POST:
        target = await named_ticket(workspace["id"], row, parsed)
        if target is None:
            raise Conflict(_("This message names no ticket of this workspace."))
    message = _Message(workspace, raw, row["source"], row["dedup_key"], parsed,
                       (parsed.from_address or row["sender"] or "").strip().lower())
    if not message.sender:
        raise Conflict(_("This message has no sender address; it can only be discarded."))
    post = pipeline._post(message)
    try:
        async with db.write():
            _check_held(await held_row(workspace["id"], row_id))  # decided meanwhile by someone else
            if target is not None:
                is_customer = message.sender == target["customer_email"].lower()
                ticket = await mail_in.append(workspace, target["id"], post, pipeline.storage,
                                              participant_name=None if is_customer else (post.name or post.sender))
            else:
                ticket = await mail_in.open_ticket(workspace, post, pipeline.storage)
            await _resolve(row_id, quarantine.RELEASED, ticket["id"])
            await record(workspace["id"], viewer, f"quarantine.{action}", subject=row["subject"] or row["sender"],
                         after={"sender": row["sender"], "ticket": ticket["number"]})
    except BaseException:  # nothing committed: the post's files, already on disk, go again
        _discard(pipeline.storage, [f.stored_name for f in post.files])
        raise
    _discard(pipeline.storage, post.unused)
    return Released(quarantine.RELEASED, ticket)


def _check_held(row: dict) -> None:
    if row["state"] != quarantine.HELD:
        raise Conflict(_("This message has been dealt with already."))


async def _discard_row(viewer: Viewer, row: dict) -> Released:
    async with db.write():
        _check_held(await held_row(viewer.workspace_id, row["id"]))
        await _resolve(row["id"], quarantine.DISCARDED, row["ticket"])
        await record(viewer.workspace_id, viewer, "quarantine.discard", subject=row["subject"] or row["sender"],
                     after={"sender": row["sender"], "reason": row["reason"]})
    return Released(quarantine.DISCARDED)


async def _resolve(row_id: int, state: str, ticket_id: int | None) -> None:
    await InboundMail.update({InboundMail.state: state, InboundMail.ticket: ticket_id,
                              InboundMail.resolved_at: clock.now()}).where(InboundMail.id == row_id)



# -- what the quarantine page reads ---------------------------------------------------------------

STATES = (quarantine.HELD, quarantine.DISCARDED, quarantine.RELEASED)
PER_PAGE = 50


def reason_text(code: str) -> str:
    """A reason code in words, in the reader's language."""
    words = {
        quarantine.TOO_LARGE: _("Too large to be processed"),
        quarantine.UNPARSEABLE: _("Not a readable e-mail"),
        quarantine.NO_SENDER: _("No valid sender address"),
        quarantine.LOOP: _("Too many messages from this sender (a mail loop?)"),
        quarantine.STRANGER: _("Names a ticket, but is not from its customer or a participant"),
        quarantine.UNVOUCHED_AGENT: _("From an agent's address, but not vouched for by a trusted server"),
        quarantine.PROCESSING_FAILED: _("Could not be posted"),
    }
    return words.get(code, code)


async def counts(workspace_id: int) -> dict[str, int]:
    """How many quarantined messages are in each state (the filter shows them)."""
    rows = await InboundMail.raw(
        "SELECT state, COUNT(*) AS n FROM inbound_mail WHERE workspace = {} AND outcome = 'quarantined' "
        "GROUP BY state", workspace_id)
    found = {row["state"]: row["n"] for row in rows}
    return {state: found.get(state, 0) for state in STATES}


async def listing(workspace_id: int, state: str, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the workspace's quarantined messages in `state`, newest first."""
    where = [InboundMail.workspace == workspace_id, InboundMail.outcome == "quarantined", InboundMail.state == state]
    total = await InboundMail.count().where(*where)
    page = min(page, pages_for(total, per_page))
    rows = await (InboundMail.select(
        InboundMail.id, InboundMail.sender, InboundMail.subject, InboundMail.reason, InboundMail.received_at,
        InboundMail.resolved_at, InboundMail.source, InboundMail.ticket.number.as_alias("ticket_number"))
        .where(*where).order_by(InboundMail.received_at, ascending=False).order_by(InboundMail.id, ascending=False)
        .limit(per_page).offset((page - 1) * per_page))
    return Page(rows=rows, total=total, page=page, per_page=per_page)
