"""What a webhook costs a ticket change (issue 12 §5): N agent replies through the service with
no hook, then with one hook subscribed to every event (so each reply writes its deliveries: the
reply and the status move), medians per reply. In-process on a fresh installation in a temporary
folder (no server, no sender loop: only the change's own cost is measured, the sending is the
background loop's).

    .venv/bin/python -m bench.webhooks [--replies 300]

or from code: `bench.webhooks.measure(300)` returns the figures as a dict. Not run by bench/run.py
(the lead decides where it goes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path

from bench.stats import median

ROUND = 10


async def _replies(viewer, number: int, count: int) -> list[float]:
    from app.tickets import service as tickets
    from app.tickets.inputs import Reply

    timings = []
    for i in range(count):
        started = time.perf_counter()
        await tickets.agent_reply(viewer, number, Reply(f"Reply number {i}: we are looking into it."))
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def _measure(replies: int, folder: Path) -> dict:
    from app import db
    from app.accounts.inputs import NewAccount
    from app.accounts.service import create_workspace
    from app.accounts.viewer import load_viewer
    from app.asgi import create_app
    from app.config import Settings
    from app.migrate import migrate
    from app.tickets import service as tickets
    from app.tickets.inputs import Channel, NewTicket
    from app.tickets.queries import ticket_types
    from app.webhooks import events, service
    from app.webhooks.tables import WebhookDelivery

    settings = Settings(root=str(folder)).replace(server={"base_url": "http://bench.test", "secret_key": "bench"},
                                                  webhooks={"allow_private_hosts": True})
    create_app(settings)
    await migrate()
    try:
        figures = {}
        setups = {}
        for label, hooks in (("no_hook", 0), ("one_hook", 1)):
            workspace, admin = await create_workspace(NewAccount(
                company=f"Bench {label}", first_name="Ann", last_name="Admin", email=f"ann@{label}.test",
                password="correct horse"))
            viewer = await load_viewer(admin["id"])
            if hooks:
                await service.register(viewer, service.HookForm(
                    url="http://127.0.0.1:9/hook", events=events.EVENTS, description="bench", active=True,
                    secret="", regenerate=False), settings.webhooks)
            type_id = (await ticket_types(workspace["id"]))[0]["id"]
            ticket = (await tickets.create_ticket(workspace, NewTicket(
                name="Sally", email="sally@customer.test", subject="Bench ticket", text="Text", type_id=type_id,
                prio=1, channel=Channel.WEB))).ticket
            await _replies(viewer, ticket["number"], 20)  # warm up (caches, statements)
            setups[label] = (viewer, ticket["number"], [])
        # Alternating rounds of ten, so a busy moment of the machine falls on both alike.
        for _round in range(max(1, replies // ROUND)):
            for viewer, number, timings in setups.values():
                timings.extend(await _replies(viewer, number, ROUND))
        for label, (_viewer, _number, timings) in setups.items():
            figures[f"reply_ms_{label}"] = median(timings)
        figures["added_ms_per_change"] = round(figures["reply_ms_one_hook"] - figures["reply_ms_no_hook"], 2)
        figures["deliveries_written"] = await WebhookDelivery.count()
        figures["replies"] = replies
        return figures
    finally:
        await db.ENGINE.close()


def measure(replies: int = 300) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="helprealm-bench-webhooks-"))
    try:
        return asyncio.run(_measure(replies, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=300)
    print(json.dumps(measure(parser.parse_args().replies), indent=2))


if __name__ == "__main__":
    main()
