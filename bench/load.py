"""The load generator: `python -m bench.load '<json spec>'` runs one scenario against a server and
prints its figures as one JSON line. It runs in its own process, so its CPU is never the server's.

Scenarios (spec["scenario"]):
- "submit": customers open the public form and submit a ticket (GET page, solve captcha, POST).
- "agent":  an agent logs in, then each phase GETs a list of URLs (ticket list, ticket page,
            search) or POSTs a form to them (replies) at a fixed concurrency.
- "floor":  POST a form to the bare floor app as fast as the clients can.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import sys
import time

from bench.corpus import Corpus
from bench.http import Client

CSRF_INPUT = re.compile(r'<input[^>]*name="_csrf_token"[^>]*>')
VALUE = re.compile(r'value="([^"]*)"')
CAPTCHA_Q = re.compile(r'class="captcha-question">\s*(\d+)\s*\+\s*(\d+)')
CAPTCHA_TOKEN = re.compile(r'name="captcha_token" value="([^"]+)"')
FAQ_NONCE = re.compile(r'name="faq_nonce" value="([0-9a-f]+)"')  # sent like a browser sends it (app/faq/deflection.py)
TYPE_OPTION = re.compile(r'<select name="type">\s*<option value="(\d+)"')
SUCCESS = 'class="success-message"'
HTMX = {"HX-Request": "true"}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return ordered[k]


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def thread_cpu(pid: int | None) -> dict[int, float]:
    """CPU seconds of each thread of a process (tid -> seconds)."""
    out: dict[int, float] = {}
    if not pid:
        return out
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            out[int(tid)] = (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError, ValueError):
            pass
    return out


class CpuMeter:
    """Server CPU over a measured window: the whole process, its main (event loop) thread, the rest
    (aiosqlite connection threads, to_thread workers such as the search writer)."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.t0 = time.perf_counter()
        self.before = thread_cpu(pid)

    def stop(self, n: int) -> dict:
        wall = time.perf_counter() - self.t0
        after = thread_cpu(self.pid)
        if not self.pid or not after:
            return {}
        total = sum(after.get(t, 0) - self.before.get(t, 0) for t in after)
        main = after.get(self.pid, 0) - self.before.get(self.pid, 0)
        return {
            "server_cpu_ms_per_req": round(total * 1000 / n, 2) if n else None,
            "server_cpu_share": round(total / wall, 2),
            "loop_thread_cpu_share": round(main / wall, 2),
            "other_threads_cpu_share": round((total - main) / wall, 2),
            "loop_thread_ms_per_req": round(main * 1000 / n, 2) if n else None,
        }


def csrf_from(html: str) -> str:
    tag = CSRF_INPUT.search(html)
    if not tag:
        raise ValueError("no CSRF input")
    return VALUE.search(tag.group(0)).group(1)


class Errors:
    def __init__(self) -> None:
        self.count = 0
        self.kinds: dict[str, int] = {}
        self.samples: list[str] = []

    def add(self, kind: str, detail: str = "") -> None:
        self.count += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if len(self.samples) < 5:
            self.samples.append(f"{kind}: {detail[:300]}")

    def to_dict(self) -> dict:
        return {"errors": self.count, "error_kinds": self.kinds, "error_samples": self.samples}


# -- customer ticket submission -------------------------------------------------------------


