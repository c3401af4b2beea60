"""Seed a benchmark installation in a folder: app.toml, a workspace made by the real CLI, then N
tickets with their timelines bulk-inserted with sqlite3 in one transaction, then the search index
built by `helprealm reindex`.

The rows imitate what the app writes (Piccolo stores timestamps as `str(datetime)` in UTC and JSON
as text), so the server reads them like its own.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.corpus import RARE_WORDS, WORDS, Corpus

AGENT_EMAIL = "ada@bench.example"
AGENT_PASSWORD = "bench-password-123"
BIG_TICKET_REPLIES = 50
BIG_TICKET_EVENTS = 20  # the ticket page phase: 50 replies and 20 system events
# Whoosh's StandardAnalyzer drops these; a "common word" query must be a word that is indexed.
STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it may not of on or tbd that the this to us we when "
    "will with yet you your".split()
)
TOKEN = re.compile(r"[a-z']+")


@dataclass
class Seeded:
    root: str
    config: str
    workspace_key: str
    agent_email: str
    agent_password: str
    tickets: int
    timeline_entries: int
    big_ticket_number: int
    big_ticket_entries: int
    common_word: str
    common_word_tickets: int
    rare_word: str
    rare_word_tickets: int
    seconds: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def write_config(root: Path, port: int, *, data_dir: str = "data", index_dir: str = "search_index") -> Path:
    config = root / "app.toml"
    config.write_text(
        f"""[server]
host = "127.0.0.1"
port = {port}
base_url = "http://127.0.0.1:{port}"

[storage]
data_dir = "{data_dir}"
index_dir = "{index_dir}"

[mail]
smtp_host = ""
send_interval_seconds = 2.0

[limits]
ticket_wait_seconds = 0
login_attempts_per_minute = 100000

[api]
requests_per_minute_per_key = 0
requests_per_minute_per_address = 0
ticket_wait_seconds = 0
"""
    )
    return config


def _ts(value: datetime) -> str:
    return str(value.astimezone(UTC))


def _cli(python_bin: Path, *args: str) -> str:
    helprealm = python_bin.parent / "helprealm"
    cmd = [str(helprealm), *args] if helprealm.exists() else [str(python_bin), "-m", "app", *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def seed(root: Path, n_tickets: int, *, port: int, python_bin: Path, seed_value: int = 42, log=print,
         lang: str = "en") -> Seeded:
    root.mkdir(parents=True, exist_ok=True)
    config = write_config(root, port)
    seconds: dict[str, float] = {}

    t0 = time.perf_counter()
    out = _cli(
        python_bin, "create-workspace", "--config", str(config), "--company", "Bench Corp", "--name", "Ada Bench",
        "--email", AGENT_EMAIL, "--password", AGENT_PASSWORD,
    )
    seconds["create_workspace"] = time.perf_counter() - t0
    key = re.search(r"/([0-9a-f]{32})\b", out).group(1)

    if lang != "en":  # `--lang de`: translation and date formatting on every page measured
        with sqlite3.connect(root / "data" / "helprealm.sqlite") as con:
            con.execute("UPDATE workspace SET lang = ? WHERE key = ?", (lang, key))

    t0 = time.perf_counter()
    info = _bulk_insert(root / "data" / "helprealm.sqlite", key, n_tickets, seed_value)
    seconds["insert"] = time.perf_counter() - t0
    log(f"  inserted {n_tickets} tickets, {info['entries']} timeline entries in {seconds['insert']:.1f} s")

    t0 = time.perf_counter()
    _cli(python_bin, "reindex", "--config", str(config))
    seconds["reindex"] = time.perf_counter() - t0
    log(f"  search index built in {seconds['reindex']:.1f} s")

    return Seeded(
        root=str(root),
        config=str(config),
        workspace_key=key,
        agent_email=AGENT_EMAIL,
        agent_password=AGENT_PASSWORD,
        tickets=n_tickets,
        timeline_entries=info["entries"],
        big_ticket_number=info["big_number"],
        big_ticket_entries=info["big_entries"],
        common_word=info["common_word"],
        common_word_tickets=info["common_df"],
        rare_word=info["rare_word"],
        rare_word_tickets=info["rare_df"],
        seconds=seconds,
    )


def _big_ticket_events(ticket_id: int, ws_id: int, agents: list, created: datetime, rng) -> list[tuple]:
    """System events spread over the big ticket's life: status moves, assignments, priorities, groups."""
    events = []
    for i in range(BIG_TICKET_EVENTS):
        agent_id, agent_name = rng.choice(agents)
        at = created + timedelta(hours=6 * i + 1)
        kind = ("status", "assigned", "priority", "group")[i % 4]
        data = {"status": {"from": 1, "to": 4}, "assigned": {"to": agent_name}, "priority": {"from": 1, "to": 2},
                "group": {"to": "2nd level"}}[kind]
        events.append((ticket_id, ws_id, "event", agent_id, agent_name, "", kind, json.dumps(data), _ts(at)))
    return events


