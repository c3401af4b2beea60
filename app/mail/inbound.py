"""Mail in: one raw message in, one ticket change (or a reason why not) out.

Every way a message enters (the pipe endpoint and `helprealm mailgate`, the IMAP fetcher, the
Trivial Tickets gateway's `receive`) calls `MailIn.receive(workspace, raw, source=...)`, and
nothing else: the steps below run in this order for all of them (issue 11, DESIGN.md §6).

    too large            -> quarantined unparsed
    parse (parse.py)     -> quarantined when it is not a mail at all
    seen before          -> "duplicate" (per workspace: the Message-ID, else a hash of the bytes)
    guards (filters.py)  -> "dropped": our own mail, auto-replies; bounces mark the outbox mail
    loop guard           -> quarantined: more than N messages from one sender in a minute
    which ticket         -> our signed Message-IDs in In-Reply-To/References, then [ID:<hash>]
    who may post         -> the customer, a CC participant, or an agent vouched for by a trusted
                            receiving server; anyone else is quarantined, never posted
    the change           -> app/tickets/service/mail_in.py, in one transaction with the
                            inbound_mail row that makes the message "seen"
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import timedelta

from app import clock, db
from app.accounts.viewer import load_viewer
from app.cache import TTLCache
from app.config import Settings
from app.errors import DomainError
from app.mail import bounces, filters, quarantine, senders, thread_ids
from app.mail.parse import ParsedMessage, UnparseableMessage, dedup_key, parse_message
from app.mail.quotes import split_reply
from app.mail.safe_html import split_quote
from app.mail.tables import InboundMail
from app.mail.workspace_mail import WorkspaceMail
from app.tickets import files
from app.tickets import service as tickets
from app.tickets.inputs import TEXT_HARD_LIMIT, Channel, Reply
from app.tickets.refs import AgentTicket
from app.tickets.service import mail_in
from app.tickets.service.unit import Actor, change
from app.tickets.status import Status
from app.tickets.tables import Ticket
from app.validation import valid_email

log = logging.getLogger("helprealm.mail")

SOURCES = ("pipe", "imap", "gateway")
OUTCOMES = ("created", "appended", "duplicate", "quarantined", "dropped")
_addresses: TTLCache[dict] = TTLCache("workspace mail address", ttl=60)
MERGE_HOPS = 10  # a chain of merges longer than this is cut (it cannot be one in practice)
HTML_LIMIT = 2_000_000  # a mail's HTML kept for the "original e-mail" view; the text is what counts


@dataclass(frozen=True)
class Outcome:
    """What became of a message; `ticket` is the ticket's hash (created or appended to)."""

    outcome: str
    ticket: str | None = None
    reason: str = ""

    def as_json(self) -> dict:
        """The pipe endpoint's answer (issue 11): code, outcome, ticket, reason."""
        return {"code": 200, "outcome": self.outcome, "ticket": self.ticket, "reason": self.reason}


@dataclass
class _Message:
    """One message on its way through: what every step reads and the row it ends as."""

    workspace: dict
    raw: bytes
    source: str
    key: str
    parsed: ParsedMessage | None = None
    sender: str = ""
    history: dict | None = None  # _history(): seen before, the sender's recent messages
    ours: list[str] = field(default_factory=list)  # our own addresses (never participants)

    def row(self, outcome: str, **values) -> InboundMail:
        parsed = self.parsed
        return InboundMail(workspace=self.workspace["id"], dedup_key=self.key, source=self.source, outcome=outcome,
                           sender=self.sender[:254], subject=(parsed.subject if parsed else "")[:300],
                           message_id=((parsed.message_id or "") if parsed else "")[:300], size=len(self.raw),
                           received_at=clock.now(), **values)


