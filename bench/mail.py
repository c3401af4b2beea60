"""The "mail" phase: messages per second through the pipe endpoint (target >= 100/s, half new
tickets, half replies), then the web form's submission rate while mail flows in, beside the same
run's submit phase alone (issue 11). Registered in run.py; the load runs in its own process
(bench/mail_load.py via bench/load.py)."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

MAIL_TARGET_PER_S = 100


def mail_token(python_bin: Path, config: str, workspace_key: str) -> str:
    """A mail gateway token for the bench workspace, from the CLI (as an admin would get one)."""
    exe = python_bin.parent / "helprealm"
    cmd = [str(exe)] if exe.exists() else [str(python_bin), "-m", "app"]
    done = subprocess.run([*cmd, "mail-token", "--config", config, "--workspace", workspace_key],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1].strip()


def measure(server, seeded, args, run_load, measure_submit, python_bin: Path) -> dict:
    token = mail_token(python_bin, seeded.config, seeded.workspace_key)
    spec = {"scenario": "mail", "host": "127.0.0.1", "port": server.port, "server_pid": server.pid,
            "workspace_key": seeded.workspace_key, "token": token, "clients": 4, "messages": args.mail_messages}
    result = {"pipe": run_load(spec)}
    flow: dict = {}
    thread = threading.Thread(target=lambda: flow.update(run_load({
        **spec, "server_pid": None, "duration": args.warmup + args.duration})))
    thread.start()
    try:
        result["submit_during_mail"] = measure_submit(server, seeded, args)
    finally:
        thread.join()
    result["mail_during_submit"] = flow
    return result
