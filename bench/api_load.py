"""The "api" load scenarios (run by bench/load.py in their own process):

- `api_create`: `clients` programs POST `/api/{ws}/ticket/create` (the HelpRealm API, form-encoded
  with `apitoken`) for `duration` seconds after a warm-up; tickets/s and latency.
- `api_list`: `GET /api/v1/tickets` with an agent's key (`Authorization: Bearer`), the pages given
  in `paths`, first one request at a time, then `clients` at once; p50/p95 of each half.
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

from bench.corpus import Corpus
from bench.http import Client


async def api_create(spec: dict) -> dict:
    from bench.load import CpuMeter, Errors, ms, percentile

    host, port = spec["host"], spec["port"]
    path = f"/api/{spec['workspace_key']}/ticket/create"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    corpus = Corpus(spec.get("seed", 11))
    counter = [0]

    async def program(client: Client, stop_at: float, lat: list, errors: Errors) -> None:
        while time.perf_counter() < stop_at:
            name = corpus.name()
            counter[0] += 1
            body = urlencode({
                "apitoken": spec["token"], "name": name, "subject": corpus.subject(),
                "email": name.lower().replace(" ", ".") + f"{counter[0]}@api.example",
                "text": corpus.words(40, 90), "type": str(spec["type_id"]), "prio": "2",
            }).encode()
            t0 = time.perf_counter()
            try:
                r = await client.request("POST", path, headers=headers, body=body)
            except Exception as exc:  # noqa: BLE001 - a load generator counts, it does not stop
                errors.add(type(exc).__name__, str(exc))
                await client.close()
                continue
            if r.status == 201:
                lat.append(time.perf_counter() - t0)
            else:
                errors.add(f"POST {r.status}", r.text)

    clients = [Client(host, port) for _ in range(spec.get("clients", 8))]
    stop = time.perf_counter() + spec.get("warmup", 3)
    await asyncio.gather(*(program(c, stop, [], Errors()) for c in clients))
    lat: list[float] = []
    errors = Errors()
    meter, start = CpuMeter(spec.get("server_pid")), time.perf_counter()
    stop = start + spec.get("duration", 20)
    await asyncio.gather(*(program(c, stop, lat, errors) for c in clients))
    wall = time.perf_counter() - start
    cpu = meter.stop(len(lat))
    for c in clients:
        await c.close()
    return {"clients": len(clients), "seconds": round(wall, 2), "tickets": len(lat),
            "tickets_per_s": round(len(lat) / wall, 1), "p50_ms": ms(percentile(lat, 50)),
            "p95_ms": ms(percentile(lat, 95)), **cpu, **errors.to_dict()}


async def api_list(spec: dict) -> dict:
    from bench.load import CpuMeter, Errors, ms, percentile

    host, port, paths = spec["host"], spec["port"], spec["paths"]
    headers = {"Authorization": f"Bearer {spec['key']}", "Accept": "application/json"}
    expect = spec.get("per_page", 25)

    async def one(client: Client, path: str, lat: list, errors: Errors) -> None:
        t0 = time.perf_counter()
        try:
            r = await client.request("GET", path, headers=headers)
        except Exception as exc:  # noqa: BLE001
            errors.add(type(exc).__name__, str(exc))
            await client.close()
            return
        if r.status != 200:
            errors.add(f"GET {r.status}", r.text)
            return
        if len(json.loads(r.text)["data"]) != expect:
            errors.add("short page", r.text[:200])
            return
        lat.append(time.perf_counter() - t0)

    out: dict = {}
    for half, concurrency in (("serial", 1), ("concurrent", spec.get("clients", 4))):
        clients = [Client(host, port) for _ in range(concurrency)]
        queue = [paths[i % len(paths)] for i in range(spec.get("requests", 200))]
        for c in clients:  # warm the connections and the server's caches
            await one(c, paths[0], [], Errors())
        lat: list[float] = []
        errors = Errors()
        meter, start = CpuMeter(spec.get("server_pid")), time.perf_counter()

        async def worker(client: Client, queue: list, lat: list, errors: Errors) -> None:
            while queue:
                await one(client, queue.pop(), lat, errors)
        await asyncio.gather(*(worker(c, queue, lat, errors) for c in clients))
        wall = time.perf_counter() - start
        cpu = meter.stop(len(lat))
        for c in clients:
            await c.close()
        out[half] = {"clients": concurrency, "requests": len(lat), "req_per_s": round(len(lat) / wall, 1),
                     "p50_ms": ms(percentile(lat, 50)), "p95_ms": ms(percentile(lat, 95)), **cpu,
                     **errors.to_dict()}
    return out
