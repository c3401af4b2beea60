"""Start, watch and stop server processes for the benchmark."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    log_path: Path
    started_at: float
    ready_seconds: float | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self, path: str = "/healthz", timeout: float = 180.0) -> float:
        """Poll until `path` answers 200; returns seconds since the process was spawned."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=2) as r:
                    if r.status == 200:
                        self.ready_seconds = time.perf_counter() - self.started_at
                        return self.ready_seconds
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.01)
        raise RuntimeError(f"{self.name} not ready after {timeout} s:\n{self.log_tail()}")

    def memory_kb(self) -> dict[str, int]:
        """VmHWM (peak resident set) and VmRSS of the process, in kB."""
        out = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    out[key] = int(value.split()[0])
        except OSError:
            pass
        return out

    def stop(self, timeout: float = 20.0) -> dict:
        """SIGTERM, then SIGKILL after `timeout`. Returns how it went."""
        if self.proc.poll() is not None:
            return {"exit_code": self.proc.returncode, "stop_seconds": 0.0, "killed": False}
        t0 = time.perf_counter()
        self.proc.send_signal(signal.SIGTERM)
        killed = False
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            killed = True
        return {"exit_code": self.proc.returncode, "stop_seconds": round(time.perf_counter() - t0, 2), "killed": killed}


def spawn(name: str, cmd: list[str], *, port: int, log_path: Path, cwd: Path, env: dict | None = None) -> Server:
    log = open(log_path, "wb")
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})}
    )
    log.close()  # the child holds its own descriptor
    return Server(name=name, proc=proc, port=port, log_path=log_path, started_at=started)


def run_load(spec: dict, timeout: float = 900) -> dict:
    """Run one scenario in a separate process (bench/load.py) and return its JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(spec)],
        cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
