"""`python -m bench`: seed, start the real server, measure it from a separate process, compare with
the floor app, print a table and write bench/results/latest.json. See bench/README.md."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from bench import api as api_phase
from bench import export as export_phase
from bench import lists as list_phases
from bench import live
from bench import mail as mail_phase
from bench.report import RESULTS, TARGETS, flatten, log, print_table, summary
from bench.seed import seed
from bench.server import Server, free_port, run_load, spawn
from bench.side import measure_floor, measure_pyz, memory_mb, size_mb
from bench.stats import median

REPO = Path(__file__).resolve().parent.parent
PYZ = REPO / "build" / "helprealm.pyz"
REQUIRED_APP_MODULES = ("app.search.indexer", "app.search.service", "app.mail.outbox")

AGENT_PHASES = ("list", "ticket_page", "search_common", "search_rare", "reply", "dashboard", "list_filtered")
ALL_PHASES = (*AGENT_PHASES, "submit", "api", "mail", "live", "bulk", "export")
# api: api.py; mail: mail.py; list_filtered, bulk: lists.py; export: export.py

def helprealm_cmd(config: str) -> list[str]:
    exe = Path(sys.executable).parent / "helprealm"
    if exe.exists():
        return [str(exe), "serve", "--config", config]
    return [sys.executable, "-m", "app", "serve", "--config", config]


# -- the phases -----------------------------------------------------------------------------------


def agent_phases(seeded, args) -> dict[str, dict]:
    """What each agent phase requests, how often, and how a right answer looks."""
    c, limit = args.concurrency, args.phase_seconds
    rows = '<tr data-ticket="'
    return {
        # Page 2 of the agent's groups (2 of the 3 groups: a filter that is not the whole table).
        "list": {"paths": ["/tickets?scope=groups&page=2"], "htmx": True, "expect": 'id="ticket-rows"',
                 "count": [rows, 25, 25], "warmup": 30, "serial": args.list_requests,
                 "requests": args.list_requests, "concurrency": c, "max_seconds": limit},
        # The whole page (no HX-Request), as when an agent opens a ticket from the list.
        "ticket_page": {"paths": [f"/tickets/{seeded.big_ticket_number}"], "htmx": False, "expect": 'class="thread"',
                        "count": ['<article class="post', 50, None], "warmup": 20, "serial": args.page_requests,
                        "requests": args.page_requests, "concurrency": c, "max_seconds": limit},
        "search_common": {"paths": [f"/tickets?scope=all&q={quote(seeded.common_word)}"], "htmx": True,
                          "expect": 'id="ticket-rows"', "count": [rows, 25, 25], "warmup": 5,
                          "serial": args.search_requests, "requests": args.search_requests, "concurrency": c,
                          "max_seconds": limit},
        "search_rare": {"paths": [f"/tickets?scope=all&q={quote(seeded.rare_word)}"], "htmx": True,
                        "expect": 'id="ticket-rows"', "count": [rows, 1, 25], "warmup": 10,
                        "serial": args.search_requests, "requests": args.search_requests, "concurrency": c,
                        "max_seconds": limit},
        # The dashboard (wt-dash): cards and both charts over every ticket the agent may see.
        "dashboard": {"paths": ["/dashboard"], "htmx": False, "expect": 'id="chart-days"', "warmup": 10,
                      "serial": args.page_requests, "requests": args.page_requests, "concurrency": c,
                      "max_seconds": limit},
        # An external reply from the ticket page (HTMX): the write path with its timeline entries and
        # outbox mail, then the updated ticket fragment. Spread over many tickets, so no thread grows.
        "reply": {"paths": [f"/tickets/{n}/reply" for n in reply_tickets(seeded)], "htmx": True,
                  "form": {"text": REPLY_TEXT}, "expect": "Reply sent to the customer.", "warmup": 10,
                  "serial": args.reply_requests, "requests": args.reply_requests, "concurrency": c,
                  "max_seconds": limit},
        **list_phases.agent_phases(seeded, args),
    }


REPLY_TEXT = ("Thank you for the details. We restarted the service on our side and the queue is moving again; "
              "please try once more and tell us if the problem comes back.")


def reply_tickets(seeded) -> list[int]:
    """Ordinary tickets for the reply phase (not the big one the ticket page phase reads)."""
    return [n for n in range(1, min(seeded.tickets, 1000) + 1) if n != seeded.big_ticket_number]


def run_agent_phase(server: Server, seeded, name: str, phase: dict) -> dict:
    spec = {
        "scenario": "agent", "host": "127.0.0.1", "port": server.port, "server_pid": server.pid,
        "email": seeded.agent_email, "password": seeded.agent_password, "phases": [{"name": name, **phase}],
    }
    return run_load(spec)[name]


def measure_agent(server: Server, seeded, args, names: list[str], rounds: int) -> dict:
    """Each phase `rounds` times, interleaved (so a burst of noise on the shared machine hits one
    round of every phase, not every round of one phase); the figures are medians over the rounds."""
    phases = agent_phases(seeded, args)
    per_round: dict[str, list[dict]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names:
            with profiling(args, server, name):
                result = run_agent_phase(server, seeded, name, phases[name])
            per_round[name].append(result)
            log(f"  round {r + 1}/{rounds} {name:<14} 1 agent p50/p95 "
                f"{result['serial_p50_ms']}/{result['serial_p95_ms']} ms,"
                f" {result['concurrency']} agents p50/p95 {result['p50_ms']}/{result['p95_ms']} ms,"
                f" {result['req_per_s']} req/s, errors {result['errors']}")
    out = {}
    for name, results in per_round.items():
        keys = [k for k, v in results[0].items() if isinstance(v, (int, float))]
        merged = {k: median([res.get(k) for res in results]) for k in keys}
        merged["errors"] = sum(res["errors"] for res in results)
        merged["error_samples"] = [s for res in results for s in res["error_samples"]][:5]
        merged["rounds"] = results
        out[name] = merged
    return out


def measure_submit(server: Server, seeded, args) -> dict:
    spec = {
        "scenario": "submit", "host": "127.0.0.1", "port": server.port, "server_pid": server.pid,
        "workspace_key": seeded.workspace_key, "clients": args.clients, "warmup": args.warmup,
        "duration": args.duration,
    }
    with profiling(args, server, "submit"):
        return run_load(spec)


@contextlib.contextmanager
def profiling(args, server: Server, name: str):
    """With --profile: sample the server with py-spy for the whole phase (warm-up included)."""
    if not args.profile:
        yield
        return
    from bench.profile import Profiler, summarize

    RESULTS.mkdir(exist_ok=True)
    stem = f"profile-{name}" + ("-gil" if args.profile_gil else "")
    raw = RESULTS / f"{stem}.raw"
    with Profiler(server.pid, raw, rate=args.profile_rate, gil=args.profile_gil):
        yield
    text = summarize(raw)
    (RESULTS / f"{stem}.txt").write_text(text + "\n")
    log(f"  profile: {RESULTS / f'{stem}.txt'} (raw stacks: {raw.name})")


# -- main -----------------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description="HelpRealm benchmarks (see bench/README.md)")
    p.add_argument("--tickets", type=int, default=10_000, help="tickets to seed (default 10000)")
    p.add_argument("--duration", type=float, default=20, help="seconds of measured ticket submission (default 20)")
    p.add_argument("--warmup", type=float, default=3, help="seconds of submission warm-up (default 3)")
    p.add_argument("--clients", type=int, default=8, help="concurrent customers / floor clients (default 8)")
    p.add_argument("--mail-messages", type=int, default=600,
                   help="messages through the pipe in the mail phase, half new, half replies (default 600)")
    p.add_argument("--reply-requests", type=int, default=150, help="replies per half of the reply phase (default 150)")
    p.add_argument("--concurrency", type=int, default=4,
                   help="agents at once in the throughput half of each agent phase (default 4)")
    p.add_argument("--rounds", type=int, default=3, help="rounds of the agent phases; figures are medians (default 3)")
    p.add_argument("--list-requests", type=int, default=200, help="requests per round and half (1 agent / N agents)")
    p.add_argument("--page-requests", type=int, default=200)
    p.add_argument("--search-requests", type=int, default=100)
    p.add_argument("--phase-seconds", type=float, default=8,
                   help="cap on each half of an agent phase per round (default 8)")
    p.add_argument("--floor-duration", type=float, default=10)
    p.add_argument("--pyz", default=str(PYZ), help="the zipapp to measure (default build/helprealm.pyz)")
    p.add_argument("--pyz-starts", type=int, default=5,
                   help="warm starts of the .pyz; the median is reported (default 5)")
    p.add_argument("--no-pyz", action="store_true", help="skip the .pyz start measurement (size only)")
    p.add_argument("--no-floor", action="store_true", help="skip the floor app")
    p.add_argument("--workdir", help="seed into this folder (kept) instead of a temporary one")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs)")
    p.add_argument("--lang", default="en", help="the seeded workspace's language (pages and mails in it; default en)")
    p.add_argument("--summary", action="store_true", help="print medians of the saved runs and exit")
    p.add_argument("--profile", nargs="?", const="all", metavar="PHASES",
                   help="profile the server with py-spy during these phases only (comma-separated: "
                        f"{','.join(ALL_PHASES)}; default all), one round, no floor and no .pyz; writes "
                        "bench/results/profile-<phase>.txt and .raw; the figures go to profile-run.json, "
                        "not latest.json")
    p.add_argument("--phases", metavar="PHASES",
                   help=f"run only these phases (comma-separated: {','.join(ALL_PHASES)}); "
                        "for quick before/after checks")
    p.add_argument("--profile-gil", action="store_true", help="with --profile: sample only the thread holding the GIL")
    p.add_argument("--profile-rate", type=int, default=250, help="py-spy samples per second (default 250)")
    live.add_arguments(p)
    args = p.parse_args(argv)
    chosen = args.profile if args.profile else args.phases
    if chosen:
        names = ALL_PHASES if chosen == "all" else tuple(x.strip() for x in chosen.split(",") if x.strip())
        unknown = set(names) - set(ALL_PHASES)
        if unknown:
            p.error(f"unknown phase(s) {', '.join(sorted(unknown))}; choose from {', '.join(ALL_PHASES)}")
        args.phases = names
        if args.profile:
            args.rounds = 1
    else:
        args.phases = ALL_PHASES
    return args


def wait_for_app() -> None:
    import importlib.util

    missing = [m for m in REQUIRED_APP_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        sys.exit(f"bench: the app is incomplete (missing {', '.join(missing)}); nothing to measure yet.")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.summary:
        summary(None if "--tickets" not in (argv or sys.argv) else args.tickets)
        return
    wait_for_app()
    t_start = time.perf_counter()
    if args.workdir:
        work = Path(args.workdir).resolve()
        work.mkdir(parents=True, exist_ok=True)
        for old in ("site", "pyz-site"):  # a fresh seed every run
            shutil.rmtree(work / old, ignore_errors=True)
        keep = True
    else:
        work = Path(tempfile.mkdtemp(prefix="helprealm-bench-"))
        keep = args.keep
    pyz = Path(args.pyz).resolve()
    profiled = bool(args.profile)
    result: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "tickets": args.tickets,
        "cpu_count": os.cpu_count(),
        "machine": {
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
        },
        "git": _git_head(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("summary",)},
        "targets": {k: f"{op} {v}" for k, (op, v) in TARGETS.items()},
        "profiled": profiled,
    }
    server = None
    try:
        log(f"Seeding {args.tickets} tickets into {work} ...")
        port = free_port()
        seeded = seed(work / "site", args.tickets, port=port, python_bin=Path(sys.executable), log=log,
                      lang=args.lang)
        result["seed"] = seeded.to_dict()
        if {"list_filtered", "bulk"} & set(args.phases):  # deadlines and tags for the list filters
            result["seed"]["lists"] = list_phases.prepare(seeded)
        log(f"  common word {seeded.common_word!r} in {seeded.common_word_tickets} tickets, "
            f"rare word {seeded.rare_word!r} in {seeded.rare_word_tickets}")

        pyz_root = None
        if pyz.exists() and not args.no_pyz and not profiled:
            pyz_root = work / "pyz-site"
            shutil.copytree(work / "site", pyz_root, ignore=shutil.ignore_patterns("*.log"))

        log("Starting the server ...")
        server = spawn("helprealm", helprealm_cmd(seeded.config), port=port, log_path=work / "server.log",
                       cwd=work / "site")
        start_seconds = server.wait_ready()
        memory = {"after_start": memory_mb(server)}
        log(f"  ready after {start_seconds:.2f} s (pid {server.pid}), RSS {memory['after_start']['rss_mb']} MB")

        agent_names = [n for n in AGENT_PHASES if n in args.phases]
        if agent_names:
            log(f"Agent pages ({', '.join(agent_names)}), {args.rounds} round(s) ...")
            result["agent"] = measure_agent(server, seeded, args, agent_names, args.rounds)
            memory["after_agent"] = memory_mb(server)
        if "bulk" in args.phases:
            log("Bulk status change of 100 tickets ...")
            result["bulk"] = list_phases.measure_bulk(server, seeded)
        if "submit" in args.phases:
            log(f"Ticket submission: {args.clients} clients, {args.warmup:g} s warm-up + {args.duration:g} s ...")
            result["submit"] = measure_submit(server, seeded, args)
            s = result["submit"]
            log(f"  {s['tickets_per_s']} tickets/s, POST p50/p95 {s['post_p50_ms']}/{s['post_p95_ms']} ms, "
                f"errors {s['errors']}")
            memory["after_submit"] = memory_mb(server)
        if "api" in args.phases:
            log(f"APIs: GET /api/v1/tickets over {args.tickets} tickets, "
                f"then ticket/create with {args.clients} programs ...")
            result["api"] = api_phase.measure(server, seeded, args, run_load, Path(sys.executable))
            memory["after_api"] = memory_mb(server)
        if "mail" in args.phases:
            log(f"Mail in: {args.mail_messages} messages through the pipe, then the form while mail flows ...")
            result["mail"] = mail_phase.measure(server, seeded, args, run_load, measure_submit, Path(sys.executable))
            m = result["mail"]
            log(f"  {m['pipe']['messages_per_s']} messages/s (target >= {mail_phase.MAIL_TARGET_PER_S}), "
                f"form {m['submit_during_mail']['tickets_per_s']} tickets/s while "
                f"{m['mail_during_submit'].get('messages_per_s')} messages/s flow in")
            memory["after_mail"] = memory_mb(server)
        if "live" in args.phases:
            log(f"Live: {args.live_pages} ticket pages with their event stream, one change at a time ...")
            result["live"] = live.measure(server, seeded, args)

        peak = memory_mb(server)["peak_rss_mb"]
        stopped = server.stop()
        result["server"] = {
            "start_seconds": round(start_seconds, 2),
            "peak_rss_mb": peak,
            "memory": memory,
            **stopped,
            "db_mb": size_mb(work / "site" / "data"),
            "index_mb": size_mb(work / "site" / "search_index"),
        }
        server = None
        if "export" in args.phases:  # the CLI on the database, with the server stopped
            log("Export (helprealm export: CSV all, CSV and XLSX of ~10,000) ...")
            result["export"] = export_phase.measure(seeded, log)

        if not args.no_floor and not profiled:
            log(f"Floor app: {args.clients} clients, {args.floor_duration:g} s ...")
            result["floor"] = measure_floor(work, args)
        if not profiled:
            if pyz.exists() and not args.no_pyz:
                log(f"Starting {pyz.name} {args.pyz_starts + 1} times ...")
            result["pyz"] = measure_pyz(pyz, pyz_root, args.pyz_starts)
    except BaseException:
        if server is not None:
            server.stop()
            log("Server log (tail):\n" + server.log_tail())
        keep = True
        log(f"Kept {work} for inspection.")
        raise

    result["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    result["total_seconds"] = round(time.perf_counter() - t_start, 1)
    result["figures"] = flatten(result) | live.figures(result) | api_phase.figures(result)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if profiled:
        paths = [RESULTS / "profile-run.json"]
    elif tuple(args.phases) != ALL_PHASES:  # a partial run is a quick check, not a result
        paths = [RESULTS / "partial-run.json"]
    else:
        paths = [RESULTS / "latest.json", RESULTS / f"run-{stamp}.json"]
    for path in paths:
        path.write_text(json.dumps(result, indent=2) + "\n")
    notes = []
    if not profiled and not result["pyz"].get("built"):
        notes.append(f"Note: {result['pyz']['note']}; the .pyz figures are missing from this run.")
    if profiled:
        notes.append("Profiled run: py-spy slows the server; these figures are not comparable and are not saved "
                     "as a run.")
    errors = {k: v for k, v in result["figures"].items() if k.endswith("_errors") and v}
    if errors:
        notes.append(f"Errors: {errors}; samples in {paths[0]}")
    mode = " (profiled)" if profiled else ""
    print_table(result["figures"],
                f"HelpRealm bench{mode}, {args.tickets} tickets, {os.cpu_count()} CPUs, {result['date']}"
                f" ({result['total_seconds']:.0f} s; agent figures: medians of {args.rounds} round(s))",
                clients=args.clients, concurrency=args.concurrency, notes=notes)
    live.print_figures(result["figures"])
    list_phases.report(result, log)
    export_phase.report(result, log)
    api_phase.report(result, log)
    log(f"Written {paths[0]}")
    if keep:
        log(f"Kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def _git_head() -> str | None:
    """The checked-out commit, read from .git without running git."""
    try:
        head = (REPO / ".git" / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            path = REPO / ".git" / ref
            if path.exists():
                return path.read_text().strip()[:12]
            packed = REPO / ".git" / "packed-refs"
            for line in packed.read_text().splitlines() if packed.exists() else []:
                if line.endswith(" " + ref):
                    return line.split()[0][:12]
            return None
        return head[:12]
    except OSError:
        return None