async def submit(spec: dict) -> dict:
    host, port, ws = spec["host"], spec["port"], spec["workspace_key"]
    corpus = Corpus(spec.get("seed", 7))
    form_path, create_path = f"/{ws}/", f"/{ws}/ticket/create"

    async def customer(client: Client, stop_at: float, pairs: list, posts: list, errors: Errors, counter: list) -> None:
        while time.perf_counter() < stop_at:
            client.cookies.clear()  # every ticket comes from a new visitor
            t0 = time.perf_counter()
            try:
                page = await client.get(form_path)
                if page.status != 200:
                    errors.add(f"GET {page.status}", page.text)
                    continue
                html = page.text
                a, b = CAPTCHA_Q.search(html).groups()
                name = corpus.name()
                data = {
                    "_csrf_token": csrf_from(html),
                    "name": name,
                    "email": name.lower().replace(" ", ".") + f"{counter[0]}@load.example",
                    "subject": corpus.subject(),
                    "text": corpus.words(40, 90),
                    "type": TYPE_OPTION.search(html).group(1),
                    "prio": "1",
                    "captcha": str(int(a) + int(b)),
                    "captcha_token": CAPTCHA_TOKEN.search(html).group(1),
                }
                if nonce := FAQ_NONCE.search(html):
                    data["faq_nonce"] = nonce.group(1)
                counter[0] += 1
                t1 = time.perf_counter()
                done = await client.post_form(create_path, data, headers=HTMX)
                t2 = time.perf_counter()
            except Exception as exc:  # noqa: BLE001 - a load generator counts, it does not stop
                errors.add(type(exc).__name__, str(exc))
                await client.close()
                continue
            if done.status == 200 and SUCCESS in done.text:
                pairs.append(t2 - t0)
                posts.append(t2 - t1)
            else:
                errors.add(f"POST {done.status}", done.text)

    clients = [Client(host, port) for _ in range(spec.get("clients", 8))]
    counter = [0]
    # Warm-up: same load, figures thrown away.
    stop = time.perf_counter() + spec.get("warmup", 3)
    await asyncio.gather(*(customer(c, stop, [], [], Errors(), counter) for c in clients))

    pairs: list[float] = []
    posts: list[float] = []
    errors = Errors()
    meter, own0 = CpuMeter(spec.get("server_pid")), time.process_time()
    start = time.perf_counter()
    stop = start + spec.get("duration", 20)
    await asyncio.gather(*(customer(c, stop, pairs, posts, errors, counter) for c in clients))
    wall = time.perf_counter() - start
    cpu, own1 = meter.stop(len(posts)), time.process_time()
    for c in clients:
        await c.close()
    return {
        "clients": len(clients),
        "seconds": round(wall, 2),
        "tickets": len(posts),
        "tickets_per_s": round(len(posts) / wall, 1),
        "pair_p50_ms": ms(percentile(pairs, 50)),
        "pair_p95_ms": ms(percentile(pairs, 95)),
        "post_p50_ms": ms(percentile(posts, 50)),
        "post_p95_ms": ms(percentile(posts, 95)),
        **cpu,
        "client_cpu_share": round((own1 - own0) / wall, 2),
        **errors.to_dict(),
    }


# -- agent pages ------------------------------------------------------------------------------


async def login(client: Client, email: str, password: str) -> None:
    page = await client.get("/login")
    if page.status != 200:
        raise RuntimeError(f"GET /login: {page.status}")
    done = await client.post_form(
        "/login", {"_csrf_token": csrf_from(page.text), "email": email, "password": password}
    )
    if done.status not in (302, 303) or "helprealm_session" not in client.cookies:
        raise RuntimeError(f"login failed: {done.status} {done.text[:300]}")


def check_body(text: str, expect: str | None, count: list | None) -> str:
    """Empty if the page is the one we asked for, else what is wrong with it. `count` is
    [marker, least, most]: how many times `marker` must occur (rows of a list, posts of a thread)."""
    if expect and expect not in text:
        return f"missing {expect!r}"
    if count:
        marker, least, most = count
        n = text.count(marker)
        if n < least or (most is not None and n > most):
            return f"{n} x {marker!r}, expected {least}..{most}"
    return ""


async def run_requests(clients: list[Client], paths: list[str], headers: dict, n: int, errors: Errors,
                       expect: str | None, max_seconds: float | None = None, count: list | None = None,
                       form: dict | None = None) -> list[float]:
    """GET `paths` in turn (or POST `form` to them) until `n` requests were made (or `max_seconds`
    passed), one request at a time per client; returns the latencies of the good answers."""
    latencies: list[float] = []
    next_index = [0]
    deadline = time.perf_counter() + max_seconds if max_seconds else float("inf")

    async def worker(client: Client) -> None:
        while next_index[0] < n and time.perf_counter() < deadline:
            i = next_index[0]
            next_index[0] += 1
            path = paths[i % len(paths)]
            t0 = time.perf_counter()
            try:
                if form is None:
                    r = await client.get(path, headers=headers)
                else:
                    r = await client.post_form(path, form, headers=headers)
            except Exception as exc:  # noqa: BLE001
                errors.add(type(exc).__name__, str(exc))
                await client.close()
                continue
            dt = time.perf_counter() - t0
            problem = "" if r.status != 200 else check_body(r.text, expect, count)
            if r.status != 200 or problem:
                errors.add(f"GET {r.status}", f"{path}: {problem} {r.text}")
            else:
                latencies.append(dt)

    await asyncio.gather(*(worker(c) for c in clients))
    return latencies


