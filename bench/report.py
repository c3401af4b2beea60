"""The benchmark's table: flat figures from a run's JSON, targets, and medians over saved runs."""

from __future__ import annotations

import json
from pathlib import Path

from bench.stats import median

RESULTS = Path(__file__).resolve().parent / "results"

# Targets for this 2-core machine at 10,000 tickets (see README.md). The latency targets apply to
# one agent's requests (`*_p95_ms`); the figures with 4 agents at once are shown beside them.
TARGETS = {
    "submit_tickets_per_s": (">=", 480),
    "mail_messages_per_s": (">=", 100),
    "list_p95_ms": ("<=", 20),
    "ticket_page_p95_ms": ("<=", 25),
    "search_common_p95_ms": ("<=", 25),
    "search_rare_p95_ms": ("<=", 25),
    "server_peak_rss_mb": ("<=", 120),
}

AGENT_ROWS = (("list", "List fragment, 25 rows"), ("ticket_page", "Ticket page, 50 replies"),
              ("search_common", "Search common word"), ("search_rare", "Search rare word"),
              ("reply", "Reply (POST + fragment)"),
              ("dashboard", "Dashboard page (cards, charts)"))


def log(msg: str = "") -> None:
    print(msg, flush=True)


def flatten(r: dict) -> dict:
    """The headline figures, flat, for the table, the targets and the summary of several runs."""
    flat: dict = {}
    s = r.get("submit")
    if s:
        flat.update({
            "submit_tickets_per_s": s["tickets_per_s"],
            "submit_pair_p50_ms": s["pair_p50_ms"],
            "submit_pair_p95_ms": s["pair_p95_ms"],
            "submit_post_p50_ms": s["post_p50_ms"],
            "submit_post_p95_ms": s["post_p95_ms"],
            "submit_errors": s["errors"],
            "submit_server_cpu_ms": s.get("server_cpu_ms_per_req"),
            "submit_loop_ms": s.get("loop_thread_ms_per_req"),
            "submit_server_cpu_share": s.get("server_cpu_share"),
        })
    for name, p in r.get("agent", {}).items():
        flat[f"{name}_p50_ms"] = p["serial_p50_ms"]
        flat[f"{name}_p95_ms"] = p["serial_p95_ms"]
        flat[f"{name}_cpu_ms"] = p.get("serial_server_cpu_ms_per_req")
        flat[f"{name}_x4_p50_ms"] = p["p50_ms"]
        flat[f"{name}_x4_p95_ms"] = p["p95_ms"]
        flat[f"{name}_x4_req_per_s"] = p["req_per_s"]
        flat[f"{name}_errors"] = p["errors"]
    m = r.get("mail")
    if m:
        flat.update({
            "mail_messages_per_s": m["pipe"]["messages_per_s"],
            "mail_new_p95_ms": m["pipe"]["new_p95_ms"],
            "mail_reply_p95_ms": m["pipe"]["reply_p95_ms"],
            "mail_errors": m["pipe"]["errors"],
            "submit_during_mail_tickets_per_s": m["submit_during_mail"]["tickets_per_s"],
            "mail_during_submit_per_s": m["mail_during_submit"].get("messages_per_s"),
        })
    f = r.get("floor")
    if f:
        flat["floor_req_per_s"] = f["req_per_s"]
        flat["floor_p50_ms"] = f["p50_ms"]
        flat["floor_p95_ms"] = f["p95_ms"]
        if s:
            flat["submit_vs_floor"] = round(s["tickets_per_s"] / f["req_per_s"], 3) if f["req_per_s"] else None
    srv = r.get("server", {})
    flat["server_peak_rss_mb"] = srv.get("peak_rss_mb")
    flat["server_idle_rss_mb"] = srv.get("memory", {}).get("after_start", {}).get("rss_mb")
    flat["venv_start_s"] = srv.get("start_seconds")
    pyz = r.get("pyz", {})
    flat["pyz_size_mb"] = pyz.get("size_mb")
    flat["pyz_first_start_s"] = pyz.get("first_start_s")
    flat["pyz_warm_start_s"] = pyz.get("warm_start_s")
    return flat