def _bulk_insert(db_path: Path, ws_key: str, n: int, seed_value: int) -> dict:
    corpus = Corpus(seed_value)
    rng = corpus.rng
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA foreign_keys = ON")
    cur = con.cursor()
    cur.execute("BEGIN IMMEDIATE")
    ws_id = cur.execute("SELECT id FROM workspace WHERE key = ?", (ws_key,)).fetchone()[0]
    main_agent = cur.execute("SELECT id FROM agent WHERE workspace = ?", (ws_id,)).fetchone()[0]
    default_group = cur.execute("SELECT id FROM agent_group WHERE workspace = ? AND is_default = 1",
                                (ws_id,)).fetchone()[0]
    type_ids = [r[0] for r in cur.execute("SELECT id FROM ticket_type WHERE workspace = ?", (ws_id,))]
    now = datetime.now(UTC)

    # Two more groups and three more agents; the benchmark's agent is in two of the three groups.
    groups = [default_group]
    for name in ("2nd level group", "Billing"):
        cur.execute(
            "INSERT INTO agent_group (workspace, name, description, is_default, created_at) VALUES (?, ?, '', 0, ?)",
            (ws_id, name, _ts(now)),
        )
        groups.append(cur.lastrowid)
    agents = [(main_agent, "Ada Bench")]
    for first, last in (("Bob", "Support"), ("Cleo", "Helper"), ("Dan", "Fixit")):
        cur.execute(
            "INSERT INTO agent (workspace, email, first_name, last_name, position, password_hash, superadmin, active,"
            " confirmed, on_vacation, signature, created_at) VALUES (?, ?, ?, ?, 'Agent', 'x', 0, 1, 1, 0, '', ?)",
            (ws_id, f"{first.lower()}@bench.example", first, last, _ts(now)),
        )
        agents.append((cur.lastrowid, f"{first} {last}"))
    members = [(groups[1], main_agent), (groups[0], agents[1][0]), (groups[1], agents[2][0]), (groups[2], agents[3][0])]
    cur.executemany('INSERT INTO group_member ("group", agent) VALUES (?, ?)', members)
    # A few FAQ entries: the public form page shows them.
    cur.executemany(
        "INSERT INTO faq_entry (workspace, question, answer, position, created_at) VALUES (?, ?, ?, ?, ?)",
        [(ws_id, f"{corpus.subject()}?", corpus.words(30, 60), i, _ts(now)) for i in range(5)],
    )

    start = now - timedelta(days=365)
    step = timedelta(days=365) / max(n, 1)
    big_number = max(1, n // 2)
    statuses = (1, 1, 1, 1, 2, 2, 2, 4, 5, 3, 3)
    tickets, entries = [], []
    df: dict[str, int] = {}
    next_id = (cur.execute("SELECT COALESCE(MAX(id), 0) FROM ticket").fetchone()[0]) + 1
    for number in range(1, n + 1):
        ticket_id = next_id + number - 1
        created = start + step * (number - 1)
        subject = corpus.subject()
        text = corpus.words(50, 150, rare_chance=0.04)
        customer = corpus.name()
        email = customer.lower().replace(" ", ".") + f"{number}@customer.example"
        status = rng.choice(statuses)
        group = rng.choice(groups)
        assignee = rng.choice(agents)[0] if rng.random() < 0.6 else None
        t = created
        created_event = '{"source": "web", "status": 1}'
        ticket_entries = [(ticket_id, ws_id, "event", None, "", "", "created", created_event, _ts(t))]
        words = set(TOKEN.findall(subject.lower())) | set(TOKEN.findall(text.lower()))
        replies = BIG_TICKET_REPLIES if number == big_number else rng.choice((0, 1, 1, 2, 3))
        last_replier = "customer"
        for i in range(replies):
            t = min(now, t + timedelta(minutes=rng.randint(5, 600)))
            if i % 2 == 0:
                agent_id, agent_name = rng.choice(agents)
                body = corpus.words(30, 120, rare_chance=0.02)
                ticket_entries.append((ticket_id, ws_id, "reply", agent_id, agent_name, body, "", "{}", _ts(t)))
                last_replier = "agent"
            else:
                body = corpus.words(30, 120, rare_chance=0.02)
                ticket_entries.append((ticket_id, ws_id, "customer", None, customer, body, "", "{}", _ts(t)))
                last_replier = "customer"
        if number == big_number:
            ticket_entries.extend(_big_ticket_events(ticket_id, ws_id, agents, created, rng))
        if status != 1:
            t = min(now, t + timedelta(minutes=rng.randint(1, 120)))
            agent_id, agent_name = rng.choice(agents)
            data = json.dumps({"from": 1, "to": status})
            ticket_entries.append((ticket_id, ws_id, "event", agent_id, agent_name, "", "status", data, _ts(t)))
        for w in words:
            df[w] = df.get(w, 0) + 1
        entries.extend(ticket_entries)
        tickets.append((
            ticket_id, ws_id, number, f"{rng.getrandbits(128):032x}", subject, text, customer, email,
            rng.choice(type_ids), rng.choice((1, 1, 1, 2, 2, 3)), status, group, assignee, last_replier,
            _ts(created), _ts(t),
        ))
    cur.executemany(
        'INSERT INTO ticket (id, workspace, number, hash, subject, text, customer_name, customer_email, ticket_type,'
        ' prio, status, "group", assignee, last_replier, created_at, updated_at) VALUES'
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        tickets,
    )
    cur.executemany(
        "INSERT INTO timeline_entry (ticket, workspace, kind, author_agent, author_name, body, event, data, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8]) for e in entries],
    )
    cur.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()

    # The common word: an indexed vocabulary word in about half the tickets (the slow case for a
    # full-text engine); the rare word: one in as few tickets as possible (but at least two).
    candidates = [w for w in WORDS if w not in STOP_WORDS and len(w) > 3 and "'" not in w and w in df]
    common = min(candidates, key=lambda w: abs(df[w] - n / 2))
    rare_pool = [w for w in RARE_WORDS if df.get(w, 0) >= 2] or [w for w in RARE_WORDS if w in df] or [RARE_WORDS[0]]
    rare = min(rare_pool, key=lambda w: (df.get(w, 0), w))
    big_id = next_id + big_number - 1
    big_entries = sum(1 for e in entries if e[0] == big_id)
    return {
        "entries": len(entries),
        "big_number": big_number,
        "big_entries": big_entries,
        "common_word": common,
        "common_df": df[common],
        "rare_word": rare,
        "rare_df": df.get(rare, 0),
    }
