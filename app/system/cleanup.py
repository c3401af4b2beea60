"""The cleanup loop: expired sessions and spent account links are deleted, not kept forever.
Discarded quarantined mail loses its raw file 30 days after the decision (app/mail/quarantine.py).

A session row lives until its expiry (14 days after the last request); a confirmation or reset
link until it is used or expires. Nothing reads them afterwards, so each pass deletes them.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from app import clock, db
from app.accounts.tables import AccountToken
from app.exports.jobs import delete_expired as delete_expired_exports
from app.faq.deflection import delete_old as delete_old_deflections
from app.mail.quarantine import purge_discarded
from app.web.tables import WebSession

log = logging.getLogger("helprealm.cleanup")

INTERVAL_SECONDS = 3600.0


class Cleanup:
    name = "cleanup"

    def __init__(self, interval: float = INTERVAL_SECONDS, exports_dir: Path | None = None,
                 quarantine_dir: Path | None = None) -> None:
        self.interval = interval
        self.exports_dir = exports_dir
        self.quarantine_dir = quarantine_dir

    async def run_once(self) -> dict[str, int]:
        """Delete what expired; returns how many rows of each kind."""
        now = clock.now()
        async with db.write():
            sessions = await WebSession.delete().where(WebSession.expires_at <= now).returning(WebSession.id)
            tokens = await AccountToken.delete().where(
                (AccountToken.expires_at <= now) | AccountToken.used_at.is_not_null()
            ).returning(AccountToken.id)
        counts = {"sessions": len(sessions), "tokens": len(tokens)}
        if deflections := await delete_old_deflections():  # FAQ deflection rows, after 90 days
            counts["faq_deflections"] = deflections
        if self.exports_dir is not None:  # export files and their jobs, a day after they were made
            counts["exports"] = await delete_expired_exports(self.exports_dir)
        if self.quarantine_dir is not None:  # discarded quarantined mail, 30 days after the decision
            counts["quarantine"] = await purge_discarded(self.quarantine_dir)
        if any(counts.values()):
            log.info("Cleanup deleted %(sessions)d expired sessions and %(tokens)d spent links", counts)
        return counts

    async def run_forever(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # keep the loop alive; the next pass tries again
                log.exception("Cleanup failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.interval)
            except TimeoutError:
                pass
