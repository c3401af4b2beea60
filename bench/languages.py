"""What the agent's language costs the list fragment, measured in-process (no sockets, no server).

    python -m bench.languages [--requests 300] [--rounds 5] [--langs en,de,ru,zh]

One installation in a temporary folder, 25 tickets, one logged-in agent. Each round sets the
agent's profile language to each of `--langs` in turn and fetches the ticket list fragment
(`/tickets?view=all`, HTMX: 25 rows, each with a status and priority badge, a relative time with
the exact time in its title, and a deadline date) `--requests` times; it prints the median time
per request of each language over the rounds, next to English. Rounds alternate the languages,
so a burst of noise on this shared machine hits all of them. A version without per-agent
languages (before issue 10) ignores the setting: run the same file there for "before".
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta

from litestar.testing import AsyncTestClient


async def _measure(args: argparse.Namespace) -> dict[str, list[float]]:
    from app import clock, db
    from app.accounts.inputs import NewAccount
    from app.accounts.service import create_workspace
    from app.accounts.tables import Agent
    from app.asgi import create_app
    from app.config import Settings
    from app.tickets import service as tickets
    from app.tickets.inputs import NewTicket
    from app.tickets.queries import ticket_types
    from app.tickets.tables import Ticket

    folder = tempfile.mkdtemp(prefix="helprealm-bench-lang-")
    settings = Settings(root=folder).replace(
        server={"base_url": "http://helprealm.test", "secret_key": "bench-secret"},
        limits={"ticket_wait_seconds": 0, "login_attempts_per_minute": 1000},
    )
    app = create_app(settings)
    timings: dict[str, list[float]] = {code: [] for code in args.langs}
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        workspace, agent = await create_workspace(NewAccount(
            company="Bench", first_name="Ada", last_name="Bench", email="ada@bench.test", password="bench password"))
        type_id = (await ticket_types(workspace["id"]))[0]["id"]
        for i in range(25):
            await tickets.create_ticket(workspace, NewTicket(
                name=f"Customer {i}", email=f"c{i}@bench.test", subject=f"Printer number {i} is jammed again",
                text="It does not print.", type_id=type_id, prio=1 + i % 3))
        # Deadlines and ages spread out, so dates and relative times differ from row to row.
        for i, row in enumerate(await Ticket.select(Ticket.id)):
            await Ticket.update({Ticket.deadline: clock.now().date() + timedelta(days=i - 10),
                                 Ticket.updated_at: clock.now() - timedelta(minutes=7 * i * i)}).where(
                Ticket.id == row["id"])
        login = await client.get("/login")
        token = login.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        answer = await client.post("/login", data={"_csrf_token": token, "email": "ada@bench.test",
                                                   "password": "bench password"})
        assert answer.status_code in (200, 303), answer.status_code
        headers = {"HX-Request": "true"}
        for _round in range(args.rounds):
            for code in args.langs:
                await Agent.update({Agent.lang: code}).where(Agent.id == agent["id"])
                for _ in range(20):  # warm caches (catalogs, formats) before timing
                    await client.get("/tickets?view=all", headers=headers)
                started = time.perf_counter()
                for _ in range(args.requests):
                    response = await client.get("/tickets?view=all", headers=headers)
                assert response.status_code == 200 and 'data-ticket="25"' in response.text
                timings[code].append((time.perf_counter() - started) / args.requests * 1000)
    await db.ENGINE.close()
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.languages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--langs", default="en,de,ru,zh", type=lambda text: text.split(","))
    args = parser.parse_args(argv)
    timings = asyncio.run(_measure(args))
    english = statistics.median(timings[args.langs[0]])
    print(f"List fragment (25 rows, HTMX, in-process), median of {args.rounds} rounds x {args.requests} requests:")
    for code, values in timings.items():
        median = statistics.median(values)
        print(f"  {code}: {median:6.3f} ms/request  ({(median / english - 1) * 100:+5.1f}% vs {args.langs[0]})"
              f"   rounds: {', '.join(f'{v:.3f}' for v in values)}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
