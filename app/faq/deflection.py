"""Did a suggested FAQ entry spare a ticket? Counted per public form through a nonce.

The form carries a random nonce (a hidden field, made when the page is rendered). Opening a
suggested entry from that form writes one row (workspace, nonce, opened_at); submitting a ticket
with that nonce sets `ticket_sent_at` with one UPDATE by unique key inside the ticket's own write.
A form whose suggestion was opened and that sent no ticket within DEFLECTION_SECONDS counts as
deflected.

Most tickets come from forms whose suggestions nobody opened, so the submission skips even that
UPDATE unless this process saw the nonce's suggestion opened in the last DEFLECTION_SECONDS (a
ticket sent later counts as deflected anyway). The server is one process; after a restart a
ticket sent within the half hour of an opening before it is missed (counted as deflected).

Times are Unix seconds from app.clock. Rows older than KEEP_DAYS are deleted by the cleanup loop.
"""

from __future__ import annotations

import re
import secrets

from app import clock, db
from app.faq.tables import FaqDeflection

DEFLECTION_SECONDS = 30 * 60
DASHBOARD_DAYS = 30
KEEP_DAYS = 90
_NONCE = re.compile(r"[0-9a-f]{32}")


def new_nonce() -> str:
    return secrets.token_hex(16)


def valid_nonce(value: object) -> str | None:
    """The nonce if it is one we could have made (32 lowercase hex digits), else None."""
    return value if isinstance(value, str) and _NONCE.fullmatch(value) else None


def _now() -> int:
    return int(clock.unix())


_recent: dict[str, float] = {}  # nonce -> clock.monotonic() of its suggestion's opening
RECENT_MAX = 50_000


def pending(value: object) -> str | None:
    """The nonce a submitted form carries, if its ticket must be recorded: a suggestion of that
    form was opened within the last half hour (else None: the submission skips the UPDATE)."""
    opened = _recent.get(value) if isinstance(value, str) else None
    if opened is None or clock.monotonic() - opened > DEFLECTION_SECONDS:
        return None
    return value


def _remember(nonce: str) -> None:
    now = clock.monotonic()
    if len(_recent) >= RECENT_MAX:  # forget openings whose half hour is over (or all, under a flood)
        for key in [k for k, t in _recent.items() if now - t > DEFLECTION_SECONDS] or list(_recent):
            del _recent[key]
    _recent.setdefault(nonce, now)


async def suggestion_opened(workspace_id: int, nonce: str) -> None:
    """The customer of form `nonce` opened a suggested entry (the first opening counts)."""
    async with db.write():
        await FaqDeflection.raw(
            "INSERT INTO faq_deflection (workspace, nonce, opened_at) VALUES ({}, {}, {})"
            " ON CONFLICT (nonce) DO NOTHING",
            workspace_id, nonce, _now())
    _remember(nonce)


async def ticket_sent(workspace_id: int, nonce: str) -> None:
    """A ticket was submitted from form `nonce`; call inside the ticket's write transaction."""
    await FaqDeflection.raw(
        "UPDATE faq_deflection SET ticket_sent_at = {} WHERE nonce = {} AND workspace = {} AND ticket_sent_at IS NULL",
        _now(), nonce, workspace_id)


# Two rows for the dashboard (app/tickets/stats.py adds them to its second query): forms whose
# suggestion was opened in the last 30 days, and of those whose half hour is over, how many sent no
# ticket within it. Placeholders: workspace, since; workspace, since, decided before, the half hour.
DASHBOARD_SQL = """
UNION ALL SELECT 'faq_opened', '', COUNT(*) FROM faq_deflection WHERE workspace = {{}} AND opened_at >= {{}}
UNION ALL SELECT 'faq_deflected', '', COUNT(*) FROM faq_deflection WHERE workspace = {{}} AND opened_at >= {{}}
    AND opened_at <= {{}} AND (ticket_sent_at IS NULL OR ticket_sent_at > opened_at + {{}})
"""


def dashboard_args(workspace_id: int) -> list:
    now = _now()
    since = now - DASHBOARD_DAYS * 86400
    return [workspace_id, since, workspace_id, since, now - DEFLECTION_SECONDS, DEFLECTION_SECONDS]


async def delete_old() -> int:
    """Forget forms opened more than KEEP_DAYS ago (the cleanup loop); returns how many."""
    async with db.write():
        rows = await FaqDeflection.delete().where(
            FaqDeflection.opened_at < _now() - KEEP_DAYS * 86400).returning(FaqDeflection.id)
    return len(rows)
