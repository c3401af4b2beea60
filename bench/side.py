"""The figures beside the app's own: the floor app (bare Litestar + SQLite), the zipapp's size and
start time, and a server's memory."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.seed import write_config
from bench.server import Server, free_port, run_load, spawn
from bench.stats import median

REPO = Path(__file__).resolve().parent.parent


def size_mb(path: Path) -> float:
    if path.is_file():
        return round(path.stat().st_size / 1e6, 1)
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6, 1)


def base_python() -> str:
    """The interpreter the venv was made from (what `python3 helprealm.pyz` runs on)."""
    return getattr(sys, "_base_executable", None) or shutil.which("python3") or sys.executable


def measure_floor(work: Path, args) -> dict:
    port = free_port()
    db = work / "floor.sqlite"
    cmd = [
        str(Path(sys.executable).parent / "uvicorn"), "bench.floor_app:app", "--host", "127.0.0.1", "--port", str(port),
        "--no-access-log", "--log-level", "warning",
    ]
    server = spawn("floor", cmd, port=port, log_path=work / "floor.log", cwd=REPO, env={"FLOOR_DB": str(db)})
    try:
        server.wait_ready(timeout=60)
        result = run_load({
            "scenario": "floor", "host": "127.0.0.1", "port": port, "server_pid": server.pid,
            "clients": args.clients, "warmup": 2, "duration": args.floor_duration,
        })
        result["peak_rss_mb"] = round(server.memory_kb().get("VmHWM", 0) / 1024, 1)
    finally:
        server.stop()
    return result


def measure_pyz(pyz: Path, pyz_root: Path | None, starts: int) -> dict:
    """Size of the zipapp and its start time on a copy of the seeded installation: one first start
    (shiv may unpack into ~/.shiv first, once per build), then `starts` warm starts (median)."""
    if not pyz.exists():
        return {"built": False, "note": f"{pyz} is missing: run `make build` (build/build.sh)"}
    out = {"built": True, "size_mb": size_mb(pyz)}
    if pyz_root is None:
        return out
    python = base_python()
    times = []
    for i in range(starts + 1):
        port = free_port()
        config = write_config(pyz_root, port)  # the seeded copy, on a new port
        server = spawn(f"pyz-{i}", [python, str(pyz), "serve", "--config", str(config)], port=port,
                       log_path=pyz_root / f"pyz-{i}.log", cwd=pyz_root)
        try:
            times.append(round(server.wait_ready(timeout=180), 3))
        finally:
            server.stop()
    out.update(python=python, first_start_s=times[0], warm_starts_s=times[1:], warm_start_s=median(times[1:]))
    return out


def memory_mb(server: Server) -> dict:
    mem = server.memory_kb()
    return {"rss_mb": round(mem.get("VmRSS", 0) / 1024, 1), "peak_rss_mb": round(mem.get("VmHWM", 0) / 1024, 1)}
