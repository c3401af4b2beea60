"""FAQ entries shown to customers in the public page's overlay."""

from app.faq.tables import FaqEntry


async def list_entries(workspace_id: int) -> list[dict]:
    return await FaqEntry.select(FaqEntry.id, FaqEntry.question, FaqEntry.answer).where(
        FaqEntry.workspace == workspace_id
    ).order_by(FaqEntry.position).order_by(FaqEntry.id)


async def add_entry(workspace_id: int, question: str, answer: str, position: int = 0) -> None:
    await FaqEntry(workspace=workspace_id, question=question, answer=answer, position=position).save()
