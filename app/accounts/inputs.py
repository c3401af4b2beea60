"""Typed inputs of the account intents: a new account (signup, the CLI, the demo) and a new
password (reset now, the profile later). One set of rules wherever an account is made."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from app.accounts.tables import full_name
from app.errors import ValidationFailed
from app.i18n import _
from app.validation import FieldErrors, form_text


def _password(errors: FieldErrors, data: Mapping, *, confirm: bool) -> str:
    password = form_text(data, "password")
    if len(password) < MIN_LENGTH:
        errors["password"] = _("The password needs at least %(min)d characters.", min=MIN_LENGTH)
    elif len(password) > MAX_LENGTH:
        errors["password"] = _("The password may have at most %(max)d characters.", max=MAX_LENGTH)
    elif confirm and password != form_text(data, "password_confirmation"):
        errors["password_confirmation"] = _("The passwords do not match.")
    return password


@dataclass(frozen=True)
class NewAccount:
    """A workspace and its first superadmin."""

    company: str
    first_name: str
    last_name: str
    email: str
    password: str

    @property
    def full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", self.email.strip().lower())  # logins are compared lowercased

    @classmethod
    def from_form(cls, data: Mapping, *, confirm_password: bool = True,
                  extra_errors: dict[str, str] | None = None) -> NewAccount:
        errors = FieldErrors()
        company = errors.line(data, "company", _("Company name"), max_len=200)
        full_name = errors.line(data, "fullname", _("Full name"), max_len=200)
        email = errors.email(data).lower()
        password = _password(errors, data, confirm=confirm_password)
        errors.update(extra_errors or {})
        if errors:
            raise ValidationFailed(errors)
        first, _sep, last = full_name.partition(" ")
        return cls(company=company, first_name=first, last_name=last.strip(), email=email, password=password)


@dataclass(frozen=True)
class NewPassword:
    password: str

    @classmethod
    def from_form(cls, data: Mapping) -> NewPassword:
        errors = FieldErrors()
        password = _password(errors, data, confirm=True)
        if errors:
            raise ValidationFailed(errors)
        return cls(password)
