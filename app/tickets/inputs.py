"""Typed inputs of the ticket intents, and the limits of each channel they arrive through.

A handler turns what arrived (a form, JSON, a parsed mail) into one of these with `from_form()`
or by building it directly; the service checks what needs the database (does the type exist in
this workspace?) and the hard limits every channel shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum

from app.errors import ValidationFailed
from app.i18n import _
from app.tickets.status import PRIORITIES, Status
from app.validation import FieldErrors, form_text, has_line_break, parse_int

TEXT_HARD_LIMIT = 100_000  # no channel stores more text than this in one post


class Channel(Enum):
    """Where a ticket or a post came from. Limits are a rule of the channel, not of the service:
    the manual's 4096 characters bind the web form and the HelpRealm API; mail and the REST API
    carry whole e-mails and program output."""

    WEB = "web"
    API = "api"
    MAIL = "mail"
    REST = "rest"

    @property
    def max_text(self) -> int:
        return 4096 if self in (Channel.WEB, Channel.API) else TEXT_HARD_LIMIT

    @property
    def min_subject(self) -> int:
        return 5 if self is Channel.API else 3  # the HelpRealm API documents "at least 5"


@dataclass(frozen=True)
class NewTicket:
    name: str
    email: str
    subject: str
    text: str
    type_id: int
    prio: int
    channel: Channel = Channel.WEB

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", self.email.strip().lower())  # addresses are compared lowercased

    @classmethod
    def from_form(
        cls,
        data: Mapping,
        *,
        channel: Channel = Channel.WEB,
        type_ids: set[int] | None = None,
        extra_errors: dict[str, str] | None = None,
    ) -> NewTicket:
        """Check every field (and report `extra_errors`, e.g. the captcha, together with them)."""
        errors = FieldErrors()
        ticket = cls(
            name=errors.line(data, "name", _("Name"), max_len=200),
            email=errors.email(data),
            subject=errors.line(data, "subject", _("Subject"), min_len=channel.min_subject, max_len=200),
            text=errors.text(data, "text", _("Text"), max_len=channel.max_text),
            type_id=errors.choice(data, "type", _("Ticket type"), type_ids),
            prio=errors.choice(data, "prio", _("Priority"), set(PRIORITIES)),
            channel=channel,
        )
        errors.update(extra_errors or {})
        if errors:
            raise ValidationFailed(errors)
        return ticket


@dataclass(frozen=True)
class Reply:
    """A post on a ticket: a customer's message, an agent's reply or an internal note. However it
    is built (a form, a mail, an API body), an empty or oversized text is refused here."""

    text: str
    channel: Channel = Channel.WEB

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValidationFailed({"text": _("%(label)s is required.", label=_("Text"))})
        if len(self.text) > self.channel.max_text:
            raise ValidationFailed({"text": _("%(label)s may have at most %(max)d characters.", label=_("Text"),
                                              max=self.channel.max_text)})

    @classmethod
    def from_form(cls, data: Mapping, *, channel: Channel = Channel.WEB, label: str | None = None) -> Reply:
        errors = FieldErrors()
        text = errors.text(data, "text", label or _("Text"), max_len=channel.max_text)
        if errors:
            raise ValidationFailed(errors)
        return cls(text=text, channel=channel)


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()  # a field left as it is


@dataclass(frozen=True)
class FieldChanges:
    """What the ticket page's fields form sends. A field not sent is UNCHANGED; an assignee of
    None means "nobody" (the ticket is released), a deadline of None "no deadline"."""

    status: Status | _Unchanged = UNCHANGED
    prio: int | _Unchanged = UNCHANGED
    type_id: int | _Unchanged = UNCHANGED
    group_id: int | _Unchanged = UNCHANGED
    assignee: int | None | _Unchanged = UNCHANGED
    deadline: date | None | _Unchanged = UNCHANGED
    subject: str | _Unchanged = UNCHANGED

    @classmethod
    def from_form(cls, data: Mapping) -> FieldChanges:
        """Fields the form did not send stay unchanged; an empty assignee releases the ticket.

        The ticket page's form sends every field, and beside each the value it showed
        (`was_<field>`): a field sent back as it was shown is left alone, so a page opened before
        someone else changed the ticket changes only what its user changed, never back."""
        errors = FieldErrors()
        data = {field: value for field, value in data.items()
                if not (f"was_{field}" in data and form_text(data, f"was_{field}") == form_text(data, field))}

        def number(field: str) -> int | _Unchanged:
            if field not in data:
                return UNCHANGED
            value = parse_int(form_text(data, field))
            if value is None:
                errors[field] = _("Please choose a value.")
                return UNCHANGED
            return value

        status_code = number("status")
        status: Status | _Unchanged = UNCHANGED
        if status_code is not UNCHANGED:
            try:
                status = Status(status_code)
            except ValueError:
                errors["status"] = _("Unknown status.")
        assignee: int | None | _Unchanged = UNCHANGED
        if "assignee" in data:
            assignee = number("assignee") if form_text(data, "assignee").strip() else None
        deadline: date | None | _Unchanged = UNCHANGED
        if "deadline" in data:
            deadline = _deadline(errors, form_text(data, "deadline").strip())
        subject: str | _Unchanged = UNCHANGED
        if "subject" in data:
            subject = errors.line(data, "subject", _("Subject"), min_len=Channel.WEB.min_subject, max_len=200)
        changes = cls(status=status, prio=number("prio"), type_id=number("type"), group_id=number("group"),
                      assignee=assignee, deadline=deadline, subject=subject)
        if errors:
            raise ValidationFailed(errors)
        return changes


def _deadline(errors: FieldErrors, value: str) -> date | None | _Unchanged:
    """A date input's value (YYYY-MM-DD); empty means no deadline."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2999:
        errors["deadline"] = _("Please enter a date (YYYY-MM-DD).")
        return UNCHANGED
    return day


MAX_TAGS = 20
TAG_MAX_LEN = 50


def parse_tags(text: str) -> list[str]:
    """Tags typed as free text, separated by commas: trimmed, inner spaces collapsed, the first
    spelling of each kept (compared case-insensitively), in the order typed."""
    tags: dict[str, str] = {}
    for raw in text.split(","):
        tag = " ".join(raw.split())
        if not tag:
            continue
        if len(tag) > TAG_MAX_LEN or has_line_break(tag):
            raise ValidationFailed({"tags": _("A tag is one line of at most %(max)d characters.", max=TAG_MAX_LEN)})
        tags.setdefault(tag.casefold(), tag)
    if len(tags) > MAX_TAGS:
        raise ValidationFailed({"tags": _("A ticket may have at most %(max)d tags.", max=MAX_TAGS)})
    return list(tags.values())
