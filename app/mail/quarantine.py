"""The quarantine: messages mail-in would not post, kept for a superadmin to decide (issue 11 §6).

A message is quarantined, never dropped silently, when it cannot be trusted or read: too large,
not a mail at all, a stranger writing on someone's ticket, an agent address no trusted server
vouched for, a sender looping. Its raw bytes are written to `<data>/quarantine/<raw_name>` before
its `inbound_mail` row is committed (and removed again if the row is not), so every held row has
its file. Discarded messages keep their row (the dedup key: the same message again stays a
duplicate) and lose their file 30 days later (`purge_discarded`, the cleanup loop).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from app import clock, db
from app.mail.tables import InboundMail
from app.tickets import files

log = logging.getLogger("helprealm.mail")

HELD, RELEASED, DISCARDED = "held", "released", "discarded"
KEEP_DISCARDED = timedelta(days=30)

# Reason codes (stored; worded for people by the quarantine page).
TOO_LARGE = "too_large"
UNPARSEABLE = "unparseable"
NO_SENDER = "no_sender"
LOOP = "loop"
STRANGER = "stranger"  # names a ticket, but is not from its customer, a participant or an agent
UNVOUCHED_AGENT = "unvouched_agent"  # an agent's address, but no trusted server vouched for it
PROCESSING_FAILED = "processing_failed"


def store_raw(directory: Path, raw: bytes) -> str:
    """Write the raw message under a random name (before the transaction); returns the name."""
    return files.store(directory, raw)


def read_raw(directory: Path, raw_name: str) -> bytes | None:
    """The held message's bytes, or None when its file is gone."""
    if not raw_name or "/" in raw_name or raw_name.startswith("."):
        return None
    path = directory / raw_name
    return path.read_bytes() if path.is_file() else None


async def purge_discarded(directory: Path) -> int:
    """Delete the files of messages discarded more than 30 days ago; returns how many."""
    cutoff = clock.now() - KEEP_DISCARDED
    async with db.write():
        rows = await InboundMail.select(InboundMail.id, InboundMail.raw_name).where(
            InboundMail.state == DISCARDED, InboundMail.resolved_at < cutoff, InboundMail.raw_name != "")
        if rows:
            await InboundMail.update({InboundMail.raw_name: ""}).where(InboundMail.id.is_in([r["id"] for r in rows]))
    for row in rows:
        files.discard(directory, row["raw_name"])
    return len(rows)
