"""The live phase: agent ticket pages with their event streams open.

    make bench ARGS="--phases live"

One agent logs in; `--live-pages` (50) connections open the ticket page's event stream (what 50
open ticket pages hold). Then:
- idle: the server's CPU (all threads, from /proc) over `--live-idle-seconds` while the streams
  only wait, beside the same without any stream (a third as long, before they open). Target ≈ 0:
  nothing polls; each stream wakes once per heartbeat (20 s) to send a comment and re-check its
  viewer (two small reads).
- change: `--live-changes` times, an internal note is posted to the ticket (HTMX, as the page
  does) and the time from sending the POST until every one of the streams has the "changed"
  event is taken (and until the first has it). Target: all of them within 1 s.
The client side runs in its own process (`python -m bench.live '<spec>'`), like bench/load.py.
The table prints the floor app's figure of the same run beside these (the machine's speed
varies by 2× from day to day; compare relative to it).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

from bench.http import Client
from bench.load import HTMX, csrf_from, login, ms, thread_cpu
from bench.report import fmt, log
from bench.stats import median

TARGETS = {"live_all_p50_ms": ("<=", 1000), "live_idle_cpu_ms_per_s": ("<=", 10)}
NOTE = "Live: one change for the open pages (internal note)"


def add_arguments(p) -> None:
    p.add_argument("--live-pages", type=int, default=50, help="ticket pages with their event stream open (50)")
    p.add_argument("--live-idle-seconds", type=float, default=30,
                   help="seconds of server CPU measured while the streams idle (default 30: one heartbeat each)")
    p.add_argument("--live-changes", type=int, default=5, help="changes whose delivery is timed (default 5)")


def measure(server, seeded, args) -> dict:
    """Run the live scenario against `server` from a separate process; its figures as a dict."""
    number = 1 if seeded.big_ticket_number != 1 else 2  # not the big ticket the page phase reads
    spec = {"port": server.port, "server_pid": server.pid, "email": seeded.agent_email,
            "password": seeded.agent_password, "ticket": number, "pages": args.live_pages,
            "idle_seconds": args.live_idle_seconds, "changes": args.live_changes}
    done = subprocess.run([sys.executable, "-m", "bench.live", json.dumps(spec)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=300 + args.live_idle_seconds)
    if done.returncode != 0:
        raise RuntimeError(f"live client failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the client (its own process) --------------------------------------------------------------


class Tally:
    """When each stream got each change: arrivals[i] lists the times change i arrived."""

    def __init__(self, streams: int) -> None:
        self.streams = streams
        self.arrivals: list[list[float]] = []
        self.complete: list[asyncio.Event] = []

    def expect(self) -> int:
        self.arrivals.append([])
        self.complete.append(asyncio.Event())
        return len(self.arrivals) - 1

    def arrived(self, round_: int, at: float) -> None:
        if round_ < len(self.arrivals):
            self.arrivals[round_].append(at)
            if len(self.arrivals[round_]) == self.streams:
                self.complete[round_].set()


class Stream:
    """One open event stream, reporting each "changed" event to the tally."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.seen = 0
        self.connected = asyncio.Event()
        self.writer: asyncio.StreamWriter | None = None

    async def run(self, port: int, path: str, cookies: dict[str, str]) -> None:
        reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
                          f"Cookie: {cookie}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"stream answered {head[:200]!r}")
        # Chunked transfer: event lines come inside chunks; scanning the raw bytes for the event
        # name is enough here (a chunk never splits our short lines at this size in practice, and
        # "event: changed" cannot appear in a chunk-size line).
        buffer = b""
        while True:
            data = await reader.read(65536)
            if not data:
                return
            now = time.perf_counter()
            buffer += data
            if b"event: presence" in buffer:
                self.connected.set()
            for _ in range(buffer.count(b"event: changed")):
                self.tally.arrived(self.seen, now)
                self.seen += 1
            buffer = buffer[-13:]  # a marker split across two reads (shorter than one: never counted twice)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def scenario(spec: dict) -> dict:
    port, pages = spec["port"], spec["pages"]
    client = Client("127.0.0.1", port)
    await login(client, spec["email"], spec["password"])
    ticket_path = f"/tickets/{spec['ticket']}"
    page = await client.get(ticket_path)
    token = csrf_from(page.text)

    pid = spec.get("server_pid")
    baseline_ms_per_s = await _idle_cpu(pid, spec["idle_seconds"] / 3)  # the server's own loops, no streams

    tally = Tally(pages)
    streams = [Stream(tally) for _ in range(pages)]
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(s.run(port, f"{ticket_path}/events", client.cookies)) for s in streams]
    await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in streams)), 60)
    connect_s = time.perf_counter() - t0

    idle_ms_per_s = await _idle_cpu(pid, spec["idle_seconds"])

    all_ms, first_ms, post_ms, missed = [], [], [], 0
    for i in range(spec["changes"]):
        round_ = tally.expect()
        sent = time.perf_counter()
        done = await client.post_form(f"{ticket_path}/note", {"_csrf_token": token, "text": f"Live bench note {i}"},
                                      headers=HTMX)
        post_ms.append(ms(time.perf_counter() - sent))
        if done.status != 200:
            raise RuntimeError(f"note: {done.status} {done.text[:300]}")
        try:
            await asyncio.wait_for(tally.complete[round_].wait(), 10)
        except TimeoutError:
            missed += pages - len(tally.arrivals[round_])
            break  # the streams' counts are off from here on
        arrivals = tally.arrivals[round_]
        all_ms.append(ms(max(arrivals) - sent))
        first_ms.append(ms(min(arrivals) - sent))
        await asyncio.sleep(0.3)

    for s in streams:
        s.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await client.close()
    return {
        "pages": pages,
        "connect_all_s": round(connect_s, 2),
        "idle_seconds": spec["idle_seconds"],
        "idle_cpu_ms_per_s": idle_ms_per_s,
        "baseline_cpu_ms_per_s": baseline_ms_per_s,
        "changes": spec["changes"],
        "all_p50_ms": median(all_ms),
        "all_max_ms": max(all_ms) if all_ms else None,
        "first_p50_ms": median(first_ms),
        "post_p50_ms": median(post_ms),
        "missed": missed,
    }