class MailIn:
    """The pipeline, made once by create_app (Services.mail_in) and handed to the IMAP fetcher."""

    def __init__(self, settings: Settings, storage: files.Storage) -> None:
        self.settings = settings
        self.storage = storage

    @property
    def quarantine_dir(self):
        return self.settings.quarantine_path

    async def receive(self, workspace: dict, raw: bytes, *, source: str) -> Outcome:
        """Process one raw RFC 822 message for `workspace` (a workspace row). Its effect and its
        "seen" mark are one transaction: after this returns, the same message again is a
        "duplicate". Raises only on a database failure (the caller retries later)."""
        raw = bytes(raw)
        message = _Message(workspace, raw, source, "sha256:" + hashlib.sha256(raw).hexdigest())
        if len(raw) > self.settings.mail.inbound_max_bytes:
            return await self.hold(message, quarantine.TOO_LARGE)
        try:
            message.parsed = parse_message(raw)
        except UnparseableMessage:
            return await self.hold(message, quarantine.UNPARSEABLE)
        message.key = dedup_key(message.parsed, raw)
        message.sender = (message.parsed.from_address or "").strip().lower()
        message.history = await _history(workspace["id"], message.key, message.sender)
        if message.history["seen"] is not None:
            return Outcome("duplicate", message.history["seen"] or None)
        return await self._route(message)

    async def _route(self, message: _Message) -> Outcome:
        parsed, workspace = message.parsed, message.workspace
        named = thread_ids.tickets_in_ids(parsed.in_reply_to, parsed.references)
        headers = {**parsed.guard_headers, "content-type": parsed.content_type}
        message.ours = [a.lower() for a in await self._our_addresses(workspace) if a]
        reason = filters.first_reason(headers, message.sender, message.ours, replies_to_us=bool(named))
        if reason:
            return await self._drop(message, reason)
        if not message.sender or not valid_email(message.sender):
            return await self.hold(message, quarantine.NO_SENDER)
        if message.history["last_minute"] >= self.settings.mail.loop_messages_per_minute:
            return await self.hold(message, quarantine.LOOP)
        ticket = await _ticket(workspace["id"], named or [thread_ids.ticket_in_subject(parsed.subject)])
        if ticket is None:
            return await self._open(message)
        return await self._reply(message, ticket)

    async def _open(self, message: _Message, follows: dict | None = None) -> Outcome:
        answered = message.history["created_last_hour"]
        post = self._post(message)
        return await self._write(message, post, lambda: mail_in.open_ticket(
            message.workspace, post, self.storage, follows=follows,
            acknowledge=answered < self.settings.mail.auto_answers_per_hour), "created")

    async def _reply(self, message: _Message, ticket: dict) -> Outcome:
        workspace = message.workspace
        auth = message.parsed.guard_headers.get("authentication-results", "")
        who = await senders.identify(ticket, message.sender, auth, self.settings.mail.trusted_authserv_ids)
        if who.role is None:
            return await self.hold(message, quarantine.STRANGER, ticket)
        if who.role == senders.AGENT:
            if not who.vouched:
                return await self.hold(message, quarantine.UNVOUCHED_AGENT, ticket)
            return await self._agent_reply(message, ticket, who.agent_id)
        if ticket["status"] == Status.CLOSED and workspace["closed_reply_mode"] == "new":
            return await self._open(message, follows=ticket)
        post = self._post(message)
        participant = (message.parsed.from_name or message.sender) if who.role == senders.PARTICIPANT else None
        was_waiting = ticket["status"] == Status.AWAITING_CONFIRMATION

        async def append() -> dict:
            changed = await mail_in.append(workspace, ticket["id"], post, self.storage, participant_name=participant)
            if was_waiting and changed["status"] == Status.OPEN:
                await mail_in.after_confirmation(workspace, ticket["id"])
            return changed
        return await self._write(message, post, append, "appended")

    async def _agent_reply(self, message: _Message, ticket: dict, agent_id: int) -> Outcome:
        viewer = await load_viewer(agent_id)
        if viewer is None:
            return await self.hold(message, quarantine.STRANGER, ticket)
        post = self._post(message)

        async def reply() -> dict:
            changed = await tickets.agent_reply(viewer, ticket["number"], Reply(post.text or "-", Channel.MAIL))
            if post.files or post.refused:
                async with change(AgentTicket(viewer, ticket["number"]), Actor.agent(viewer)) as c:
                    await mail_in.add_files(c, post, self.storage, by="agent")
            return changed
        return await self._write(message, post, reply, "appended")

    async def _write(self, message: _Message, post: mail_in.MailPost, effect, outcome: str) -> Outcome:
        """Run the effect and record the message as seen in one transaction. The post's files are
        on disk already: they go again when the transaction does not commit."""
        try:
            async with db.write():
                ticket = await effect()
                result = Outcome(outcome, ticket["hash"])
                await self._finish(message, result, ticket_id=ticket["id"])
        except sqlite3.IntegrityError as exc:
            _discard(self.storage, [f.stored_name for f in post.files])
            if "inbound_mail" not in str(exc):
                raise
            seen = (await _history(message.workspace["id"], message.key, message.sender))["seen"]
            return Outcome("duplicate", seen or None)  # the same message, at the same moment
        except DomainError as exc:  # a rule of the ticket said no (merged meanwhile, ...): a person decides
            _discard(self.storage, [f.stored_name for f in post.files])
            log.warning("Mail %s could not be posted: %s", message.key, exc)
            return await self.hold(message, quarantine.PROCESSING_FAILED)
        except BaseException:
            _discard(self.storage, [f.stored_name for f in post.files])
            raise
        _discard(self.storage, post.unused)
        return result

    async def _drop(self, message: _Message, reason: str) -> Outcome:
        """Nothing is posted or answered; a bounce marks the mail it answers."""
        try:
            async with db.write():
                if reason == filters.BOUNCE:
                    await bounces.mark_bounced(message.workspace["id"], message.raw)
                return await self._finish(message, Outcome("dropped", reason=reason))
        except sqlite3.IntegrityError:  # the same message, at the same moment
            return Outcome("duplicate")

    async def _finish(self, message: _Message, result: Outcome, *, ticket_id: int | None = None) -> Outcome:
        async with db.write():
            await message.row(result.outcome, reason=result.reason, ticket=ticket_id).save()
        log.info("Mail %s from %s (%s): %s %s %s", message.key[:80], message.sender or "?", message.source,
                 result.outcome, result.ticket or "", result.reason)
        return result

    async def hold(self, message: _Message, reason: str, ticket: dict | None = None) -> Outcome:
        """Quarantine the message: its raw bytes to the quarantine folder, its row "held"."""
        raw_name = quarantine.store_raw(self.quarantine_dir, message.raw)
        try:
            async with db.write():
                await message.row("quarantined", reason=reason, ticket=ticket["id"] if ticket else None,
                                  raw_name=raw_name, state=quarantine.HELD).save()
        except sqlite3.IntegrityError:
            files.discard(self.quarantine_dir, raw_name)
            return Outcome("duplicate", None)
        except BaseException:
            files.discard(self.quarantine_dir, raw_name)
            raise
        log.warning("Mail %s from %s (%s) quarantined: %s", message.key[:80], message.sender or "?",
                    message.source, reason)
        return Outcome("quarantined", ticket["hash"] if ticket else None, reason)

    def _post(self, message: _Message) -> mail_in.MailPost:
        """The message as a post: what they wrote, the quoted rest, its HTML and checked files."""
        parsed, workspace = message.parsed, message.workspace
        written = split_reply(parsed.text)
        text = (written.text if written.text.strip() else parsed.text)[:TEXT_HARD_LIMIT]
        html = parsed.html or ""
        if html and not split_quote(html)[0].strip():
            html = ""
        ours = {a.lower() for a in parsed.to} | {message.sender} | set(message.ours)
        post = mail_in.MailPost(sender=message.sender, name=parsed.from_name, subject=parsed.subject, text=text,
                                quoted=written.quoted[:TEXT_HARD_LIMIT], html=html[:HTML_LIMIT],
                                cc=[a.lower() for a in parsed.cc if a and a.lower() not in ours][:20])
        for attachment in parsed.attachments:
            upload = files.Upload(attachment.filename, attachment.content_type, attachment.data)
            name = files.safe_filename(attachment.filename)
            if not workspace["allow_customer_uploads"]:
                post.refused.append({"filename": name, "why": "uploads_off"})
                continue
            try:
                name = files.check_upload(upload, workspace=workspace, ceiling=self.storage.max_bytes)
            except DomainError:
                post.refused.append({"filename": name, "why": _refusal(upload, workspace, self.storage)})
                continue
            post.files.append(mail_in.MailFile(name, files.store(self.storage.directory, attachment.data),
                                               attachment.content_type, len(attachment.data)))
        return post

    async def _our_addresses(self, workspace: dict) -> list[str]:
        """The installation's sender and the workspace's own address (cached for a minute: a
        changed address is known to the loop guard a minute later)."""
        row = await _addresses.get(workspace["id"], lambda: WorkspaceMail.select(WorkspaceMail.address).where(
            WorkspaceMail.workspace == workspace["id"]).first())
        return [self.settings.mail.from_address, row["address"] if row else ""]


