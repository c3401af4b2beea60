"""Background export jobs: progress, resume after a restart, expiry; the CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

from app import clock, db
from app.exports.jobs import DONE, FAILED, QUEUED, RUNNING, ExportRunner, exports_dir
from app.exports.tables import ExportJob
from app.system.cleanup import Cleanup
from tests import factories
from tests.exports.readers import read_csv, read_xlsx


async def _job(workspace: dict, agent: dict, **values) -> dict:
    now = clock.now()
    async with db.write():
        fields = {"format": "csv", "date_from": date(2026, 1, 1), "date_to": date(2026, 12, 31), "options": {},
                  "created_at": now, "expires_at": now + timedelta(days=1), **values}
        job = ExportJob(workspace=workspace["id"], requested_by=agent["id"], **fields)
        await job.save()
    return (await ExportJob.select().where(ExportJob.id == job.id))[0]


async def _tickets(workspace: dict, n: int) -> None:
    with clock.frozen(datetime(2026, 3, 10, 9, tzinfo=UTC)):
        for i in range(n):
            await factories.ticket(workspace, subject=f"T{i}")


async def test_a_queued_job_runs_to_a_file_with_progress(database, settings, monkeypatch):
    from app.exports import jobs, rows

    monkeypatch.setattr(rows, "BATCH", 2)
    workspace, admin = await factories.workspace()
    await _tickets(workspace, 5)
    job = await _job(workspace, admin, status=QUEUED, total=5)
    seen: list[tuple[str, int]] = []
    original = jobs.write_export

    async def spy(selection, fmt, out, progress):  # what the page would read after each batch
        async def committed(done, total):
            await progress(done, total)
            row = (await ExportJob.select().where(ExportJob.id == job["id"]))[0]
            seen.append((row["status"], row["done"]))
        return await original(selection, fmt, out, committed)

    monkeypatch.setattr(jobs, "write_export", spy)
    runner = ExportRunner(exports_dir(settings.data_path))
    assert await runner.run_once() == 1
    assert await runner.run_once() == 0
    done = (await ExportJob.select().where(ExportJob.id == job["id"]))[0]
    assert done["status"] == DONE and done["done"] == 5 and done["attempts"] == 1
    assert seen == [(RUNNING, 2), (RUNNING, 4), (RUNNING, 5)]
    path = exports_dir(settings.data_path) / done["file_name"]
    assert [r["subject"] for r in read_csv(path.read_bytes())] == [f"T{i}" for i in range(5)]
    assert not list(path.parent.glob("*.part"))


async def test_a_job_interrupted_by_a_restart_starts_over_then_fails(database, settings):
    workspace, admin = await factories.workspace()
    await _tickets(workspace, 2)
    once = await _job(workspace, admin, status=RUNNING, attempts=1, done=1, total=2)
    twice = await _job(workspace, admin, status=RUNNING, attempts=2, done=1, total=2)
    runner = ExportRunner(exports_dir(settings.data_path))
    assert await runner.run_once() == 1  # recovers both, then runs the first again
    rows = {r["id"]: r for r in await ExportJob.select()}
    assert rows[once["id"]]["status"] == DONE and rows[once["id"]]["done"] == 2
    assert rows[twice["id"]]["status"] == FAILED and "restart" in rows[twice["id"]]["error"]


async def test_a_failing_export_fails_its_job_only(database, settings, monkeypatch):
    workspace, admin = await factories.workspace()
    bad = await _job(workspace, admin, status=QUEUED, format="pdf")  # a format no writer knows
    good = await _job(workspace, admin, status=QUEUED)
    runner = ExportRunner(exports_dir(settings.data_path))
    assert await runner.run_once() == 1 and await runner.run_once() == 1
    rows = {r["id"]: r for r in await ExportJob.select()}
    assert rows[bad["id"]]["status"] == FAILED and rows[good["id"]]["status"] == DONE
    assert not list(exports_dir(settings.data_path).glob("*.part"))


async def test_cleanup_deletes_expired_files_and_jobs(database, settings):
    workspace, admin = await factories.workspace()
    await _tickets(workspace, 1)
    job = await _job(workspace, admin, status=QUEUED)
    runner = ExportRunner(exports_dir(settings.data_path))
    await runner.run_once()
    done = (await ExportJob.select().where(ExportJob.id == job["id"]))[0]
    path = exports_dir(settings.data_path) / done["file_name"]
    cleanup = Cleanup(exports_dir=exports_dir(settings.data_path))
    assert (await cleanup.run_once()).get("exports") == 0 and path.exists()
    with clock.frozen(clock.now() + timedelta(days=1, minutes=1)):
        assert (await cleanup.run_once())["exports"] == 1
    assert not path.exists() and not await ExportJob.select()


async def test_cli_exports_a_workspace_to_a_file(database, settings, tmp_path):
    workspace, _ = await factories.workspace()
    other, _ = await factories.workspace(company="Other", email="olga@other.test")
    await _tickets(workspace, 3)
    await _tickets(other, 2)
    await db.ENGINE.close()
    (tmp_path / "app.toml").write_text("")
    base = [sys.executable, "-m", "app", "export", "--config", str(tmp_path / "app.toml"), "--workspace"]
    out = tmp_path / "out.xlsx"
    run = subprocess.run([*base, workspace["key"], "--from", "2026-03-10", "--to", "2026-03-10", "--format", "xlsx",
                          "--output", str(out), "--with-thread"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Exporting [" in run.stderr and "Exported 3 tickets" in run.stderr
    rows = read_xlsx(out.read_bytes())
    assert [r["subject"] for r in rows] == ["T0", "T1", "T2"] and "thread" in rows[0]
    bad = subprocess.run([*base, workspace["key"], "--from", "2026-03-11", "--to", "2026-03-10", "--output",
                          str(tmp_path / "x.csv")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "date_to" in bad.stderr
    unknown = subprocess.run([*base, "nope", "--from", "2026-03-10", "--to", "2026-03-10", "--output",
                              str(tmp_path / "x.csv")], capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 2 and "no workspace" in unknown.stderr
