"""The FAQ in the administration: the service's rules (fields, order, audit, workspace isolation)
and the pages with their fragments and field errors."""

from __future__ import annotations

import pytest

from app.audit.tables import AuditEntry
from app.errors import NotFound, ValidationFailed
from app.faq import service as faq
from app.faq.tables import FaqEntry
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login, workspace_with_admin


@pytest.fixture
async def desk(database):
    workspace, admin = await factories.workspace()
    return workspace, await factories.viewer(admin)


async def _questions(workspace_id: int) -> list[str]:
    return [e["question"] for e in await faq.list_entries(workspace_id)]


async def test_fields_are_checked(desk):
    _workspace, ann = desk
    with pytest.raises(ValidationFailed) as missing:
        await faq.create_entry(ann, "  ", "")
    assert set(missing.value.errors) == {"question", "answer"}
    with pytest.raises(ValidationFailed) as long:
        await faq.create_entry(ann, "q" * (faq.QUESTION_MAX + 1), "a" * (faq.ANSWER_MAX + 1))
    assert set(long.value.errors) == {"question", "answer"}
    with pytest.raises(ValidationFailed):
        await faq.create_entry(ann, "Control\x00character?", "Answer")
    entry = await faq.create_entry(ann, "  How   do I pay? ", "By card.\r\n\r\nOr by invoice.  ")
    assert (entry["question"], entry["answer"]) == ("How do I pay?", "By card.\n\nOr by invoice.")


async def test_create_edit_delete_with_audit_and_cache(desk):
    workspace, ann = desk
    assert await _questions(workspace["id"]) == []  # cached empty... and dropped by the writes below
    first = await faq.create_entry(ann, "How do I pay?", "By card.")
    await faq.create_entry(ann, "Where is my parcel?", "Ask us.")
    assert await _questions(workspace["id"]) == ["How do I pay?", "Where is my parcel?"]
    assert await faq.update_entry(ann, first["id"], "How can I pay?", "By card or invoice.") is True
    assert await faq.update_entry(ann, first["id"], "How can I pay?", "By card or invoice.") is False  # no change
    assert await _questions(workspace["id"]) == ["How can I pay?", "Where is my parcel?"]
    await faq.delete_entry(ann, first["id"])
    assert await _questions(workspace["id"]) == ["Where is my parcel?"]
    rows = await (AuditEntry.select(AuditEntry.action, AuditEntry.before, AuditEntry.after).order_by(AuditEntry.id)
                  .output(load_json=True))
    assert [r["action"] for r in rows] == ["faq.created", "faq.created", "faq.updated", "faq.deleted"]
    assert rows[2]["after"]["question"] == "How can I pay?"


async def test_order_moves_one_step_and_stops_at_the_ends(desk):
    workspace, ann = desk
    ids = [(await faq.create_entry(ann, f"Question {n}?", "Answer."))["id"] for n in (1, 2, 3)]
    assert await faq.move_entry(ann, ids[2], "up") is True
    assert await _questions(workspace["id"]) == ["Question 1?", "Question 3?", "Question 2?"]
    assert await faq.move_entry(ann, ids[0], "up") is False  # already first
    assert await faq.move_entry(ann, ids[1], "down") is False  # already last
    assert await faq.move_entry(ann, ids[0], "down") is True
    assert await _questions(workspace["id"]) == ["Question 3?", "Question 1?", "Question 2?"]
    with pytest.raises(ValidationFailed):
        await faq.move_entry(ann, ids[0], "sideways")
    assert await AuditEntry.count().where(AuditEntry.action == "faq.reordered") == 2
    # entries with equal positions (the CLI, old data) still move exactly one step
    await FaqEntry.update({FaqEntry.position: 0}).where(FaqEntry.workspace == workspace["id"])
    faq._entries.invalidate()
    assert await faq.move_entry(ann, ids[0], "down") is True  # equal positions: in id order, then moved
    assert await _questions(workspace["id"]) == ["Question 2?", "Question 1?", "Question 3?"]
    positions = [r["position"] for r in await FaqEntry.select(FaqEntry.position).order_by(FaqEntry.position)]
    assert positions == [1, 2, 3]


async def test_another_workspaces_entries_are_not_found(desk):
    _workspace, ann = desk
    entry = await faq.create_entry(ann, "How do I pay?", "By card.")
    _other, otto = await factories.workspace("Other", "otto@other.test", name="Otto Admin")
    intruder = await factories.viewer(otto)
    for attempt in (faq.update_entry(intruder, entry["id"], "Hacked?", "Yes."), faq.delete_entry(intruder, entry["id"]),
                    faq.move_entry(intruder, entry["id"], "up"), faq.entry_of(intruder.workspace_id, entry["id"])):
        with pytest.raises(NotFound):
            await attempt
    assert (await FaqEntry.select(FaqEntry.question).first())["question"] == "How do I pay?"
    assert (await faq.admin_page(intruder.workspace_id)).total == 0


