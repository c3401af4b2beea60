"""What a timeline event says, in the reader's language: "Status changed to Waiting by Ann".

Whole sentences per event, with and without the agent who caused it, so each language can
order its words. A Jinja filter (`{{ entry | event_text }}`): a ticket page shows dozens of
events, and a filter costs a fraction of a macro call.
"""

from __future__ import annotations

from app.i18n import _
from app.tickets.status import PRIORITIES, STATUS_LABELS, Status


def _status(code: object) -> str:
    try:
        return str(STATUS_LABELS[Status(code)])
    except (ValueError, KeyError):
        return str(code)


def _priority(code: object) -> str:
    label = PRIORITIES.get(code)  # type: ignore[call-overload]
    return str(label) if label is not None else str(code)


def event_text(entry: dict) -> str:
    data, by = entry.get("data") or {}, entry.get("author_name") or ""
    event = entry.get("event")
    if event == "created":
        return _("Ticket opened")
    if event == "confirmed":
        return _("E-mail address confirmed")
    if event == "merged":
        return _("Merged with another ticket")
    if event == "status":
        status = _status(data.get("to"))
        return _("Status changed to %(status)s by %(name)s", status=status, name=by) if by else \
            _("Status changed to %(status)s", status=status)
    if event == "assigned":
        agent = data.get("to", "")
        return _("Assigned to %(agent)s by %(name)s", agent=agent, name=by) if by else \
            _("Assigned to %(agent)s", agent=agent)
    if event == "released":
        return _("Released by %(name)s", name=by) if by else _("Released")
    if event == "priority":
        prio = _priority(data.get("to"))
        return _("Priority set to %(prio)s by %(name)s", prio=prio, name=by) if by else \
            _("Priority set to %(prio)s", prio=prio)
    if event == "type":
        kind = data.get("to", "")
        return _("Type set to %(type)s by %(name)s", type=kind, name=by) if by else _("Type set to %(type)s", type=kind)
    if event == "group":
        group = data.get("to", "")
        return _("Moved to %(group)s by %(name)s", group=group, name=by) if by else \
            _("Moved to %(group)s", group=group)
    if event == "subject":
        subject = data.get("to", "")
        return _("Subject changed to “%(subject)s” by %(name)s", subject=subject, name=by) if by else \
            _("Subject changed to “%(subject)s”", subject=subject)
    if event == "attachment":
        filename = data.get("filename", "")
        return _("File added: %(filename)s by %(name)s", filename=filename, name=by) if by else \
            _("File added: %(filename)s", filename=filename)
    return _("Ticket changed")
