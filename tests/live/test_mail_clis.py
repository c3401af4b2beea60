"""`helprealm mailgate` and `helprealm mail` run as processes against a real `helprealm serve` (one
per module), and mailgate's exit statuses against a stub server that answers what we tell it."""

from __future__ import annotations

import asyncio
import http.server
import subprocess
import threading
from email.message import EmailMessage
from pathlib import Path

import pytest

from app import cli
from app.config import load_settings
from tests.helpers import free_port
from tests.live.test_shutdown import HELPREALM, _config, _wait_healthy, stop_server

SALLY = "sally@customer.test"


def _run(*args: str, stdin: bytes | str = b"", timeout: float = 60) -> subprocess.CompletedProcess:
    data = stdin.encode() if isinstance(stdin, str) else stdin
    done = subprocess.run([str(HELPREALM), *args], input=data, capture_output=True, timeout=timeout)
    done.stdout, done.stderr = done.stdout.decode(), done.stderr.decode()
    return done


def _mail(subject: str = "Printer on fire", body: str = "It is really on fire.", message_id: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = f"Sally Doe <{SALLY}>"
    message["To"] = "support@acme.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id or f"<{abs(hash((subject, body)))}@customer.test>"
    message.set_content(body)
    return message.as_bytes()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real server with Acme, whose mail gateway token is known and whose outgoing mail leaves
    through the gateway (set before the server starts: it caches the setting)."""
    folder = tmp_path_factory.mktemp("mailclis")
    port = free_port()
    config = _config(folder, port)
    created = _run("create-workspace", "--config", str(config), "--company", "Acme", "--name", "Ann Admin",
                   "--email", "ann@acme.test", "--password", "correct horse")
    assert created.returncode == 0, created.stderr
    key = created.stdout.split("Public page: ")[1].split()[0].rstrip("/").rsplit("/", 1)[1]
    token = _run("mail-token", "--config", str(config), "--workspace", key)
    assert token.returncode == 0, token.stderr

    async def deliver_through_the_gateway():
        from app.mail import gateway
        from app.workspaces.service import get_by_key

        await gateway.set_deliver_outgoing((await get_by_key(key))["id"], None, True)

    asyncio.run(cli._with_database(load_settings(config), deliver_through_the_gateway))
    token_file = folder / "mail-token"
    token_file.write_text(token.stdout)
    process = subprocess.Popen([str(HELPREALM), "serve", "--config", str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, process)
        yield {"url": base_url, "key": key, "token": token.stdout.strip(), "token_file": token_file,
               "config": config}
    finally:
        stop_server(process)


def _connection(server: dict, token: str | None = None) -> list[str]:
    return ["--url", server["url"], "--workspace", server["key"], "--token", token or server["token"]]


def test_mailgate_delivers_a_message_and_says_what_became_of_it(server):
    raw = _mail(message_id="<mailgate-1@customer.test>")
    done = _run("mailgate", *_connection(server), stdin=raw)
    assert done.returncode == 0, done.stderr
    outcome, ticket = done.stdout.split()
    assert outcome == "created" and len(ticket) == 32
    again = _run("mailgate", "--url", server["url"] + "/", "--workspace", server["key"], "--token-file",
                 str(server["token_file"]), stdin=raw)
    assert (again.returncode, again.stdout.split()) == (0, ["duplicate", ticket])  # the same message: one effect


def test_mailgate_asks_the_mta_to_retry_on_a_wrong_token_or_no_server(server, tmp_path):
    raw = _mail("Is anybody there?", message_id="<mailgate-2@customer.test>")
    wrong = _run("mailgate", *_connection(server, token="not-the-token"), stdin=raw)
    assert wrong.returncode == 75 and "401" in wrong.stderr and wrong.stdout == ""
    nobody = _run("mailgate", "--url", f"http://127.0.0.1:{free_port()}", "--workspace", server["key"],
                  "--token", server["token"], stdin=raw)
    assert nobody.returncode == 75 and "try again" in nobody.stderr
    missing_file = _run("mailgate", "--url", server["url"], "--workspace", server["key"], "--token-file",
                        str(tmp_path / "nope"), stdin=raw)
    assert missing_file.returncode == 75
    bad_line = _run("mailgate", "--url", server["url"], stdin=raw)  # a broken alias: keep the mail queued
    assert bad_line.returncode == 75
    empty = _run("mailgate", *_connection(server), stdin=b"  \n")
    assert empty.returncode == 66


def test_mail_submit_opens_a_ticket_and_replies_to_it(server):
    done = _run("mail", "submit", *_connection(server), "--email", SALLY, "--subject", "Scanner jammed",
                "--message", "Paper everywhere.")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Submitted: created, ticket ")
    ticket = done.stdout.split("ticket ")[1].split()[0]
    reply = _run("mail", *_connection(server), "submit", "--email", SALLY, "--ticket", ticket, "--subject",
                 "Re: Scanner jammed", "--message", "Still jammed.")
    assert reply.returncode == 0 and reply.stdout.strip() == f"Submitted: appended, ticket {ticket}"
    bad = _run("mail", "submit", *_connection(server), "--email", "not an address", "--subject", "S",
               "--message", "M")
    assert bad.returncode == 1 and "400" in bad.stderr
    wrong = _run("mail", "submit", *_connection(server, token="wrong"), "--email", SALLY, "--subject", "S",
                 "--message", "M")
    assert wrong.returncode == 1 and "401" in wrong.stderr


def test_mail_fetch_prints_each_outgoing_mail_then_verifies_it(server):
    async def queue():
        from app.db import write
        from app.mail.outbox import enqueue
        from app.workspaces.service import get_by_key

        workspace = await get_by_key(server["key"])
        async with write():
            for n in (1, 2):
                await enqueue(to=f"customer{n}@customer.test", subject=f"Answer {n}", text=f"Hello number {n}",
                              purpose="agent_reply", domain="helprealm.test", workspace_id=workspace["id"])

    asyncio.run(cli._with_database(load_settings(server["config"]), queue))
    done = _run("mail", "fetch", *_connection(server))
    assert done.returncode == 0, done.stderr
    for n in (1, 2):
        assert f"To: customer{n}@customer.test" in done.stdout and f"Hello number {n}" in done.stdout
    assert done.stdout.count(" verified.") >= 2 and "not verified" not in done.stdout
    again = _run("mail", "fetch", *_connection(server))
    assert again.returncode == 0 and again.stdout.strip() == "No mails to send."


def test_the_interactive_menu_submits_fetches_and_quits(server):
    answers = "\n".join(["1", SALLY, "", "From the menu", "First line", "Second line", ".", "2", "9", "3"]) + "\n"
    done = _run("mail", *_connection(server), stdin=answers)
    assert done.returncode == 0, done.stderr
    assert "Submitted: created, ticket " in done.stdout
    assert "Please choose 1, 2 or 3." in done.stdout
    # Without a token on the command line the menu asks for what is missing; end of input quits.
    asked = _run("mail", "--url", server["url"], "--workspace", server["key"], "--token-file",
                 str(server["token_file"]), stdin="")
    assert asked.returncode == 0 and "Choice:" in asked.stdout


# -- mailgate's exit statuses, against a stub -----------------------------------------------------

class _Stub(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_POST(self):  # noqa: N802 - the stdlib's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"code": %d, "error": "stub"}' % self.status
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(("status", "exit_status"), [
    (401, 75), (403, 75), (404, 75), (429, 75), (500, 75), (502, 75), (503, 75),  # ours to fix: retry
    (413, 65), (400, 65), (415, 65),  # never taken: the MTA bounces it, honestly
    (200, 0),
])
def test_mailgate_exit_status_follows_the_answer(stub, status, exit_status):
    _Stub.status = status
    done = _run("mailgate", "--url", f"http://127.0.0.1:{stub.server_address[1]}", "--workspace", "k" * 32,
                "--token", "t", stdin=_mail())
    assert done.returncode == exit_status, (status, done.stderr)


def test_mailgate_needs_nothing_beyond_the_standard_library():
    source = Path(cli.__file__).with_name("mail").joinpath("mailgate.py").read_text()
    imports = {line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports <= {"__future__", "argparse", "json", "sys", "urllib"}, imports
    cli_source = Path(cli.__file__).with_name("mail").joinpath("mail_cli.py").read_text()
    assert "import app.mail.mailgate" in cli_source or "from app.mail.mailgate import" in cli_source
