"""What a timeline event says, in the reader's language: "Status changed to Waiting by Ann".

Whole sentences per event, with and without the agent who caused it, so each language can
order its words. A Jinja filter (`{{ entry | event_text }}`): a ticket page shows dozens of
events, and a filter costs a fraction of a macro call.
"""

from __future__ import annotations

from app import formats
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
        return _merged(data, by)
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
    if event == "deadline":
        stored = data.get("to")
        if not stored:
            return _("Deadline removed by %(name)s", name=by) if by else _("Deadline removed")
        day = formats.day(stored)
        return _("Deadline set to %(date)s by %(name)s", date=day, name=by) if by else \
            _("Deadline set to %(date)s", date=day)
    if event == "tags":
        return _tags(data, by)
    if event == "notes":
        return _("Notes updated by %(name)s", name=by) if by else _("Notes updated")
    if event == "attachment_deleted":
        filename = data.get("filename", "")
        return _("File removed: %(filename)s by %(name)s", filename=filename, name=by) if by else \
            _("File removed: %(filename)s", filename=filename)
    if event == "attachment":
        filename = data.get("filename", "")
        return _("File added: %(filename)s by %(name)s", filename=filename, name=by) if by else \
            _("File added: %(filename)s", filename=filename)
    mail_text = _mail_event(event, data)
    return mail_text if mail_text is not None else _("Ticket changed")


# Why a file of a mail was not taken (app/mail/inbound.py stores the code, the reader gets words).
def _refusal(why: str) -> str:
    return {
        "type": _("file type not accepted"), "size": _("too large"), "empty": _("empty"),
        "uploads_off": _("uploads are switched off"), "ticket_full": _("the ticket holds no more files"),
    }.get(why, _("not accepted"))


def _mail_event(event: str | None, data: dict) -> str | None:
    """The events of mail in (issue 11), or None for another event."""
    if event == "files_refused":
        names = "; ".join(f"{item.get('filename', '')} ({_refusal(item.get('why', ''))})"
                          for item in data.get("files") or [])
        return _("Files of the e-mail not added: %(files)s", files=names)
    if event == "participants":
        return _("Added to the conversation by e-mail: %(addresses)s", addresses=", ".join(data.get("added") or []))
    if event == "follow_up":
        if data.get("to"):
            return _("The customer wrote again by e-mail: continued in #%(number)s", number=data["to"])
        return _("Follow-up to the closed ticket #%(number)s", number=data.get("from", ""))
    if event == "bounced":
        return _("The e-mail to %(address)s could not be delivered", address=data.get("to", ""))
    return None


def _merged(data: dict, by: str) -> str:
    if data.get("into"):
        number = data["into"]
        return _("Merged into #%(number)s by %(name)s", number=number, name=by) if by else \
            _("Merged into #%(number)s", number=number)
    if data.get("from"):
        number = data["from"]
        return _("Ticket #%(number)s merged into this one by %(name)s", number=number, name=by) if by else \
            _("Ticket #%(number)s merged into this one", number=number)
    return _("Merged with another ticket")


def _tags(data: dict, by: str) -> str:
    added, removed = ", ".join(data.get("added") or []), ", ".join(data.get("removed") or [])
    if added and removed:
        return _("Tags changed by %(name)s: added %(added)s, removed %(removed)s", name=by, added=added,
                 removed=removed)
    if added:
        return _("Tags added by %(name)s: %(tags)s", name=by, tags=added)
    return _("Tags removed by %(name)s: %(tags)s", name=by, tags=removed)

