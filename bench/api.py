"""The "api" phase (issue 12): ticket creation through the HelpRealm API with 8 programs at once,
and `GET /api/v1/tickets` p50/p95 over the seeded tickets (10,000 by default), beside the web
form's figures of the same run. The token and the key come from the real CLI, as an admin gets
them. The seeded app.toml switches the API's request limits off (0), so the figures measure the
server, not the limiter. Registered in run.py; the load runs in its own process (bench/api_load.py)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path


def _cli(python_bin: Path, config: str, *args: str) -> str:
    exe = python_bin.parent / "helprealm"
    cmd = [str(exe)] if exe.exists() else [str(python_bin), "-m", "app"]
    done = subprocess.run([*cmd, *args, "--config", config], capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1].strip()


def _type_id(seeded) -> int:
    db = Path(seeded.config).parent / "data" / "helprealm.sqlite"
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT t.id FROM ticket_type t JOIN workspace w ON w.id = t.workspace "
                            "WHERE w.key = ? ORDER BY t.id LIMIT 1", (seeded.workspace_key,)).fetchone()[0]


def list_paths(tickets: int) -> list[str]:
    """Pages across the whole list (the deep ones cost the most), and the filters scripts use."""
    pages = max(1, min(tickets // 25, 400))
    spread = [f"/api/v1/tickets?page={p}&per_page=25" for p in range(1, pages + 1, max(1, pages // 20))]
    return [*spread, "/api/v1/tickets?status=open&per_page=25", "/api/v1/tickets?priority=high&per_page=25"]


def measure(server, seeded, args, run_load, python_bin: Path) -> dict:
    token = _cli(python_bin, seeded.config, "api-token", "--workspace", seeded.workspace_key, "--enable")
    key = _cli(python_bin, seeded.config, "api-key", "--email", seeded.agent_email)
    base = {"host": "127.0.0.1", "port": server.port, "server_pid": server.pid}
    listing = run_load({**base, "scenario": "api_list", "key": key, "paths": list_paths(seeded.tickets),
                        "clients": args.concurrency, "requests": args.list_requests})
    create = run_load({**base, "scenario": "api_create", "workspace_key": seeded.workspace_key, "token": token,
                       "type_id": _type_id(seeded), "clients": args.clients, "warmup": args.warmup,
                       "duration": args.duration})
    return {"create": create, "list": listing}


def figures(result: dict) -> dict:
    a = result.get("api")
    if not a:
        return {}
    c, s, x = a["create"], a["list"]["serial"], a["list"]["concurrent"]
    return {"api_create_tickets_per_s": c["tickets_per_s"], "api_create_p50_ms": c["p50_ms"],
            "api_create_p95_ms": c["p95_ms"], "api_create_errors": c["errors"],
            "api_create_cpu_ms": c.get("server_cpu_ms_per_req"),
            "api_list_p50_ms": s["p50_ms"], "api_list_p95_ms": s["p95_ms"], "api_list_errors": s["errors"],
            "api_list_cpu_ms": s.get("server_cpu_ms_per_req"),
            "api_list_x4_p50_ms": x["p50_ms"], "api_list_x4_p95_ms": x["p95_ms"],
            "api_list_x4_req_per_s": x["req_per_s"], "api_list_x4_errors": x["errors"],
            "api_list_x4_clients": x["clients"]}


def report(result: dict, log) -> None:
    f = figures(result)
    if not f:
        return
    log(f"API: create {f['api_create_tickets_per_s']} tickets/s (8 programs, p50/p95 {f['api_create_p50_ms']}/"
        f"{f['api_create_p95_ms']} ms, errors {f['api_create_errors']}) beside the form's "
        f"{result.get('figures', {}).get('submit_tickets_per_s')} tickets/s; GET /api/v1/tickets p50/p95 "
        f"{f['api_list_p50_ms']}/{f['api_list_p95_ms']} ms (1 program), {f['api_list_x4_p50_ms']}/"
        f"{f['api_list_x4_p95_ms']} ms at {f['api_list_x4_req_per_s']} req/s ({f['api_list_x4_clients']} at once), "
        f"errors {f['api_list_errors'] + f['api_list_x4_errors']}")