def verdict(key: str, value) -> str:
    if key not in TARGETS or value is None:
        return ""
    op, target = TARGETS[key]
    ok = value >= target if op == ">=" else value <= target
    return f"{op} {target}  {'ok' if ok else 'MISSED'}"


def rows(clients: int, concurrency: int) -> list:
    out = [
        (f"Submission: tickets/s ({clients} clients)", "submit_tickets_per_s", ""),
        ("  GET form + POST p50 / p95", ("submit_pair_p50_ms", "submit_pair_p95_ms"), "ms"),
        ("  POST alone p50 / p95", ("submit_post_p50_ms", "submit_post_p95_ms"), "ms"),
        ("  server CPU ms/ticket, loop thread ms", ("submit_server_cpu_ms", "submit_loop_ms"), ""),
        ("  errors", "submit_errors", ""),
        (f"Floor app: POST req/s ({clients} clients)", "floor_req_per_s", ""),
        ("  floor POST p50 / p95", ("floor_p50_ms", "floor_p95_ms"), "ms"),
        ("  submission / floor", "submit_vs_floor", ""),
    ]
    for name, label in AGENT_ROWS:
        out += [
            (f"{label}: p50 / p95", (f"{name}_p50_ms", f"{name}_p95_ms"), "ms"),
            (f"  {concurrency} agents: p50 / p95, req/s",
             (f"{name}_x4_p50_ms", f"{name}_x4_p95_ms", f"{name}_x4_req_per_s"), ""),
            ("  server CPU ms/req, errors", (f"{name}_cpu_ms", f"{name}_errors"), ""),
        ]
    out += [
        ("Server peak RSS (idle after start)", ("server_peak_rss_mb", "server_idle_rss_mb"), "MB"),
        ("Server start (venv) to /healthz", "venv_start_s", "s"),
        (".pyz size", "pyz_size_mb", "MB"),
        (".pyz start to /healthz: first / warm", ("pyz_first_start_s", "pyz_warm_start_s"), "s"),
    ]
    return out


def fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 1 else f"{v:.1f}"
    return str(v)


def print_table(flat: dict, title: str, clients: int = 8, concurrency: int = 4, notes: list[str] = ()) -> None:
    log("")
    log(title)
    log("-" * 96)
    for label, keys, unit in rows(clients, concurrency):
        keys = keys if isinstance(keys, tuple) else (keys,)
        if all(flat.get(k) is None for k in keys):
            if keys[0] == "pyz_size_mb":
                log(f"{label:<42}{'MISSING':>26}     (not built: run `make build`)")
            continue
        value = " / ".join(fmt(flat.get(k)) for k in keys)
        judged = keys[0] if keys[-1] == "server_idle_rss_mb" else keys[-1]
        target = verdict(judged, flat.get(judged))
        log(f"{label:<42}{value:>26} {unit:<3} {target}")
    log("-" * 96)
    for note in notes:
        log(note)


def summary(n: int | None) -> None:
    """Medians over the saved runs (bench/results/run-*.json) with the same ticket count."""
    runs = []
    for path in sorted(RESULTS.glob("run-*.json")):
        data = json.loads(path.read_text())
        if "figures" in data and (n is None or data["tickets"] == n):
            runs.append(data)
    if not runs:
        log("No saved runs" + (f" with --tickets {n}" if n else "") + f" in {RESULTS}.")
        return
    keys = runs[-1]["figures"].keys()
    med = {k: median([r["figures"].get(k) for r in runs]) for k in keys}
    print_table(med, f"Medians of {len(runs)} runs ({', '.join(r['date'][:16] for r in runs)}), "
                     f"{runs[-1]['tickets']} tickets, {runs[-1]['cpu_count']} CPUs")


