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

from dataclasses import dataclass

from app.config import Settings
from app.tickets.files import Storage

SOURCES = ("pipe", "imap", "gateway")
OUTCOMES = ("created", "appended", "duplicate", "quarantined", "dropped")


@dataclass(frozen=True)
class Outcome:
    """What became of a message; `ticket` is the ticket's hash (created or appended to)."""

    outcome: str
    ticket: str | None = None
    reason: str = ""

    def as_json(self) -> dict:
        """The pipe endpoint's answer (issue 11): code, outcome, ticket, reason."""
        return {"code": 200, "outcome": self.outcome, "ticket": self.ticket, "reason": self.reason}


class MailIn:
    """The pipeline, made once by create_app (Services.mail_in) and handed to the IMAP fetcher."""

    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage

    async def receive(self, workspace: dict, raw: bytes, *, source: str) -> Outcome:
        """Process one raw RFC 822 message for `workspace` (a workspace row). Its effect and its
        "seen" mark are one transaction: after this returns, the same message again is a
        "duplicate". Raises only on a database failure (the caller retries later)."""
        raise NotImplementedError
