"""The export page: form errors at the field, a small export at once, a large one as a job whose
progress partial polls until a download link; access: superadmins of the workspace only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app import clock, db
from app.accounts.service import create_agent_confirmed
from app.audit.tables import AuditEntry
from app.exports import service
from app.exports.jobs import ExportRunner, exports_dir
from app.exports.tables import ExportJob
from tests import factories
from tests.exports.readers import read_csv, read_json
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login, open_ticket, workspace_with_admin


@pytest.fixture(autouse=True)
def quiet_runner(monkeypatch):
    """The app's own runner stays idle: each test runs a job when it wants (no race with the page)."""
    async def idle(self, stop):
        await stop.wait()

    monkeypatch.setattr(ExportRunner, "run_forever", idle)


TODAY = lambda: clock.now().date().isoformat()  # noqa: E731


async def _export(person: Person, **fields):
    html = await person.page("/admin/export")
    data = {"_csrf_token": csrf_from(html), "date_from": TODAY(), "date_to": TODAY(), "format": "csv", **fields}
    return await person.client.post("/admin/export", data=data)


async def test_page_whole_and_errors_at_the_field(person: Person):
    await workspace_with_admin()
    await login(person)
    page = soup(await person.page("/admin/export"))
    assert page.find("nav", class_="sidebar") and page.select_one("form.export-form input[name=_csrf_token]")
    response = await _export(person, date_from="2026-03-02", date_to="2026-03-01")
    assert response.status_code == 422
    assert field_error(response.text, "date_to") and not field_error(response.text, "date_from")
    response = await _export(person, date_from="not a date", format="pdf")
    assert field_error(response.text, "date_from") and field_error(response.text, "format")


async def test_small_export_downloads_at_once(person: Person):
    workspace, _ = await workspace_with_admin()
    customer = Person(person.client)
    await open_ticket(customer, workspace, subject="=cmd|' /C calc'!A0")
    await login(person)
    response = await _export(person)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    [row] = read_csv(response.content)
    assert row["subject"] == "'=cmd|' /C calc'!A0"
    response = await _export(person, format="json", with_thread="1")
    [row] = read_json(response.content)
    assert row["thread"][0]["kind"] == "customer"
    audit = await AuditEntry.select(AuditEntry.action, AuditEntry.subject).order_by(AuditEntry.id)
    assert [a["subject"] for a in audit if a["action"] == "export.run"] == [f"csv {TODAY()}..{TODAY()}",
                                                                           f"json {TODAY()}..{TODAY()}"]


async def test_large_export_becomes_a_job_with_polling_progress(person: Person, settings, monkeypatch):
    monkeypatch.setattr(service, "DIRECT_MAX", 1)
    workspace, _ = await workspace_with_admin()
    for i in range(3):
        await factories.ticket(workspace, subject=f"T{i}")
    await login(person)
    response = await _export(person)
    assert response.status_code == 200 and "/admin/export/jobs/" in str(response.url)
    job_id = int(str(response.url).rstrip("/").rsplit("/", 1)[1])
    # The partial as it looks while the job runs: it polls itself every second.
    async with db.write():
        await ExportJob.update({ExportJob.status: "running", ExportJob.done: 1}).where(ExportJob.id == job_id)
    fragment_html = await person.page(f"/admin/export/jobs/{job_id}", headers=HTMX)
    fragment = soup(fragment_html).select_one(f"#export-job-{job_id}")
    assert "<html" not in fragment_html
    assert fragment["hx-trigger"] == "every 1s" and fragment["hx-get"] == f"/admin/export/jobs/{job_id}"
    assert "1 of 3" in fragment.get_text()
    async with db.write():
        await ExportJob.update({ExportJob.status: "queued"}).where(ExportJob.id == job_id)
    assert await ExportRunner(exports_dir(settings.data_path)).run_once() == 1
    fragment = soup(await person.page(f"/admin/export/jobs/{job_id}", headers=HTMX)).select_one(".export-job")
    assert not fragment.has_attr("hx-trigger")  # done: the polling stops
    link = fragment.select_one("a.export-download")["href"]
    download = await person.client.get(link)
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert [r["subject"] for r in read_csv(download.content)] == ["T0", "T1", "T2"]
    page = soup(await person.page("/admin/export"))
    assert page.select_one(f"#export-job-{job_id} a.export-download")


async def test_another_workspaces_job_is_not_found_and_agents_are_refused(person: Person, client):
    _, admin = await workspace_with_admin()
    other, other_admin = await workspace_with_admin(email="olga@other.test", company="Other")
    now = clock.now()
    async with db.write():
        job = ExportJob(workspace=other["id"], requested_by=other_admin["id"], format="csv", date_from=date(2026, 1, 1),
                        date_to=date(2026, 1, 2), options={}, status="done", file_name="x.csv", created_at=now,
                        expires_at=now + timedelta(days=1))
        await job.save()
    await login(person)
    await person.page(f"/admin/export/jobs/{job.id}", status=404)
    await person.page(f"/admin/export/jobs/{job.id}/download", status=404)
    await person.page("/admin/export/jobs/99999999999999999999", status=400)  # the house answer to a huge id
    await create_agent_confirmed(admin["workspace"], email="al@acme.test", first_name="Al", last_name="Agent",
                                 password="agent password")
    agent = Person(client)
    client.cookies.clear()
    await login(agent, email="al@acme.test", password="agent password")
    await agent.page("/admin/export", status=403)
    await agent.page(f"/admin/export/jobs/{job.id}", status=403)
