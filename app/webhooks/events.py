"""What a ticket change becomes for webhooks: event names, payloads, and the delivery rows.

`Change.flush()` (app/tickets/service/unit.py) calls `record()` inside the change's write
transaction, so a delivery exists exactly when the change does (a rolled-back change writes none).
The workspace's active hooks are cached in memory (`_hooks`), so a workspace without hooks costs
no query per change; every write to a hook calls `invalidate()` after its commit.

The payload (the JSON body POSTed to the hook's URL, exactly as signed)::

    {
      "id": "6f1c...",                 # the delivery's id (also X-HelpRealm-Delivery); a delivery
                                       # may arrive twice (at-least-once): dedupe by this id
      "event": "reply.added",          # see EVENTS; "ping" for the admin's "Send test"
      "occurred_at": "2026-11-24T18:00:00+00:00",
      "workspace": "acme",             # the workspace's key
      "ticket": {
        "number": 12, "subject": "...",
        "status": 1, "status_name": "Open",
        "priority": 2, "priority_name": "Medium",
        "group": "Support" | null, "assignee": "Ann Admin" | null, "type": "Question" | null,
        "url": "https://help.example/tickets/12",     # the agent's ticket page
        "created_at": "...", "updated_at": "..."
      },
      # reply.added / note.added:
      "post": {"kind": "customer" | "agent" | "note", "author": "Sally Doe", "body": "..."},
      # status.changed:
      "status": {"from": 1, "from_name": "Open", "to": 3, "to_name": "Closed"},
      # ticket.assigned:
      "assignee": {"id": 7, "name": "Bob Agent"},
      # ticket.updated (any other change, in timeline order):
      "changes": [{"change": "priority", "from": 1, "to": 3}, {"change": "tags", "added": [...], ...}]
    }

The customer's e-mail address, the ticket's hash and any token are never in a payload. Names
are in English and codes are stable (app/tickets/status.py), whatever the workspace's language.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app import clock, db, links
from app.cache import TTLCache
from app.tickets.status import Status
from app.tickets.tables import Ticket
from app.webhooks.tables import Webhook, WebhookDelivery
from app.workspaces.service import get_by_id

if TYPE_CHECKING:
    from app.tickets.service.unit import Change

CREATED, UPDATED, REPLY, NOTE, STATUS, ASSIGNED = (
    "ticket.created", "ticket.updated", "reply.added", "note.added", "status.changed", "ticket.assigned")
EVENTS = (CREATED, UPDATED, REPLY, NOTE, STATUS, ASSIGNED)
PING = "ping"

PRIORITY_NAMES = {1: "Low", 2: "Medium", 3: "High"}
POST_KINDS = {"customer": "customer", "reply": "agent", "note": "note"}

# workspace id -> [(hook id, events wanted)] of its active hooks; [] is cached too (no query).
_hooks: TTLCache[list[tuple[int, frozenset[str]]]] = TTLCache("webhooks by workspace", ttl=60.0)


def invalidate(workspace_id: int) -> None:
    """After a hook's change commits (and at once: a reader must not keep the old list)."""
    _hooks.invalidate(workspace_id)
    db.on_commit(lambda: _hooks.invalidate(workspace_id))


async def _active_hooks(workspace_id: int) -> list[tuple[int, frozenset[str]]]:
    async def load() -> list[tuple[int, frozenset[str]]]:
        rows = await Webhook.select(Webhook.id, Webhook.events).where(
            Webhook.workspace == workspace_id, Webhook.active.eq(True)).output(load_json=True)
        return [(row["id"], frozenset(row["events"] or ())) for row in rows]

    return await _hooks.get(workspace_id, load) or []


def status_name(code: int) -> str:
    return Status(code).name.replace("_", " ").capitalize()


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _no_address(value: Any) -> bool:
    return isinstance(value, str) and "@" in value


def _without_addresses(data: dict) -> dict:
    """An event's data with e-mail addresses taken out (a Cc'd colleague's, a bounced recipient's):
    a list of addresses becomes its count, a single address is left out. Receivers learn what
    changed, never whom to write to."""
    out = {}
    for key, value in data.items():
        if isinstance(value, list) and any(_no_address(item) for item in value):
            out[key] = len(value)
        elif not _no_address(value):
            out[key] = value
    return out


