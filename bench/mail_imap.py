"""Messages per second through the IMAP way in (issue 11: target >= 100/s, half new tickets, half
replies): a real Dovecot (the tests' fixture, tests/fixtures/dovecot.py), N messages APPENDed to a
workspace's inbox, and the fetcher (app/mail/imap_in.py) handing them to the real pipeline.

In two rounds, because a reply needs its ticket's hash: the new messages (each from its own
sender) are appended and fetched, then one reply per ticket (`[ID:<hash>]`, quoted text below, as
bench/mail_load.py writes them for the pipe). The clock runs only while the fetcher works:
connect, UID FETCH, BODY.PEEK[] per message, the pipeline's transaction, the cursor's write.
In-process on a fresh installation in a temporary folder (no server, no search writer running).

    .venv/bin/python -m bench.mail_imap [--messages 400]

or from code: `bench.mail_imap.measure(400)` returns the figures as a dict. Not run by bench/run.py
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

from bench.corpus import Corpus
from bench.mail_load import _message, _reply

TARGET_PER_S = 100


async def _measure(messages: int, folder: Path) -> dict:
    from app import db
    from app.accounts.inputs import NewAccount
    from app.accounts.service import create_workspace
    from app.accounts.viewer import load_viewer
    from app.asgi import create_app
    from app.config import Settings
    from app.mail import workspace_mail
    from app.mail.imap_in import ImapFetcher
    from app.mail.inbound import MailIn
    from app.migrate import migrate
    from app.tickets.files import Storage
    from app.tickets.tables import Ticket
    from tests.fixtures.dovecot import Dovecot

    settings = Settings(root=str(folder / "site")).replace(
        server={"base_url": "http://helprealm.bench", "secret_key": "bench-secret"},
        mail={"allow_private_hosts": True}, limits={"ticket_wait_seconds": 0})
    create_app(settings)  # the engine, the vault, our Message-IDs' key
    await migrate()
    dovecot = Dovecot(Path(tempfile.mkdtemp(prefix="helprealm-dovecot-")))
    dovecot.start()
    try:
        workspace, agent = await create_workspace(NewAccount(company="Bench Corp", first_name="Ann", last_name="Admin",
                                                             email="ann@bench.example", password="correct horse"))
        user = dovecot.new_user()
        form = {"enabled": "on", "smtp_host": "127.0.0.1", "address": "support@bench.example",
                "imap_host": "127.0.0.1", "imap_port": str(dovecot.port), "imap_security": "none",
                "imap_username": user.name, "imap_password": user.password}
        await workspace_mail.save(await load_viewer(agent["id"]), workspace_mail.MailInput.from_form(form))
        storage = Storage(directory=settings.attachments_path, max_bytes=settings.limits.upload_max_bytes)
        fetcher = ImapFetcher(MailIn(settings, storage), settings.mail)
        corpus = Corpus(23)
        new_count = messages // 2
        senders = [f"imap{n}@customers.example" for n in range(new_count)]
        subjects = [corpus.subject() for _ in range(new_count)]

        def append_all(raws: list[bytes]) -> None:
            with user.client() as client:
                for raw in raws:
                    status, data = client.append("INBOX", None, None, raw)
                    assert status == "OK", data

        append_all([_message(n, subjects[n], corpus.words(20, 80), senders[n]) for n in range(new_count)])
        started = time.perf_counter()
        fetched_new = await fetcher.run_once()
        new_seconds = time.perf_counter() - started

        rows = await Ticket.select(Ticket.hash, Ticket.customer_email).where(Ticket.workspace == workspace["id"])
        hashes = {r["customer_email"]: r["hash"] for r in rows}
        append_all([_reply(n, hashes[senders[n]], subjects[n], corpus.words(10, 60), senders[n])
                    for n in range(new_count) if senders[n] in hashes])
        started = time.perf_counter()
        fetched_replies = await fetcher.run_once()
        reply_seconds = time.perf_counter() - started

        tickets = await Ticket.count().where(Ticket.workspace == workspace["id"])
        total = fetched_new + fetched_replies
        return {
            "messages": total, "tickets": tickets,
            "new_per_s": round(fetched_new / new_seconds, 1) if new_seconds else None,
            "replies_per_s": round(fetched_replies / reply_seconds, 1) if reply_seconds else None,
            "messages_per_s": round(total / (new_seconds + reply_seconds), 1),
            "target_per_s": TARGET_PER_S,
        }
    finally:
        dovecot.stop()
        shutil.rmtree(dovecot.root, ignore_errors=True)
        await db.ENGINE.close()


def measure(messages: int = 400) -> dict:
    """Run the measurement in a fresh temporary installation; the figures as a dict."""
    with tempfile.TemporaryDirectory(prefix="helprealm-bench-imap-") as folder:
        return asyncio.run(_measure(messages, Path(folder)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400, help="messages, half new, half replies (default 400)")
    figures = measure(parser.parse_args().messages)
    print(json.dumps(figures, indent=2))
    print(f"IMAP: {figures['messages_per_s']} messages/s (new {figures['new_per_s']}/s, replies "
          f"{figures['replies_per_s']}/s; target >= {TARGET_PER_S}/s), {figures['tickets']} tickets")


if __name__ == "__main__":
    main()
