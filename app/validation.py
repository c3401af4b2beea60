"""Field checks shared by typed inputs. Each returns the cleaned value or records an error.

Form data arrives as `dict[str, str | list[str]]` (a field sent twice becomes a list). Every
read goes through `form_text()`, so a repeated single-valued field is a clean 400, never a 500.
Numbers parse strictly: ASCII digits only and at most MAX_DIGITS of them, so `²` or
`99999999999999999999` are refused here instead of crashing Python's int() or SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import email_validator
from email_validator import EmailNotValidError, validate_email

from app.errors import BadRequest
from app.i18n import _, ngettext

# A self-hosted help desk often serves intranet addresses (user@host.local, user@corp.internal) and
# its tests use reserved example domains; only names that can never receive mail stay refused.
email_validator.SPECIAL_USE_DOMAIN_NAMES = [
    name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES if name in ("arpa", "invalid", "onion")
]

MAX_DIGITS = 9  # ids and numbers up to 999,999,999: far beyond any workspace, far below SQLite's limit
EMAIL_MAX = 254
# Line breaks and control characters. Single-line values (names, subjects, addresses) go into mail
# headers, where a line break would start a new header; multi-line text keeps \n and \t only.
# Bidi overrides and isolates (which make "exe.pdf" read as something else) and invisible
# separators are refused in single-line values too; zero-width (non-)joiners are letters' business.
_LINE_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u2060-\u2064\ufeff]")
_CONTROLS_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_DIGITS = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")


def has_control_characters(text: str) -> bool:
    """True when a multi-line text holds control characters other than line breaks and tabs."""
    return bool(_CONTROLS_IN_TEXT.search(text))


def valid_email(value: str) -> bool:
    """True for an address a form would accept (the same rules as FieldErrors.email)."""
    if not value or len(value) > EMAIL_MAX or has_line_break(value):
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def form_text(data: Mapping, name: str) -> str:
    """The field's single value ("" when absent). A field sent more than once is refused."""
    value = data.get(name)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise BadRequest(_("The field “%(name)s” was sent more than once.", name=name[:40]))


def parse_int(value: str | int | None) -> int | None:
    """A non-negative integer written in ASCII digits, else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < 10**MAX_DIGITS else None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    return None


def has_line_break(value: str) -> bool:
    return bool(_LINE_BREAKS_AND_CONTROLS.search(value))


class FieldErrors(dict):
    """field name -> message; inputs raise ValidationFailed(errors) when it is not empty."""

    def line(self, data: Mapping, field: str, label: str, *, min_len: int = 1, max_len: int = 200) -> str:
        """A single-line value: no line breaks or control characters."""
        value = form_text(data, field).strip()
        if _LINE_BREAKS_AND_CONTROLS.search(value):
            self[field] = _("%(label)s must be a single line without control characters.", label=label)
            return value
        return self._length(field, label, value, min_len, max_len)

    def text(self, data: Mapping, field: str, label: str, *, max_len: int, min_len: int = 1) -> str:
        """A multi-line text; line endings become \\n, other control characters are refused."""
        value = form_text(data, field).replace("\r\n", "\n").replace("\r", "\n").strip()
        if _CONTROLS_IN_TEXT.search(value):
            self[field] = _("%(label)s contains control characters.", label=label)
            return value
        return self._length(field, label, value, min_len, max_len)

    def _length(self, field: str, label: str, value: str, min_len: int, max_len: int) -> str:
        if len(value) < min_len:
            if min_len <= 1:
                self[field] = _("%(label)s is required.", label=label)
            else:
                self[field] = ngettext("%(label)s needs at least %(num)d character.",
                                       "%(label)s needs at least %(num)d characters.", min_len, label=label)
        elif len(value) > max_len:
            self[field] = too_long(label, max_len)
        return value

    def email(self, data: Mapping, field: str = "email", label: str | None = None) -> str:
        label = label or _("E-mail address")
        value = form_text(data, field).strip()
        if not value:
            self[field] = _("%(label)s is required.", label=label)
            return value
        if len(value) > EMAIL_MAX or has_line_break(value):
            self[field] = _("%(label)s is not a valid e-mail address.", label=label)
            return value
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            self[field] = _("%(label)s is not a valid e-mail address.", label=label)
            return value

    def choice(self, data: Mapping, field: str, label: str, allowed: set[int] | None) -> int:
        """An id or code picked from a select; `allowed` None accepts any well-formed number."""
        value = parse_int(form_text(data, field))
        if value is None:
            self[field] = _("Please choose: %(label)s.", label=label)
            return 0
        if allowed is not None and value not in allowed:
            self[field] = _("This choice is not available: %(label)s.", label=label)
        return value


def too_long(label: str, max_len: int) -> str:
    """"Subject may have at most 200 characters.", with the plural form the number takes."""
    return ngettext("%(label)s may have at most %(num)d character.", "%(label)s may have at most %(num)d characters.",
                    max_len, label=label)