async def test_admin_list_searches_and_pages(desk):
    _workspace, ann = desk
    for n in range(30):
        await faq.create_entry(ann, f"Question {n}?", "Printers." if n % 3 == 0 else "Invoices.")
    page = await faq.admin_page(ann.workspace_id, page=2)
    assert (page.total, page.pages, len(page.rows), page.rows[0]["question"]) == (30, 2, 5, "Question 25?")
    found = await faq.admin_page(ann.workspace_id, q="printers")
    assert found.total == 10
    assert (await faq.admin_page(ann.workspace_id, q="100%_")).total == 0  # LIKE's wildcards are literal
    await faq.create_entry(ann, "Discounts?", "50% off, code SAVE_50.")
    assert [r["question"] for r in (await faq.admin_page(ann.workspace_id, q="50% off")).rows] == ["Discounts?"]
    assert [r["question"] for r in (await faq.admin_page(ann.workspace_id, q="save_50")).rows] == ["Discounts?"]


async def test_the_pages(person: Person):
    workspace, _ = await workspace_with_admin()
    await login(person)
    page = soup(await person.page("/admin/faq"))
    assert page.select_one("nav.admin-nav a[aria-current=page]").get_text() == "FAQ"
    token = csrf_from(str(page))

    bad = await person.client.post("/admin/faq", data={"_csrf_token": token, "question": "", "answer": ""})
    assert bad.status_code == 422 and field_error(bad.text, "question") and field_error(bad.text, "answer")
    too_long = await person.client.post("/admin/faq", data={"_csrf_token": token, "question": "Why?",
                                                            "answer": "a" * 10_001})
    assert too_long.status_code == 422 and "10000" in field_error(too_long.text, "answer")
    for question in ("How do I pay?", "Where is <b>my</b> parcel?"):
        made = await person.client.post("/admin/faq", data={"_csrf_token": token, "question": question,
                                                            "answer": "Line one\nLine <script>two</script>"},
                                        follow_redirects=False)
        assert made.status_code == 303 and made.headers["location"] == "/admin/faq"

    page = soup(await person.page("/admin/faq"))
    rows = page.select("tr[data-faq]")
    assert [r.select_one("a").get_text() for r in rows] == ["How do I pay?", "Where is <b>my</b> parcel?"]
    assert "<script>" not in str(page) and "<b>my</b>" not in str(page)  # escaped
    second = rows[1]["data-faq"]

    # search and paging swap the rows only
    found = await person.client.get("/admin/faq?q=parcel", headers=HTMX)
    fragment = soup(found.text)
    assert fragment.select_one("#faq-rows") and not fragment.find("nav", class_="admin-nav")
    assert [r["data-faq"] for r in fragment.select("tr[data-faq]")] == [second]
    assert not fragment.select("td.order")  # no moving within a search

    # move the second up: the rows come back in the new order
    moved = await person.client.post(f"/admin/faq/{second}/move", data={"_csrf_token": token, "direction": "up",
                                                                        "page": "1"}, headers=HTMX)
    assert moved.status_code == 200
    assert [r["data-faq"] for r in soup(moved.text).select("tr[data-faq]")][0] == second
    plain = await person.client.post(f"/admin/faq/{second}/move", data={"_csrf_token": token, "direction": "down"},
                                     follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/admin/faq?page=1"

    # the entry's page: whole, and its fragment after a save
    entry_page = soup(await person.page(f"/admin/faq/{second}"))
    assert entry_page.select_one("input[name=question]")["value"] == "Where is <b>my</b> parcel?"
    saved = await person.client.post(f"/admin/faq/{second}", data={"_csrf_token": token, "question": "Parcel?",
                                                                   "answer": "Tracked."}, headers=HTMX)
    fragment = soup(saved.text)
    assert fragment.select_one("#faq-entry") and not fragment.find("nav", class_="sidebar")
    assert fragment.select_one("[role=status]").get_text() == "FAQ entry saved."
    bad = await person.client.post(f"/admin/faq/{second}", data={"_csrf_token": token, "question": "",
                                                                 "answer": "Tracked."}, headers=HTMX)
    assert bad.status_code == 422 and field_error(bad.text, "question")
    deleted = await person.client.post(f"/admin/faq/{second}/delete", data={"_csrf_token": token}, headers=HTMX)
    assert deleted.headers["hx-redirect"] == "/admin/faq"
    await person.page(f"/admin/faq/{second}", status=404)
    assert [e["question"] for e in await faq.list_entries(workspace["id"])] == ["How do I pay?"]
