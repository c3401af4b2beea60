"""The agent form of the administration as a typed input: the same rules for create and edit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.accounts.inputs import NewPassword
from app.accounts.tables import full_name
from app.errors import ValidationFailed
from app.i18n import _
from app.validation import FieldErrors, form_text

NAME_MAX = 100
POSITION_MAX = 100


def checked(data: Mapping, name: str) -> bool:
    """A checkbox: sent (with any value but "", "0", "off") means ticked."""
    return form_text(data, name).strip().lower() not in ("", "0", "off", "false")


@dataclass(frozen=True)
class AgentFields:
    first_name: str
    last_name: str
    email: str
    position: str
    superadmin: bool
    active: bool = True

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    @classmethod
    def from_form(cls, data: Mapping, *, with_active: bool = False, errors: FieldErrors | None = None) -> AgentFields:
        """The fields of the form; `with_active` reads the active box (the edit form has it, a new
        agent is active). Raises ValidationFailed with every field's message at once, including
        those already in `errors`."""
        errors = errors if errors is not None else FieldErrors()
        first = errors.line(data, "first_name", _("First name"), max_len=NAME_MAX)
        last = errors.line(data, "last_name", _("Last name"), max_len=NAME_MAX)
        email = errors.email(data).lower()
        position = errors.line(data, "position", _("Position"), min_len=0, max_len=POSITION_MAX)
        if errors:
            raise ValidationFailed(dict(errors))
        return cls(first_name=first, last_name=last, email=email, position=position,
                   superadmin=checked(data, "superadmin"),
                   active=checked(data, "active") if with_active else True)


def edited_agent_from_form(data: Mapping) -> tuple[AgentFields, str | None]:
    """The edit form: the fields with the active box, and a new password if one was typed (twice)."""
    errors = FieldErrors()
    password = None
    if form_text(data, "password") or form_text(data, "password_confirmation"):
        try:
            password = NewPassword.from_form(data).password
        except ValidationFailed as exc:
            errors.update(exc.errors)
    return AgentFields.from_form(data, with_active=True, errors=errors), password


def new_agent_from_form(data: Mapping) -> tuple[AgentFields, str | None]:
    """The create form: the fields and either a password (typed twice) or None for "send an
    invitation" (`access` = "invite")."""
    errors = FieldErrors()
    password = None
    if form_text(data, "access") != "invite":
        try:
            password = NewPassword.from_form(data).password
        except ValidationFailed as exc:
            errors.update(exc.errors)
    return AgentFields.from_form(data, errors=errors), password
