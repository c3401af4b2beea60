"""The REST answers' JSON: a ticket, a list row, a comment, an attachment, a user (models.py
documents the same fields for OpenAPI), and the API's names for the services' fields."""

from __future__ import annotations

from datetime import date, datetime

from app.accounts.tables import full_name
from app.api.rest.body import PRIORITY_WORDS
from app.tickets.status import Status

# The services name fields as the agent's forms do; the API as HelpDeskPro's manual does.
API_FIELD_NAMES = {"prio": "priority", "assignee": "assigned_user_id", "text": "description", "file": "attachment",
                   "email": "customer_email", "name": "customer_name"}


def api_field_names(errors: dict[str, str]) -> dict[str, str]:
    return {API_FIELD_NAMES.get(field, field): message for field, message in errors.items()}


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _assignee(row: dict) -> str | None:
    if row.get("assignee_first") is None and row.get("assignee_last") is None:
        return None
    return full_name(row["assignee_first"] or "", row["assignee_last"] or "")


def summary(row: dict, tags: list[str]) -> dict:
    """A ticket as a list shows it (app/tickets/list_rows.py's columns)."""
    status = Status(row["status"])
    return {
        "id": row["number"],
        "subject": row["subject"],
        "status": status.slug,
        "status_code": int(status),
        "priority": PRIORITY_WORDS.get(row["prio"], str(row["prio"])),
        "type": row["type_name"],
        "group": row["group_name"],
        "assigned_user_name": _assignee(row),
        "customer_name": row["customer_name"],
        "deadline": _when(row["deadline"]),
        "tags": tags,
        "updated_at": _when(row["updated_at"]),
    }


def ticket(row: dict) -> dict:
    """A ticket as queries.ticket_page() reads it (with its names and tags)."""
    status = Status(row["status"])
    return {
        "id": row["number"],
        "subject": row["subject"],
        "description": row["text"],
        "status": status.slug,
        "status_code": int(status),
        "priority": PRIORITY_WORDS.get(row["prio"], str(row["prio"])),
        "type_id": row["ticket_type"],
        "type": row["type_name"],
        "group_id": row["group"],
        "group": row["group_name"],
        "assigned_user_id": row["assignee"],
        "assigned_user_name": _assignee(row),
        "customer_name": row["customer_name"],
        "customer_email": row["customer_email"],
        "deadline": _when(row["deadline"]),
        "tags": row["tags"],
        "created_at": _when(row["created_at"]),
        "updated_at": _when(row["updated_at"]),
    }


def comment(entry: dict) -> dict:
    """A timeline post: the customer's message, an agent's reply, or an internal note."""
    return {
        "id": entry["id"],
        "kind": entry["kind"],
        "internal": entry["kind"] == "note",
        "author": entry["author_name"],
        "author_user_id": entry["author_agent"],
        "comment": entry["body"],
        "created_at": _when(entry["created_at"]),
        "edited_at": _when(entry["edited_at"]),
    }


def attachment(row: dict, base: str, number: int) -> dict:
    """A file, with the API's download URL (the same key opens it, with the same access check)."""
    return {
        "id": row["id"],
        "filename": row["filename"],
        "size": row["size"],
        "content_type": row["content_type"],
        "uploaded_by": row["uploaded_by"],
        "created_at": _when(row["created_at"]),
        "download_url": f"{base}/api/v1/tickets/{number}/attachments/{row['id']}",
    }


def user(row: dict) -> dict:
    return {
        "id": row["id"],
        "name": full_name(row["first_name"], row["last_name"]),
        "email": row["email"],
        "position": row["position"],
        "active": bool(row["active"]),
        "vacation": bool(row["on_vacation"]),
    }
