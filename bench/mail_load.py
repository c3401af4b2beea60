"""The "mail" load scenario (run by bench/load.py in its own process): raw messages POSTed to the
pipe endpoint `POST /api/{ws}/mail/inbound`, as `helprealm mailgate` sends them for an MTA.

Half are new messages (each from its own sender: a new ticket each), half the senders' replies
to their tickets (`[ID:<hash>]` in the subject, the quoted notification below the text, as a mail
client writes them). The messages are built before the clock starts. With `duration` the
scenario instead keeps sending new/reply pairs until the time is up (the background mail flow
while the submit scenario measures the web form).
"""

from __future__ import annotations

import asyncio
import json
import time
from email.message import EmailMessage

from bench.corpus import Corpus
from bench.http import Client


def _message(n: int, subject: str, text: str, sender: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Load Customer {n} <{sender}>"
    message["To"] = "support@bench.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<load.{time.time_ns()}.{n}@load.example>"
    message.set_content(text)
    return message.as_bytes()


def _reply(n: int, ticket_hash: str, subject: str, text: str, sender: str) -> bytes:
    quoted = "\n".join("> " + line for line in ("Your request: " + subject, "We will answer soon."))
    return _message(n, f"Re: Your request: {subject} [ID:{ticket_hash}]",
                    f"{text}\n\nOn Tue, 24 Nov 2026, Bench Corp wrote:\n{quoted}\n", sender)


async def mail(spec: dict) -> dict:
    from bench.load import CpuMeter, Errors, ms, percentile

    host, port = spec["host"], spec["port"]
    path = f"/api/{spec['workspace_key']}/mail/inbound"
    headers = {"Content-Type": "message/rfc822", "Authorization": f"Bearer {spec['token']}"}
    corpus, run = Corpus(17), time.time_ns()
    clients = [Client(host, port) for _ in range(spec.get("clients", 4))]
    outcomes: dict[str, int] = {}
    errors = Errors()

    async def send(client: Client, raw: bytes, lat: list) -> str | None:
        t0 = time.perf_counter()
        try:
            r = await client.request("POST", path, headers=headers, body=raw)
        except Exception as exc:  # noqa: BLE001
            errors.add(type(exc).__name__, str(exc))
            await client.close()
            return None
        if r.status != 200:
            errors.add(f"POST {r.status}", r.text)
            return None
        lat.append(time.perf_counter() - t0)
        answer = json.loads(r.text)
        outcomes[answer["outcome"]] = outcomes.get(answer["outcome"], 0) + 1
        return answer["ticket"]

    async def stage(messages: list[bytes], lat: list) -> list[str | None]:
        queue = list(enumerate(messages))
        found: list[str | None] = [None] * len(messages)

        async def worker(client: Client) -> None:
            while queue:
                index, raw = queue.pop(0)
                found[index] = await send(client, raw, lat)
        await asyncio.gather(*(worker(c) for c in clients))
        return found

    def new_messages(count: int, offset: int) -> list[tuple[str, str, bytes]]:
        out = []
        for i in range(offset, offset + count):
            sender, subject = f"load{run}.{i}@customer.example", corpus.subject()
            out.append((sender, subject, _message(i, subject, corpus.words(30, 80), sender)))
        return out

    meter, start = CpuMeter(spec.get("server_pid")), time.perf_counter()
    new_lat: list[float] = []
    reply_lat: list[float] = []
    if spec.get("duration"):  # a flow for the given time, in pairs
        stop_at, i = start + spec["duration"], 0
        while time.perf_counter() < stop_at:
            batch = new_messages(len(clients), i)
            hashes = await stage([raw for _s, _subj, raw in batch], new_lat)
            pairs = zip(batch, hashes, strict=True)
            await stage([_reply(i, h, subj, corpus.words(10, 40), s) for (s, subj, _r), h in pairs if h], reply_lat)
            i += len(batch)
    else:
        half = spec.get("messages", 600) // 2
        batch = new_messages(half, 0)
        replies_of = [(s, subj) for s, subj, _raw in batch]
        hashes = await stage([raw for _s, _subj, raw in batch], new_lat)
        replies = [_reply(i, h, subj, corpus.words(10, 40), s) for i, ((s, subj), h) in
                   enumerate(zip(replies_of, hashes, strict=True)) if h]
        await stage(replies, reply_lat)
    wall = time.perf_counter() - start
    done = len(new_lat) + len(reply_lat)
    cpu = meter.stop(done)
    for c in clients:
        await c.close()
    return {
        "clients": len(clients), "seconds": round(wall, 2), "messages": done,
        "messages_per_s": round(done / wall, 1) if wall else None,
        "new_p50_ms": ms(percentile(new_lat, 50)), "new_p95_ms": ms(percentile(new_lat, 95)),
        "reply_p50_ms": ms(percentile(reply_lat, 50)), "reply_p95_ms": ms(percentile(reply_lat, 95)),
        "outcomes": outcomes, **cpu, **errors.to_dict(),
    }