def _refusal(upload: files.Upload, workspace: dict, storage: files.Storage) -> str:
    """Why check_upload refused the file, as a code the ticket's event words in the reader's language."""
    if not upload.data:
        return "empty"
    if len(upload.data) > files.max_upload_bytes(workspace, storage.max_bytes):
        return "size"
    return "type"


def _discard(storage: files.Storage, names: list[str]) -> None:
    for name in names:
        files.discard(storage.directory, name)


# What the pipeline needs to know about the sender and the message, in one round trip: has this
# message been seen (and on which ticket), how many messages came from the sender in the last
# minute (the loop guard), how many of them opened a ticket in the last hour (automatic answers).
_HISTORY = """
SELECT (SELECT COALESCE(t.hash, '') FROM inbound_mail m LEFT JOIN ticket t ON t.id = m.ticket
         WHERE m.workspace = {} AND m.dedup_key = {}) AS seen,
       COALESCE(SUM(received_at >= {}), 0) AS last_minute,
       COALESCE(SUM(outcome = 'created'), 0) AS created_last_hour
FROM inbound_mail WHERE workspace = {} AND sender = {} AND received_at >= {}
"""


async def _history(workspace_id: int, key: str, sender: str) -> dict:
    now = clock.now()
    rows = await InboundMail.raw(_HISTORY, workspace_id, key, now - timedelta(minutes=1), workspace_id, sender,
                                 now - timedelta(hours=1))
    return rows[0]


async def _ticket(workspace_id: int, hashes: list[str | None]) -> dict | None:
    """The first named ticket of this workspace (another workspace's hash is unknown here), or the
    ticket it was merged into."""
    for ticket_hash in hashes:
        if not ticket_hash:
            continue
        ticket = await Ticket.select().where(Ticket.workspace == workspace_id, Ticket.hash == ticket_hash).first()
        for _hop in range(MERGE_HOPS):
            if ticket is None or ticket["merged_into"] is None:
                break
            ticket = await Ticket.select().where(Ticket.workspace == workspace_id,
                                                 Ticket.id == ticket["merged_into"]).first()
        if ticket is not None:
            return ticket
    return None
