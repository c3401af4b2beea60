"""FAQ entries (manual: "FAQ"): the superadmin's list, create, edit, delete and order, and what
the public page reads.

Every write is one transaction with its audit row; after it commits, the cached list the public
page reads is dropped and the FAQ index (app/search/faq.py) rewrites the workspace's entries.
Answers are plain text: templates escape them and keep their line breaks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app import clock, db
from app.audit import service as audit
from app.cache import TTLCache
from app.errors import NotFound, ValidationFailed
from app.faq.tables import FaqEntry
from app.i18n import _
from app.search import events
from app.tickets.queries import Page
from app.validation import has_line_break, too_long
from app.web import paging

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

QUESTION_MAX = 300
ANSWER_MAX = 10_000
# Every entry is in the public page's cached list and the FAQ overlay: a bound keeps both small.
MAX_ENTRIES = 500
SEARCH_MAX = 200

_entries: TTLCache[list[dict]] = TTLCache("faq entries")  # read by every public page view


async def list_entries(workspace_id: int) -> list[dict]:
    """The workspace's entries in their order (cached; every write below drops the cache)."""
    return await _entries.get(
        workspace_id,
        lambda: FaqEntry.select(FaqEntry.id, FaqEntry.question, FaqEntry.answer)
        .where(FaqEntry.workspace == workspace_id)
        .order_by(FaqEntry.position)
        .order_by(FaqEntry.id),
    )


def _changed(workspace_id: int) -> None:
    """After the commit: drop the cached list, rewrite the workspace's FAQ index entries."""
    db.on_commit(lambda: (_entries.invalidate(workspace_id), events.faq_changed(workspace_id)))


def check_fields(question: str, answer: str) -> tuple[str, str]:
    question = " ".join(question.split())
    answer = answer.replace("\r\n", "\n").replace("\r", "\n").strip()
    errors = {}
    if not question:
        errors["question"] = _("%(label)s is required.", label=_("Question"))
    elif len(question) > QUESTION_MAX or has_line_break(question):
        errors["question"] = _("A question is one line of at most %(max)d characters.", max=QUESTION_MAX)
    if not answer:
        errors["answer"] = _("%(label)s is required.", label=_("Answer"))
    elif len(answer) > ANSWER_MAX:
        errors["answer"] = too_long(_("Answer"), ANSWER_MAX)
    if errors:
        raise ValidationFailed(errors)
    return question, answer


async def entry_of(workspace_id: int, faq_id: int) -> dict:
    row = await FaqEntry.select().where(FaqEntry.id == faq_id, FaqEntry.workspace == workspace_id).first()
    if row is None:
        raise NotFound(_("No such FAQ entry."))
    return row


async def admin_page(workspace_id: int, *, q: str = "", page: int = 1, per_page: int = paging.PER_PAGE) -> Page:
    """The administration's list in the public order, filtered by text in question or answer."""
    sql, args = "SELECT id, question, answer, position FROM faq_entry WHERE workspace = {}", [workspace_id]
    if q.strip():
        pattern = paging.like_pattern(q)
        sql += " AND (question LIKE {} ESCAPE '\\' OR answer LIKE {} ESCAPE '\\')"
        args += [pattern, pattern]
    return await paging.paged(sql + " ORDER BY position, id", *args, page=page, per_page=per_page)


async def create_entry(viewer: Viewer, question: str, answer: str) -> dict:
    question, answer = check_fields(question, answer)
    workspace_id = viewer.workspace_id
    async with db.write():
        rows = await FaqEntry.raw("SELECT COUNT(*) AS n, COALESCE(MAX(position), 0) AS last FROM faq_entry "
                                  "WHERE workspace = {}", workspace_id)
        if rows[0]["n"] >= MAX_ENTRIES:
            raise ValidationFailed({"question": _("A workspace can have at most %(max)d FAQ entries.",
                                                  max=MAX_ENTRIES)})
        entry = FaqEntry(workspace=workspace_id, question=question, answer=answer, position=rows[0]["last"] + 1,
                         created_at=clock.now())
        await entry.save()
        await audit.record(workspace_id, viewer, "faq.created", subject=question, after={"question": question})
        _changed(workspace_id)
    return entry.to_dict()


async def update_entry(viewer: Viewer, faq_id: int, question: str, answer: str) -> bool:
    """Save the entry; False when nothing changed (no audit row, no reindex)."""
    question, answer = check_fields(question, answer)
    async with db.write():
        row = await entry_of(viewer.workspace_id, faq_id)
        if (row["question"], row["answer"]) == (question, answer):
            return False
        await FaqEntry.update({FaqEntry.question: question, FaqEntry.answer: answer}).where(FaqEntry.id == faq_id)
        before, after = {}, {}
        if row["question"] != question:
            before["question"], after["question"] = row["question"], question
        if row["answer"] != answer:
            before["answer"], after["answer"] = _short(row["answer"]), _short(answer)
        await audit.record(viewer.workspace_id, viewer, "faq.updated", subject=question, before=before, after=after)
        _changed(viewer.workspace_id)
    return True


def _short(text: str, limit: int = 200) -> str:
    """An answer in the audit log: its beginning is enough to tell versions apart."""
    return text if len(text) <= limit else text[:limit] + "…"


async def delete_entry(viewer: Viewer, faq_id: int) -> None:
    async with db.write():
        row = await entry_of(viewer.workspace_id, faq_id)
        await FaqEntry.delete().where(FaqEntry.id == faq_id)
        await audit.record(viewer.workspace_id, viewer, "faq.deleted", subject=row["question"],
                           before={"question": row["question"]})
        _changed(viewer.workspace_id)


async def move_entry(viewer: Viewer, faq_id: int, direction: str) -> bool:
    """Swap the entry with its neighbour above ("up") or below ("down"); False at either end.

    Positions are renumbered 1..n on the way, so entries created with equal positions (the CLI,
    old data) get a definite order and the swap always moves exactly one step."""
    if direction not in ("up", "down"):
        raise ValidationFailed({"direction": _("Please choose up or down.")})
    workspace_id = viewer.workspace_id
    async with db.write():
        rows = await (FaqEntry.select(FaqEntry.id, FaqEntry.question, FaqEntry.position)
                      .where(FaqEntry.workspace == workspace_id).order_by(FaqEntry.position).order_by(FaqEntry.id))
        ids = [row["id"] for row in rows]
        if faq_id not in ids:
            raise NotFound(_("No such FAQ entry."))
        at = ids.index(faq_id)
        other = at - 1 if direction == "up" else at + 1
        if not 0 <= other < len(ids):
            return False
        ids[at], ids[other] = ids[other], ids[at]
        old_positions = {row["id"]: row["position"] for row in rows}
        for position, entry_id in enumerate(ids, start=1):
            if old_positions[entry_id] != position:
                await FaqEntry.update({FaqEntry.position: position}).where(FaqEntry.id == entry_id)
        question = rows[at]["question"]
        await audit.record(workspace_id, viewer, "faq.reordered", subject=question,
                           before={"position": at + 1}, after={"position": other + 1})
        _changed(workspace_id)
    return True


async def add_entry(workspace_id: int, question: str, answer: str, position: int = 0) -> None:
    """An entry from the demo seed or the CLI (no agent acting: no audit row)."""
    async with db.write():
        await FaqEntry(workspace=workspace_id, question=question, answer=answer, position=position,
                       created_at=clock.now()).save()
        _changed(workspace_id)
