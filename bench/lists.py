"""Ticket list phases: "list_filtered" (the list with three filters and a sort) and "bulk" (a bulk
status change of 100 tickets). Registered in run.py; see bench/README.md.

`prepare()` gives the seeded tickets what the list filters on but the base seed leaves empty
(deadlines, tags), straight into SQLite like the seed itself: at 100,000 tickets that takes a
second or two, where going through the service would take minutes.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

TAGS = ("vip", "hardware", "network", "billing", "follow-up", "printer", "vpn", "mail")
BULK_TICKETS = 100
BULK_REQUESTS = 20  # each one flips the same 100 tickets between waiting and open
_ROW = re.compile(r'<tr data-ticket="(\d+)"')


def prepare(seeded, seed_value: int = 7) -> dict:
    """Deadlines on ~30% of the tickets (a quarter of them passed), 1-2 tags on ~25%."""
    rng = random.Random(seed_value)
    db = Path(seeded.root) / "data" / "helprealm.sqlite"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA synchronous = OFF")
    t0 = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    ws = con.execute("SELECT id FROM workspace").fetchone()[0]
    ids = [row[0] for row in con.execute("SELECT id FROM ticket WHERE workspace = ?", (ws,))]
    today = datetime.now(UTC).date()
    deadlines = [(str(today + timedelta(days=rng.randint(-20, 60))), i) for i in ids if rng.random() < 0.3]
    con.executemany("UPDATE ticket SET deadline = ? WHERE id = ?", deadlines)
    tags = []
    for ticket_id in ids:
        if rng.random() < 0.25:
            for name in rng.sample(TAGS, rng.choice((1, 1, 2))):
                tags.append((ws, ticket_id, name))
    con.executemany("INSERT INTO ticket_tag (workspace, ticket, name) VALUES (?, ?, ?)", tags)
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return {"deadlines": len(deadlines), "tags": len(tags), "seconds": round(time.perf_counter() - t0, 2)}


def _agent_group(seeded) -> int:
    """One of the benchmark agent's groups (the filter of the filtered list)."""
    con = sqlite3.connect(Path(seeded.root) / "data" / "helprealm.sqlite")
    try:
        row = con.execute('SELECT MIN(gm."group") FROM group_member gm JOIN agent a ON a.id = gm.agent'
                          " WHERE a.email = ?", (seeded.agent_email,)).fetchone()
    finally:
        con.close()
    return row[0]


def filtered_path(group_id: int) -> str:
    """Three filters (two statuses, a priority, a group) and a sort (deadline, soonest first),
    in the view of everything the agent may see; the HTMX rows fragment, page 2."""
    return f"/tickets?view=all&status=1&status=4&prio=1&group={group_id}&sort=deadline&dir=asc&page=2"


def agent_phases(seeded, args) -> dict[str, dict]:
    return {
        "list_filtered": {"paths": [filtered_path(_agent_group(seeded))], "htmx": True, "expect": 'id="ticket-rows"',
                          "count": ['<tr data-ticket="', 1, 25], "warmup": 30, "serial": args.list_requests,
                          "requests": args.list_requests, "concurrency": args.concurrency,
                          "max_seconds": args.phase_seconds},
    }


def measure_bulk(server, seeded, requests: int = BULK_REQUESTS) -> dict:
    """One agent posts bulk status changes of the same 100 tickets, waiting ↔ open, one at a time:
    every request really changes 100 tickets (an UPDATE and a timeline entry each)."""
    return asyncio.run(_bulk(server, seeded, requests))


async def _bulk(server, seeded, requests: int) -> dict:
    from bench.http import Client
    from bench.load import CpuMeter, csrf_from, login, ms, percentile

    client = Client("127.0.0.1", server.port)
    await login(client, seeded.agent_email, seeded.agent_password)
    page = await client.get("/tickets?view=all")
    token = csrf_from(page.text)
    # Tickets the agent may see: the first 100 rows of their list, newest activity first.
    numbers = [int(n) for n in _ROW.findall((await client.get(
        f"/tickets?view=all&per_page={BULK_TICKETS}", headers={"HX-Request": "true"})).text)]
    body = [("_csrf_token", token), ("list", "view=all"), ("action", "status")]
    body += [("ticket", str(n)) for n in numbers]
    latencies, errors = [], []
    # Warm-up: every ticket open first, so each measured request changes all 100 of them.
    await client.post_form("/tickets/bulk", body + [("status", "1")], headers={"HX-Request": "true"})
    meter = CpuMeter(server.pid)
    for i in range(requests):
        status = "2" if i % 2 == 0 else "1"
        t0 = time.perf_counter()
        r = await client.post_form("/tickets/bulk", body + [("status", status)], headers={"HX-Request": "true"})
        dt = time.perf_counter() - t0
        if r.status != 200 or f"{len(numbers)} tickets changed." not in r.text:
            errors.append(f"{r.status}: {r.text[:200]}")
        else:
            latencies.append(dt)
    cpu = meter.stop(len(latencies))
    await client.close()
    return {"tickets_per_request": len(numbers), "requests": len(latencies), "p50_ms": ms(percentile(latencies, 50)),
            "p95_ms": ms(percentile(latencies, 95)), **cpu, "errors": len(errors), "error_samples": errors[:3]}


def report(result: dict, log) -> None:
    """The figures of these phases next to the floor app's from the same run."""
    flat = result.get("figures", {})
    floor = flat.get("floor_p50_ms")
    lines = []
    if flat.get("list_filtered_p50_ms") is not None:
        lines.append(f"List, 3 filters + sort, 1 agent p50/p95: {flat['list_filtered_p50_ms']}/"
                     f"{flat['list_filtered_p95_ms']} ms, server CPU {flat.get('list_filtered_cpu_ms')} ms/req; "
                     f"{flat.get('list_filtered_x4_req_per_s')} req/s with 4 agents")
    if flat.get("list_p50_ms") is not None:
        lines.append(f"List (plain, page 2) p50: {flat['list_p50_ms']} ms, server CPU {flat.get('list_cpu_ms')} ms/req")
    bulk = result.get("bulk")
    if bulk:
        lines.append(f"Bulk status change of {bulk['tickets_per_request']} tickets p50/p95: {bulk['p50_ms']}/"
                     f"{bulk['p95_ms']} ms, server CPU {bulk.get('server_cpu_ms_per_req')} ms/req, "
                     f"errors {bulk['errors']}")
    if floor is not None:
        lines.append(f"Floor app POST p50: {floor} ms, {flat.get('floor_req_per_s')} req/s (same run)")
    if lines:
        log(f"Lists ({result.get('tickets')} tickets):")
        for line in lines:
            log("  " + line)

