"""The "export" phase: `helprealm export` of the seeded workspace, timed, with the peak RSS of
that process. Registered in run.py; runs after the server stopped (the CLI reads the database
directly, so the server's load would only blur the figures).

- CSV of every ticket (100,000 in a `--tickets 100000` run): target ≤ 5 s.
- CSV of ~10,000 tickets (the newest days): with the whole export's peak RSS it shows that memory
  stays flat (keyset batches of 500; the rows are never all in memory).
- XLSX of ~10,000 tickets (xlsxwriter, constant_memory).
- Floor: the same CSV columns with sqlite3 + csv in one plain Python process (one query, no
  batching, no ORM, no labels): the least a Python export of these rows can cost.

The peak RSS is the child's VmHWM (/proc/PID/status), read every 10 ms until it exits: its own
high-water mark. (wait4's ru_maxrss is no use here: Linux carries the parent's high-water mark
over fork and exec, so every child would report the bench's own ~300 MB after seeding.)
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

EXPORT_TARGET_SECONDS = 5.0  # 100,000 tickets to CSV

_FLOOR = r"""
import csv, sqlite3, sys
con = sqlite3.connect(sys.argv[1])
out = open(sys.argv[2], "w", newline="", encoding="utf-8")
w = csv.writer(out)
for row in con.execute(
    "SELECT t.number, t.subject, t.customer_name, t.customer_email, tt.name, t.status, t.prio, g.name,"
    " a.first_name || ' ' || a.last_name, t.deadline, t.created_at, t.updated_at"
    " FROM ticket t LEFT JOIN ticket_type tt ON tt.id = t.ticket_type LEFT JOIN agent_group g ON g.id = t.\"group\""
    " LEFT JOIN agent a ON a.id = t.assignee ORDER BY t.id"):
    w.writerow(row)
out.close()
"""


def _run(cmd: list[str], cwd: Path) -> dict:
    """Run `cmd`; its wall time and its own peak RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_kb = 0
    while proc.poll() is None:
        peak_kb = max(peak_kb, _hwm_kb(proc.pid))
        time.sleep(0.01)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode})")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak_kb / 1024, 1)}


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass  # the process just ended
    return 0


def _days(db: Path) -> tuple[str, str, str]:
    """(first day, last day, first day of the newest ~10,000 tickets)."""
    con = sqlite3.connect(db)
    try:
        days = con.execute("SELECT substr(created_at, 1, 10) d, COUNT(*) FROM ticket GROUP BY d"
                           " ORDER BY d DESC").fetchall()
    finally:
        con.close()
    total, recent = 0, days[-1][0]
    for day, n in days:
        total += n
        recent = day
        if total >= 10_000:
            break
    return days[-1][0], days[0][0], recent


def measure(seeded, log) -> dict:
    root = Path(seeded.root)
    db = root / "data" / "helprealm.sqlite"
    first, last, recent = _days(db)
    exe = Path(sys.executable).parent / "helprealm"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "app"]
    base += ["export", "--config", seeded.config, "--workspace", seeded.workspace_key, "--to", last]
    out: dict = {"range": [first, last], "recent_from": recent}
    con = sqlite3.connect(db)
    out["tickets_all"] = con.execute("SELECT COUNT(*) FROM ticket").fetchone()[0]
    out["tickets_recent"] = con.execute("SELECT COUNT(*) FROM ticket WHERE created_at >= ?", (recent,)).fetchone()[0]
    con.close()
    runs = {
        "csv_all": ["--from", first, "--format", "csv", "--output", str(root / "export-all.csv")],
        "csv_recent": ["--from", recent, "--format", "csv", "--output", str(root / "export-recent.csv")],
        "xlsx_recent": ["--from", recent, "--format", "xlsx", "--output", str(root / "export-recent.xlsx")],
        "csv_all_thread": ["--from", first, "--format", "csv", "--with-thread",
                           "--output", str(root / "export-thread.csv")],
    }
    for name, extra in runs.items():
        out[name] = _run([*base, *extra], root)
        out[name]["mb"] = round((root / extra[-1]).stat().st_size / 2**20, 1)
        log(f"  export {name}: {out[name]['seconds']} s, peak RSS {out[name]['peak_rss_mb']} MB,"
            f" file {out[name]['mb']} MB")
    out["floor_csv_all"] = _run([sys.executable, "-c", _FLOOR, str(db), str(root / "floor.csv")], root)
    log(f"  floor csv (sqlite3 + csv, one query): {out['floor_csv_all']['seconds']} s,"
        f" peak RSS {out['floor_csv_all']['peak_rss_mb']} MB")
    return out


def report(result: dict, log) -> None:
    e = result.get("export")
    if not e:
        return
    ok = "ok" if e["csv_all"]["seconds"] <= EXPORT_TARGET_SECONDS else "OVER TARGET"
    log(f"Export ({e['tickets_all']} tickets, range {e['range'][0]}..{e['range'][1]}):")
    log(f"  CSV of all {e['tickets_all']}: {e['csv_all']['seconds']} s (target ≤ {EXPORT_TARGET_SECONDS:g} s: {ok}),"
        f" peak RSS {e['csv_all']['peak_rss_mb']} MB; with threads {e['csv_all_thread']['seconds']} s,"
        f" {e['csv_all_thread']['peak_rss_mb']} MB")
    log(f"  CSV of {e['tickets_recent']}: {e['csv_recent']['seconds']} s, peak RSS {e['csv_recent']['peak_rss_mb']} MB"
        " (flat memory: compare with all)")
    xlsx = e["xlsx_recent"]
    log(f"  XLSX of {e['tickets_recent']}: {xlsx['seconds']} s, peak RSS {xlsx['peak_rss_mb']} MB")
    floor = e["floor_csv_all"]
    log(f"  Floor (sqlite3 + csv, same columns, one query): {floor['seconds']} s, peak RSS {floor['peak_rss_mb']} MB;"
        f" export / floor {e['csv_all']['seconds'] / max(floor['seconds'], 0.01):.1f}x")
