"""`helprealm serve` stops at once with event streams open (uvicorn alone would wait for them)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import csrf_from, free_port

HELPREALM = Path(sys.executable).with_name("helprealm")
GRACE = 5  # the server's timeout_graceful_shutdown: what an open stream used to cost every stop


def _config(folder: Path, port: int) -> Path:
    config = folder / "app.toml"
    config.write_text(f"""
[server]
host = "127.0.0.1"
port = {port}
base_url = "http://127.0.0.1:{port}"
secret_key = "shutdown-test"

[storage]
data_dir = "{(folder / 'data').as_posix()}"
index_dir = "{(folder / 'index').as_posix()}"
""")
    return config


def _wait_healthy(base_url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            if httpx.get(base_url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("helprealm serve did not become healthy")


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 15 s (the tests' servers, by their handle)."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_serve_stops_at_once_with_streams_open(tmp_path):
    port = free_port()
    config = _config(tmp_path, port)
    created = subprocess.run([str(HELPREALM), "create-workspace", "--config", str(config), "--company", "Acme",
                              "--name", "Ann Admin", "--email", "ann@acme.test", "--password", "correct horse"],
                             capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    process = subprocess.Popen([str(HELPREALM), "serve", "--config", str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, process)
        with httpx.Client(base_url=base_url, follow_redirects=True, timeout=10) as client:
            token = csrf_from(client.get("/login").text)
            client.post("/login", data={"_csrf_token": token, "email": "ann@acme.test", "password": "correct horse"})
            streams = [client.stream("GET", url) for url in ("/tickets/events", "/tickets/events?scope=mine")]
            lines = []
            for opened in streams:
                response = opened.__enter__()
                assert response.status_code == 200
                lines.append(response.iter_lines())
                assert next(lines[-1]).startswith(":")  # the stream is open
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            for rest in lines:
                list(rest)  # each stream ends (instead of waiting for the server to give up on it)
            process.wait(timeout=GRACE + 5)
            took = time.monotonic() - started
            for opened in streams:
                opened.__exit__(None, None, None)
        # uvicorn re-raises the signal it handled once it has shut down: ended by SIGTERM, cleanly
        assert process.returncode in (0, -signal.SIGTERM), process.stdout.read()
        print(f"shutdown with two open streams took {took:.2f}s")
        assert took < GRACE - 2, f"shutdown took {took:.1f}s: the streams held it"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