async def agent(spec: dict) -> dict:
    host, port = spec["host"], spec["port"]
    first = Client(host, port)
    await login(first, spec["email"], spec["password"])
    results = {}
    for phase in spec["phases"]:
        concurrency = phase.get("concurrency", 4)
        clients = [first] + [Client(host, port) for _ in range(concurrency - 1)]
        for c in clients[1:]:
            c.cookies = first.cookies  # one logged-in browser, several connections
        headers = HTMX if phase.get("htmx") else {}
        expect, count = phase.get("expect"), phase.get("count")
        limit = phase.get("max_seconds")
        form = None
        if phase.get("form") is not None:  # a POST phase: the agent's form token goes with every post
            page = await first.get("/dashboard")
            form = {"_csrf_token": csrf_from(page.text), **phase["form"]}
        await run_requests(clients, phase["paths"], headers, phase.get("warmup", 50), Errors(), expect, limit, count,
                           form)
        # One agent, one request at a time: the latency an agent sees on a server that is not busy.
        errors = Errors()
        meter = CpuMeter(spec.get("server_pid"))
        t0 = time.perf_counter()
        serial = await run_requests([first], phase["paths"], headers, phase.get("serial", 0), errors, expect, limit,
                                    count, form)
        serial_wall = time.perf_counter() - t0
        serial_cpu = meter.stop(len(serial))
        # `concurrency` agents at once, no pause between requests: throughput, and latency with a queue.
        meter = CpuMeter(spec.get("server_pid"))
        t0 = time.perf_counter()
        lat = await run_requests(clients, phase["paths"], headers, phase["requests"], errors, expect, limit, count,
                                 form)
        wall = time.perf_counter() - t0
        cpu = meter.stop(len(lat))
        for c in clients[1:]:
            await c.close()
        results[phase["name"]] = {
            "serial_requests": len(serial),
            "serial_p50_ms": ms(percentile(serial, 50)),
            "serial_p95_ms": ms(percentile(serial, 95)),
            "serial_max_ms": ms(max(serial) if serial else None),
            "serial_server_cpu_ms_per_req": serial_cpu.get("server_cpu_ms_per_req"),
            "serial_loop_thread_ms_per_req": serial_cpu.get("loop_thread_ms_per_req"),
            "serial_seconds": round(serial_wall, 2),
            "requests": len(lat),
            "concurrency": concurrency,
            "p50_ms": ms(percentile(lat, 50)),
            "p95_ms": ms(percentile(lat, 95)),
            "max_ms": ms(max(lat) if lat else None),
            "req_per_s": round(len(lat) / wall, 1) if wall else None,
            **cpu,
            **errors.to_dict(),
        }
    await first.close()
    return results


# -- the floor --------------------------------------------------------------------------------


async def floor(spec: dict) -> dict:
    host, port = spec["host"], spec["port"]
    corpus = Corpus(11)
    body = {"name": "Floor Test", "email": "floor@load.example", "subject": corpus.subject(),
            "text": corpus.words(40, 90)}

    async def poster(client: Client, stop_at: float, lat: list, errors: Errors) -> None:
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            try:
                r = await client.post_form("/submit", body)
            except Exception as exc:  # noqa: BLE001
                errors.add(type(exc).__name__, str(exc))
                await client.close()
                continue
            if 200 <= r.status < 300:
                lat.append(time.perf_counter() - t0)
            else:
                errors.add(f"POST {r.status}", r.text)

    clients = [Client(host, port) for _ in range(spec.get("clients", 8))]
    stop = time.perf_counter() + spec.get("warmup", 2)
    await asyncio.gather(*(poster(c, stop, [], Errors()) for c in clients))
    lat: list[float] = []
    errors = Errors()
    meter, own0 = CpuMeter(spec.get("server_pid")), time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(poster(c, start + spec.get("duration", 10), lat, errors) for c in clients))
    wall = time.perf_counter() - start
    cpu, own1 = meter.stop(len(lat)), time.process_time()
    for c in clients:
        await c.close()
    return {
        "clients": len(clients),
        "seconds": round(wall, 2),
        "requests": len(lat),
        "req_per_s": round(len(lat) / wall, 1),
        "p50_ms": ms(percentile(lat, 50)),
        "p95_ms": ms(percentile(lat, 95)),
        **cpu,
        "client_cpu_share": round((own1 - own0) / wall, 2),
        **errors.to_dict(),
    }


def _mail(spec: dict):
    from bench.mail_load import mail  # the pipe endpoint's load (issue 11)
    return mail(spec)


def _api_create(spec: dict):
    from bench.api_load import api_create  # the HelpRealm API's ticket creation (issue 12)
    return api_create(spec)


def _api_list(spec: dict):
    from bench.api_load import api_list  # GET /api/v1/tickets with an agent's key (issue 12)
    return api_list(spec)


SCENARIOS = {"submit": submit, "agent": agent, "floor": floor, "mail": _mail, "api_create": _api_create,
             "api_list": _api_list}


def main() -> None:
    spec = json.loads(sys.argv[1])
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(SCENARIOS[spec["scenario"]](spec))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