async def _idle_cpu(pid: int | None, seconds: float) -> float | None:
    """The server's CPU (all threads) in ms per second of wall time while we wait `seconds`."""
    before, t0 = thread_cpu(pid), time.perf_counter()
    await asyncio.sleep(seconds)
    after, wall = thread_cpu(pid), time.perf_counter() - t0
    if not after:
        return None
    return round(sum(after.get(t, 0) - before.get(t, 0) for t in after) * 1000 / wall, 2)


# -- the figures ------------------------------------------------------------------------------


def figures(result: dict) -> dict:
    live = result.get("live")
    if not live:
        return {}
    return {
        "live_all_p50_ms": live["all_p50_ms"],
        "live_all_max_ms": live["all_max_ms"],
        "live_first_p50_ms": live["first_p50_ms"],
        "live_idle_cpu_ms_per_s": live["idle_cpu_ms_per_s"],
        "live_baseline_cpu_ms_per_s": live["baseline_cpu_ms_per_s"],
        "live_missed": live["missed"],
        "live_pages": live["pages"],
    }


def print_figures(flat: dict) -> None:
    if "live_pages" not in flat:
        return
    n = flat["live_pages"]
    rows = [
        (f"Live: change → all {n} pages p50 / max", ("live_all_p50_ms", "live_all_max_ms"), "ms"),
        ("  → first page p50, missed", ("live_first_p50_ms", "live_missed"), ""),
        (f"  server CPU, {n} idle streams / none", ("live_idle_cpu_ms_per_s", "live_baseline_cpu_ms_per_s"),
         "ms/s"),
        ("  floor app POST req/s (same run)", ("floor_req_per_s",), ""),
    ]
    for label, keys, unit in rows:
        value = " / ".join(fmt(flat.get(k)) for k in keys)
        target = ""
        if keys[0] in TARGETS and flat.get(keys[0]) is not None:
            op, limit = TARGETS[keys[0]]
            target = f"{op} {limit}  {'ok' if flat[keys[0]] <= limit else 'MISSED'}"
        log(f"{label:<42}{value:>26} {unit:<5} {target}")


def main() -> None:
    print(json.dumps(asyncio.run(scenario(json.loads(sys.argv[1])))))


if __name__ == "__main__":
    main()
