"""The README's HelpRealm API calls, run as written with curl against the real server: a token
from `helprealm api-token --enable`, ticket/create as a form (-d) and as multipart (-F, with the
manual's optional attachment), ticket/thread, and a file added and listed."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time

from tests.e2e.conftest import HELPREALM, Installation

WAIT_LIMIT = 30  # seconds: the API's wait between two tickets of one address is 2 (app.toml default)


def _curl(*args: str) -> tuple[int, dict, dict]:
    """(status, headers, JSON body) of one curl call."""
    done = subprocess.run(["curl", "-s", "-D", "-", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    head, _, body = done.stdout.replace("\r\n", "\n").partition("\n\n")
    lines = head.split("\n")
    headers = {k.strip().lower(): v.strip() for k, _sep, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body)


def _create(*args: str) -> dict:
    """Create as the README does; a 429 (another test's ticket from this address just now) is
    checked and the call repeated once its wait has passed."""
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        status, headers, body = _curl(*args)
        if status != 429:
            assert status == 201, body
            return body
        assert body["code"] == 429 and body["ticket_wait_time"] >= 1
        assert int(headers["retry-after"]) == body["ticket_wait_time"]
        assert time.monotonic() < deadline, "the ticket wait never ended"


def test_the_readme_curl_calls(installation: Installation, tmp_path):
    photo = tmp_path / "notes.txt"
    photo.write_text("The printer's error log.")
    # A workspace of its own: the shared one's ticket list is counted by the journeys.
    key, base = installation.create_workspace("Api Co", "Andy Api", "andy@api.test", "correct horse api"), \
        installation.base_url
    with sqlite3.connect(installation.db_path) as db:
        type_id = db.execute("SELECT t.id FROM ticket_type t JOIN workspace w ON w.id = t.workspace "
                             "WHERE w.key = ? ORDER BY t.id LIMIT 1", (key,)).fetchone()[0]
    made = subprocess.run([str(HELPREALM), "api-token", "--config", str(installation.config), "--workspace", key,
                           "--enable"], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()

    created = _create(f"{base}/api/{key}/ticket/create", "-d", f"apitoken={token}", "-d", "subject=Printer on fire",
                      "-d", "text=It is really on fire.", "-d", "name=Sally Doe", "-d", "email=sally@customer.test",
                      "-d", f"type={type_id}", "-d", "prio=2")
    assert created["code"] == 201 and created["workspace"] == key and created["data"]["subject"] == "Printer on fire"
    ticket_hash = created["data"]["hash"]

    with_file = _create(f"{base}/api/{key}/ticket/create", "-F", f"apitoken={token}", "-F", "subject=Paper jam again",
                        "-F", "text=See the photo.", "-F", "name=Sally Doe", "-F", "email=sally@customer.test",
                        "-F", f"type={type_id}", "-F", "prio=3", "-F", f"attachment=@{photo};type=text/plain")
    assert with_file["data"]["prio"] == 3

    status, _headers, thread = _curl(f"{base}/api/{key}/ticket/thread", "-d", f"apitoken={token}", "-d",
                                     f"hash={ticket_hash}", "-d", "limit=10")
    assert status == 200 and thread["ticket"] == ticket_hash and thread["data"] == []  # the question is the ticket

    status, _headers, added = _curl(f"{base}/api/{key}/ticket/attachment/add", "-F", f"apitoken={token}", "-F",
                                    f"hash={ticket_hash}", "-F", f"attachment=@{photo};type=text/plain")
    assert status == 200 and added["file"]["name"] == "notes.txt", added
    status, _headers, listed = _curl(f"{base}/api/{key}/ticket/attachments", "-d", f"apitoken={token}", "-d",
                                     f"hash={ticket_hash}")
    assert status == 200 and [f["id"] for f in listed["data"]] == [added["file"]["id"]]

    status, _headers, refused = _curl(f"{base}/api/{key}/ticket/info", "-d", "apitoken=wrong", "-d",
                                      f"hash={ticket_hash}")
    assert status == 403 and refused == {"code": 403, "workspace": key, "apitoken": "wrong"}
