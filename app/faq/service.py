"""FAQ entries shown to customers in the public page's overlay."""

from app.cache import TTLCache
from app.faq.tables import FaqEntry

_entries: TTLCache[list[dict]] = TTLCache("faq entries")  # read by every public page view


async def list_entries(workspace_id: int) -> list[dict]:
    return await _entries.get(
        workspace_id,
        lambda: FaqEntry.select(FaqEntry.id, FaqEntry.question, FaqEntry.answer)
        .where(FaqEntry.workspace == workspace_id)
        .order_by(FaqEntry.position)
        .order_by(FaqEntry.id),
    )


async def add_entry(workspace_id: int, question: str, answer: str, position: int = 0) -> None:
    await FaqEntry(workspace=workspace_id, question=question, answer=answer, position=position).save()
    _entries.invalidate(workspace_id)
