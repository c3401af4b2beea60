"""The HelpDeskPro manual's API examples, run with curl AS WRITTEN against a real `helprealm
serve`: the commands are read from the manual's text (helpdeskpro_manual_api.txt, its API section
copied verbatim); only the host, the key and the example file's path are substituted.

The examples name ticket 1 and 88 and user 22: the server gets 88 tickets (created through the
REST API itself) and 22 agents, so the ids are the manual's own.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from app import cli
from app.config import load_settings
from tests.helpers import free_port
from tests.live.test_shutdown import HELPREALM, _config, _wait_healthy, stop_server

MANUAL = Path(__file__).with_name("helpdeskpro_manual_api.txt")
# `make test` installs curl (scripts/install-system-deps.sh); with CI=true a missing curl fails, never skips.
pytestmark = pytest.mark.skipif(shutil.which("curl") is None and os.environ.get("CI") != "true",
                                reason="curl is not installed (apt-get install curl)")


def manual_commands() -> list[str]:
    """Every curl command of the manual, with its continuation lines, exactly as printed."""
    commands, current = [], []
    for line in MANUAL.read_text().splitlines():
        if current or line.startswith("curl "):
            current.append(line)
            text = "\n".join(current)
            # the end: a line without the shell's "\" continuation, outside a quoted JSON body
            if not line.rstrip().endswith("\\") and text.count("'") % 2 == 0:
                commands.append(text)
                current = []
    return commands


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("helpdeskpro")
    port = free_port()
    config = _config(folder, port)
    created = subprocess.run([str(HELPREALM), "create-workspace", "--config", str(config), "--company", "Acme",
                              "--name", "Ann Admin", "--email", "ann@acme.test", "--password", "correct horse"],
                             capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr

    async def agents_and_key() -> str:
        from app.accounts.service import create_agent_confirmed
        from app.accounts.tables import Agent
        from app.api import keys

        ann = await Agent.select(Agent.id, Agent.workspace).where(Agent.email == "ann@acme.test").first()
        n = 0
        while (await Agent.count()) < 22:  # agent 22 is the manual's assigned_user_id
            n += 1
            await create_agent_confirmed(ann["workspace"], email=f"agent{n}@acme.test", first_name="Agent",
                                         last_name=str(n), password="correct horse")
        return await keys.generate_key(None, ann["id"], "curl examples", workspace_id=ann["workspace"])

    key = asyncio.run(cli._with_database(load_settings(config), agents_and_key))
    process = subprocess.Popen([str(HELPREALM), "serve", "--config", str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, process)
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as client:
            for n in range(88):  # tickets 1..88
                response = client.post("/api/v1/tickets", json={"subject": f"Ticket number {n + 1}",
                                                                 "description": "Made for the manual's examples."})
                assert response.status_code == 201, response.text
        sample = folder / "file.pdf"
        sample.write_bytes(b"%PDF-1.4\n% sample\n")
        yield {"url": base_url, "key": key, "file": sample, "client_headers": {"Authorization": f"Bearer {key}"}}
    finally:
        stop_server(process)


def run(command: str, server: dict) -> dict:
    command = (command.replace("http://localhost", server["url"]).replace("YOUR_API_KEY", server["key"])
               .replace("/path/to/file.pdf", str(server["file"])))
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, (command, done.stderr)
    return json.loads(done.stdout)


def test_the_manual_has_the_seven_examples():
    commands = manual_commands()
    assert len(commands) == 7
    assert [re.search(r"index\.php/(\w+)", c).group(1) for c in commands] == [
        "create_ticket", "add_comment", "add_comment", "get_tickets", "get_ticket", "update_ticket", "get_users"]


def test_every_example_works_as_written(server):
    create, comment_file, comment, tickets, ticket, update, users = manual_commands()

    made = run(create, server)["data"]
    assert made["id"] == 89 and made["subject"] == "Sample Ticket" and made["priority"] == "low"
    assert made["description"] == "This is a sample ticket description."

    with_file = run(comment_file, server)["data"]
    assert with_file["ticket_id"] == 1 and with_file["comment"]["comment"] == "This is a sample comment."
    assert with_file["attachment"]["filename"] == "file.pdf"
    plain = run(comment, server)["data"]
    assert plain["ticket_id"] == 1 and plain["comment"]["kind"] == "reply" and plain["attachment"] is None

    listed = run(tickets, server)
    assert listed["page"] == 1 and listed["per_page"] == 5 and len(listed["data"]) == 5 and listed["total"] == 89

    shown = run(ticket, server)["data"]
    assert shown["id"] == 88 and shown["subject"] == "Ticket number 88" and shown["comments"] == []

    updated = run(update, server)["data"]
    assert (updated["status"], updated["priority"], updated["deadline"], updated["assigned_user_id"]) == (
        "in_progress", "high", "2023-12-31", 22)

    agents = run(users, server)["data"]
    assert len(agents) == 22 and agents[21]["id"] == 22

    # The file came along and downloads with the same key.
    first = httpx.get(f"{server['url']}/api/v1/tickets/1", headers=server["client_headers"]).json()["data"]
    [attachment] = first["attachments"]
    download = httpx.get(attachment["download_url"], headers=server["client_headers"])
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
