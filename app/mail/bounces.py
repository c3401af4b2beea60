"""Bounces: a delivery status notification marks the outbox mail it answers (issue 11 §4).

A bounce posts nothing and is answered by nothing. It names the failed recipients (flufl.bounce
reads RFC 3464 DSNs and the many older formats real mail servers still send, and tells permanent
failures from "delayed" notices) and usually carries the original message or its headers, with
our Message-ID. The outbox mails of the workspace with one of those ids and a permanently failed
address are marked bounced, and the ticket gets an event that says so: the agent sees that the
customer never got the reply.
"""

from __future__ import annotations

import contextlib
import email
import logging
import re

from flufl.bounce import all_failures

from app import clock
from app.errors import Conflict, NotFound
from app.mail.tables import OutboxMail
from app.tickets.refs import TicketById
from app.tickets.service.unit import SYSTEM, change

log = logging.getLogger("helprealm.mail")

_ID = re.compile(rb"<([^<>\s@]{1,200}@[^<>\s]{1,200})>")


def failed_addresses(raw: bytes) -> set[str]:
    """The permanently failed recipients a bounce names, lowercased (empty for a "delayed" notice
    or a report the detectors do not understand)."""
    try:
        _temporary, permanent = all_failures(email.message_from_bytes(raw))
    except Exception:  # a detector choking on odd input: no address rather than no bounce handling
        log.exception("Could not read the bounce's recipients")
        return set()
    return {(a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a)).strip().lower() for a in permanent}


async def mark_bounced(workspace_id: int, raw: bytes) -> list[dict]:
    """Mark the workspace's outbox mails this bounce answers; returns them. Call inside the
    caller's write transaction."""
    failed = failed_addresses(raw)
    ids = {"<" + found.decode("ascii", "replace") + ">" for found in _ID.findall(raw[:2_000_000])}
    if not failed or not ids:
        return []
    mails = await OutboxMail.select(OutboxMail.id, OutboxMail.ticket, OutboxMail.to_address).where(
        OutboxMail.workspace == workspace_id, OutboxMail.message_id.is_in(sorted(ids)[:500]),
        OutboxMail.bounced_at.is_null())
    mails = [mail for mail in mails if mail["to_address"].lower() in failed]
    now = clock.now()
    for mail in mails:
        await OutboxMail.update({OutboxMail.bounced_at: now,
                                 OutboxMail.bounce_reason: "permanent failure"}).where(OutboxMail.id == mail["id"])
        if mail["ticket"] is not None:
            with contextlib.suppress(Conflict, NotFound):  # merged or deleted since: the mark is enough
                async with change(TicketById(workspace_id, mail["ticket"]), SYSTEM) as c:
                    c.event("bounced", {"to": mail["to_address"]})
    return mails
