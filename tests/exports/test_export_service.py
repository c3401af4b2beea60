"""The export stream: all three formats parse back, what an export carries and never carries,
the XLSX cell limit, formula injection, date edges and workspace isolation."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest

from app import clock
from app.errors import ValidationFailed
from app.exports.rows import Selection
from app.exports.service import ExportRequest, write_export
from app.exports.writers import CUT_MARKER, XLSX_CELL_MAX
from app.tickets.inputs import Reply
from app.tickets.service.conversation import add_note, agent_reply
from tests import factories
from tests.exports.readers import read_csv, read_json, read_xlsx

READERS = {"csv": read_csv, "json": read_json, "xlsx": read_xlsx}
DAY = date(2026, 3, 10)


async def _export(selection: Selection, fmt: str) -> list[dict]:
    out = io.BytesIO()
    await write_export(selection, fmt, out)
    return READERS[fmt](out.getvalue())


async def _ticket_at(workspace, when: datetime, **fields):
    with clock.frozen(when):
        return await factories.ticket(workspace, **fields)


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
async def test_every_format_parses_back_with_the_columns(database, fmt):
    workspace, _ = await factories.workspace()
    for i in range(3):
        await _ticket_at(workspace, datetime(2026, 3, 10, 9, i, tzinfo=UTC), subject=f"Printer {i}", name="Zoë Ünal")
    rows = await _export(Selection(workspace["id"], DAY, DAY), fmt)
    assert [str(r["number"]) for r in rows] == ["1", "2", "3"]
    first = rows[0]
    assert first["subject"] == "Printer 0" and first["customer_name"] == "Zoë Ünal"
    assert first["customer_email"] == "sally@customer.test"
    assert str(first["status"]) == "1" and first["status_name"] == "Open"
    assert first["priority_name"] == "Low" and first["type"]
    assert str(first["created"]).startswith("2026-03-10T09:00")
    assert "hash" not in first and "confirmation_token_hash" not in first and "thread" not in first


async def test_an_export_never_carries_the_hash_or_tokens(database):
    workspace, _ = await factories.workspace()
    ticket = await _ticket_at(workspace, datetime(2026, 3, 10, 9, tzinfo=UTC))
    for fmt in READERS:
        out = io.BytesIO()
        await write_export(Selection(workspace["id"], DAY, DAY, with_thread=True, with_notes=True), fmt, out)
        assert ticket["hash"].encode() not in out.getvalue()


async def test_thread_with_and_without_internal_notes(database):
    workspace, admin = await factories.workspace()
    ticket = await _ticket_at(workspace, datetime(2026, 3, 10, 9, tzinfo=UTC), text="My printer burns")
    viewer = await factories.viewer(admin)
    with clock.frozen(datetime(2026, 3, 10, 10, tzinfo=UTC)):
        await agent_reply(viewer, ticket["number"], Reply("Unplug it, please."))
        await add_note(viewer, ticket["number"], Reply("Customer sounds calm"))
    [row] = await _export(Selection(workspace["id"], DAY, DAY, with_thread=True), "json")
    assert [(p["kind"], p["body"]) for p in row["thread"]] == [
        ("customer", "My printer burns"), ("agent reply", "Unplug it, please.")]
    [row] = await _export(Selection(workspace["id"], DAY, DAY, with_thread=True, with_notes=True), "json")
    assert ("internal note", "Customer sounds calm") in [(p["kind"], p["body"]) for p in row["thread"]]
    [row] = await _export(Selection(workspace["id"], DAY, DAY, with_thread=True, with_notes=True), "csv")
    assert "internal note: Ann Admin]\nCustomer sounds calm" in row["thread"]


async def test_xlsx_cuts_long_cells_with_a_visible_marker(database):
    workspace, admin = await factories.workspace()
    ticket = await _ticket_at(workspace, datetime(2026, 3, 10, 9, tzinfo=UTC))
    viewer = await factories.viewer(admin)
    for _ in range(10):  # 10 notes of 4,000 characters: a thread of 40,000+
        await add_note(viewer, ticket["number"], Reply("x" * 4000))
    [row] = await _export(Selection(workspace["id"], DAY, DAY, with_thread=True, with_notes=True), "xlsx")
    assert len(row["thread"]) == XLSX_CELL_MAX and row["thread"].endswith(CUT_MARKER)
    [row] = await _export(Selection(workspace["id"], DAY, DAY, with_thread=True, with_notes=True), "json")
    assert len("".join(p["body"] for p in row["thread"])) > XLSX_CELL_MAX  # JSON keeps everything


@pytest.mark.parametrize("evil", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)"])
async def test_csv_cells_cannot_start_a_formula(database, evil):
    workspace, _ = await factories.workspace()
    await _ticket_at(workspace, datetime(2026, 3, 10, 9, tzinfo=UTC), subject=evil, name=evil)
    [row] = await _export(Selection(workspace["id"], DAY, DAY), "csv")
    assert row["subject"] == "'" + evil and row["customer_name"] == "'" + evil
    [row] = await _export(Selection(workspace["id"], DAY, DAY), "json")
    assert row["subject"] == evil  # JSON is data, not a spreadsheet: unchanged


async def test_date_range_includes_both_whole_days(database):
    workspace, _ = await factories.workspace()
    moments = [datetime(2026, 3, 9, 23, 59, 59, tzinfo=UTC), datetime(2026, 3, 10, 0, 0, tzinfo=UTC),
               datetime(2026, 3, 11, 23, 59, 59, tzinfo=UTC), datetime(2026, 3, 12, 0, 0, tzinfo=UTC)]
    for i, when in enumerate(moments):
        await _ticket_at(workspace, when, subject=f"T{i}")
    rows = await _export(Selection(workspace["id"], date(2026, 3, 10), date(2026, 3, 11)), "json")
    assert [r["subject"] for r in rows] == ["T1", "T2"]


async def test_batches_cover_every_ticket_once(database, monkeypatch):
    from app.exports import rows as rows_module

    monkeypatch.setattr(rows_module, "BATCH", 2)
    workspace, _ = await factories.workspace()
    for i in range(5):
        await _ticket_at(workspace, datetime(2026, 3, 10, 9, i, tzinfo=UTC), subject=f"T{i}")
    seen = [r["subject"] async for batch in rows_module.batches(Selection(workspace["id"], DAY, DAY), size=2)
            for r in batch]
    assert seen == [f"T{i}" for i in range(5)]


async def test_another_workspaces_tickets_never_appear(database):
    mine, _ = await factories.workspace()
    other, _ = await factories.workspace(company="Other", email="olga@other.test")
    await _ticket_at(mine, datetime(2026, 3, 10, 9, tzinfo=UTC), subject="Mine")
    await _ticket_at(other, datetime(2026, 3, 10, 9, tzinfo=UTC), subject="Theirs")
    rows = await _export(Selection(mine["id"], DAY, DAY), "csv")
    assert [r["subject"] for r in rows] == ["Mine"]


@pytest.mark.parametrize(("fields", "errors"), [
    ({"date_from": "", "date_to": "2026-01-01"}, {"date_from"}),
    ({"date_from": "2026-13-01", "date_to": "yesterday"}, {"date_from", "date_to"}),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, {"date_to"}),
    ({"date_from": "2010-01-01", "date_to": "2026-01-01"}, {"date_to"}),
    ({"date_from": "2026-01-01", "date_to": "2026-01-01", "format": "pdf"}, {"format"}),
    ({"date_from": "2026-01-01" * 1000, "date_to": "2026-01-01"}, {"date_from"}),
])
def test_bad_input_is_refused_at_the_field(fields, errors):
    with pytest.raises(ValidationFailed) as refused:
        ExportRequest.from_form(fields)
    assert set(refused.value.errors) == errors


def test_notes_only_with_the_thread():
    request = ExportRequest.from_form({"date_from": "2026-01-01", "date_to": "2026-01-01", "with_notes": "1"})
    assert not request.with_notes
