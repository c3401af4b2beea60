"""Profiling the server during a benchmark phase with py-spy (`python -m bench --profile ...`).

py-spy (installed in .venv) attaches to the running server by pid and samples every thread (the
event loop, aiosqlite's connection threads, the `to_thread` executor that runs Whoosh) without
pausing it (`--nonblocking`). It writes collapsed stacks (`profile-<phase>.raw`, loadable in
speedscope.app or flamegraph.pl); `summarize()` turns them into `profile-<phase>.txt`:

- by thread, and by component (SQLite, Piccolo, Whoosh, Jinja, Litestar, uvicorn/uvloop, app code),
- the functions with the most self time,
- HelpRealm's own functions by inclusive time (what each request handler costs, callees included).

Modes: the default samples threads that are running (on a CPU or waiting for the GIL); `gil=True`
(`--profile-gil`) keeps only the thread holding the GIL, i.e. where the one Python core goes.
SQLite's own work runs with the GIL released, so it shows in the default mode only.

`python -m bench.profile FILE.raw ...` prints the summary of saved profiles again.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")

# Leaf-to-root: the first frame whose file matches names the component a sample is charged to.
COMPONENTS = (
    ("aiosqlite/", "SQLite (sqlite3 C code, aiosqlite threads)"),
    ("whoosh/", "Whoosh (search index)"),
    ("piccolo/", "Piccolo ORM (query building, row conversion)"),
    ("jinja2/", "Jinja (template rendering)"),
    (".html", "Jinja (template rendering)"),
    ("markupsafe/", "Jinja (template rendering)"),
    ("litestar/", "Litestar (routing, middleware, DI, responses)"),
    ("msgspec/", "Litestar (routing, middleware, DI, responses)"),
    ("multipart/", "Litestar (routing, middleware, DI, responses)"),
    ("uvicorn/", "uvicorn (HTTP protocol)"),
    ("httptools/", "uvicorn (HTTP protocol)"),
    ("app/", "HelpRealm code (app/)"),
)


def py_spy() -> str | None:
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


class Profiler:
    """`with Profiler(pid, raw_path): ...` samples the process for the duration of the block."""

    def __init__(self, pid: int, raw_path: Path, rate: int = 250, gil: bool = False) -> None:
        self.pid, self.raw_path, self.rate, self.gil = pid, raw_path, rate, gil
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Profiler:
        exe = py_spy()
        if exe is None:
            raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
        cmd = [exe, "record", "--pid", str(self.pid), "--rate", str(self.rate), "--nonblocking", "--threads",
               "--format", "raw", "-o", str(self.raw_path)]
        if self.gil:
            cmd.append("--gil")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)  # let it attach
        if self.proc.poll() is not None:
            raise RuntimeError(f"py-spy failed: {self.proc.stderr.read().decode(errors='replace')[-500:]}")
        return self

    def __exit__(self, *exc) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _short(frame: str) -> tuple[str, str]:
    """("func (short/file.py)", file) for one py-spy frame."""
    m = FRAME.match(frame)
    if not m:
        return frame, ""
    file = m.group("file")
    short = file
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/", "/lib/python3/"):
        if marker in file:
            short = file.split(marker, 1)[1]
            break
    return f"{m.group('func')} ({short})", short


def _component(calls: list[tuple[str, str]]) -> str:
    if not calls:
        return "other"
    leaf_name, leaf_file = calls[-1]
    if leaf_file.startswith("asyncio/runners.py") or leaf_file.startswith("asyncio/base_events.py"):
        return "event loop (uvloop native: sockets, callbacks)"
    if leaf_file.startswith("threading.py") or leaf_file.startswith("queue.py"):
        return "thread hand-off (queue/condition waits with the GIL)"
    for _, file in reversed(calls):
        for marker, label in COMPONENTS:
            if file.endswith(marker) if marker.startswith(".") else file.startswith(marker):
                return label
    return "other (stdlib)"


def _thread_label(raw: str) -> str:
    name = re.sub(r"^thread \(0x[0-9A-Fa-f]+\): ", "", raw)
    name = re.sub(r"^thread \(\d+\): ", "", name)
    name = re.sub(r"\d+", "N", name)
    if "MainThread" in name:
        return "MainThread (event loop: HTTP, Litestar, Piccolo, Jinja)"
    if "_connection_worker_thread" in name:
        return "aiosqlite connection threads (SQLite)"
    if "uvloop" in name or "asyncio" in name or "ThreadPoolExecutor" in name:
        return "executor threads (asyncio.to_thread: Whoosh search/indexing, password hashing)"
    return name


def summarize(raw_path: Path, top: int = 25) -> str:
    threads: Counter[str] = Counter()
    components: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    app_inclusive: Counter[str] = Counter()
    total = 0
    for line in raw_path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        threads[_thread_label(frames[0])] += n
        calls = [_short(f) for f in frames[1:]]
        components[_component(calls)] += n
        if calls:
            self_time[calls[-1][0]] += n
        for name in {c[0] for c in calls}:
            inclusive[name] += n
            if "(app/" in name:
                app_inclusive[name] += n
    if not total:
        return f"{raw_path}: no samples"

    def block(title: str, counter: Counter[str], limit: int = top) -> list[str]:
        out = [title]
        for name, n in counter.most_common(limit):
            out.append(f"  {100 * n / total:5.1f}%  {name}")
        return out

    mode = "GIL holder only" if "gil" in raw_path.name else "running threads, all"
    lines = [f"{raw_path.name}: {total} samples ({mode}); percentages are of all samples"]
    lines += block("By thread:", threads)
    lines += block("By component (leaf frame's library):", components)
    lines += block("Self time (where the CPU was):", self_time)
    lines += block("Inclusive time, HelpRealm functions:", app_inclusive)
    lines += block("Inclusive time, all functions:", inclusive, 40)
    return "\n".join(lines)


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(summarize(Path(arg)))
        print()