def events_of(entries: list[dict]) -> list[tuple[str, dict]]:
    """The webhook events of one change's timeline entries: (event, its part of the payload).
    A new ticket is "ticket.created" alone; other field changes and system events are gathered
    into one "ticket.updated"."""
    if any(e["kind"] == "event" and e.get("event") == "created" for e in entries):
        return [(CREATED, {})]
    found: list[tuple[str, dict]] = []
    changes: list[dict] = []
    for entry in entries:
        kind, data = entry["kind"], entry.get("data") or {}
        if kind in POST_KINDS:
            author = entry.get("author_name", "")  # a mail without a display name: the sender's address
            post = {"kind": POST_KINDS[kind], "author": "" if _no_address(author) else author,
                    "body": entry.get("body", "")}
            found.append((NOTE if kind == "note" else REPLY, {"post": post}))
        elif entry.get("event") == "status":
            found.append((STATUS, {"status": {"from": data["from"], "from_name": status_name(data["from"]),
                                              "to": data["to"], "to_name": status_name(data["to"])}}))
        elif entry.get("event") == "assigned":
            found.append((ASSIGNED, {"assignee": None}))  # filled in from the ticket row
        else:
            changes.append({"change": entry.get("event", ""), **_without_addresses(data)})
    if changes:
        found.append((UPDATED, {"changes": changes}))
    return found


# The names in one statement, written as SQL: a change with hooks pays this and one INSERT.
_NAMES = """
SELECT (SELECT name FROM agent_group WHERE id = t."group") AS group_name,
       (SELECT name FROM ticket_type WHERE id = t.ticket_type) AS type_name,
       (SELECT trim(first_name || ' ' || last_name) FROM agent WHERE id = t.assignee) AS assignee_name
FROM ticket t WHERE t.id = {}
"""
_INSERT = """
INSERT INTO webhook_delivery (workspace, webhook, event, ticket, payload, status, attempts, next_attempt_at,
                              last_status_code, last_error, created_at, delivered_at)
VALUES ({}, {}, {}, {}, {}, 'pending', 0, {}, NULL, '', {}, NULL)
"""


async def ticket_part(ticket: dict) -> dict:
    """The payload's "ticket": one query for the names of its group, assignee and type."""
    rows = await Ticket.raw(_NAMES, ticket["id"])
    names = rows[0] if rows else {}
    return {
        "number": ticket["number"], "subject": ticket["subject"],
        "status": ticket["status"], "status_name": status_name(ticket["status"]),
        "priority": ticket["prio"], "priority_name": PRIORITY_NAMES.get(ticket["prio"], ""),
        "group": names.get("group_name"), "assignee": names.get("assignee_name") if ticket["assignee"] else None,
        "type": names.get("type_name"),
        "url": links.current().url("agent.ticket", number=ticket["number"]),
        "created_at": _iso(ticket["created_at"]), "updated_at": _iso(ticket["updated_at"]),
    }


def payload(event: str, occurred_at: datetime, workspace_key: str, **parts: Any) -> tuple[str, str]:
    """(delivery id, the JSON body)."""
    delivery_id = uuid.uuid4().hex
    body = {"id": delivery_id, "event": event, "occurred_at": occurred_at.isoformat(),
            "workspace": workspace_key, **parts}
    return delivery_id, json.dumps(body, ensure_ascii=False, separators=(",", ":"))


async def record(change: Change, entries: list[dict]) -> int:
    """Write the deliveries for `change` (inside its transaction); return how many."""
    hooks = await _active_hooks(change.ticket["workspace"])
    if not hooks or not entries:
        return 0
    wanted = [(event, part) for event, part in events_of(entries) if any(event in ev for _id, ev in hooks)]
    if not wanted:
        return 0
    ticket = change.ticket
    key = (await get_by_id(ticket["workspace"]))["key"]
    ticket_json = await ticket_part(ticket)
    written = 0
    for event, part in wanted:
        if event == ASSIGNED:
            part = {"assignee": {"id": ticket["assignee"], "name": ticket_json["assignee"]}}
        for hook_id, hook_events in hooks:
            if event in hook_events:
                _id, body = payload(event, change.now, key, ticket=ticket_json, **part)
                await WebhookDelivery.raw(_INSERT, ticket["workspace"], hook_id, event, ticket["id"], body,
                                          change.now, change.now)
                written += 1
    return written


async def ping(workspace_id: int, hook_id: int) -> int:
    """A "ping" delivery for "Send test" (inside the caller's transaction); its row id. Written
    already "sending": the caller sends it at once, the loop must not take it meanwhile."""
    now = clock.now()
    key = (await get_by_id(workspace_id))["key"]
    _id, body = payload(PING, now, key, ticket=None)
    rows = await WebhookDelivery.insert(WebhookDelivery(
        workspace=workspace_id, webhook=hook_id, event=PING, payload=body, status="sending",
        next_attempt_at=now, created_at=now)).returning(WebhookDelivery.id)
    return rows[0]["id"]
