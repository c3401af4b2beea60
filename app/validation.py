"""Small field checks shared by services. Each returns the cleaned value or records an error."""

from __future__ import annotations

import email_validator
from email_validator import EmailNotValidError, validate_email

# A self-hosted help desk often serves intranet addresses (user@host.local, user@corp.internal) and
# its tests use reserved example domains; only names that can never receive mail stay refused.
email_validator.SPECIAL_USE_DOMAIN_NAMES = [
    name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES if name in ("arpa", "invalid", "onion")
]


class FieldErrors(dict):
    """field name -> message; services raise ValidationFailed(errors) when it is not empty."""

    def text(self, data: dict, field: str, label: str, *, min_len: int = 1, max_len: int = 200) -> str:
        value = (data.get(field) or "").strip()
        if len(value) < min_len:
            self[field] = f"{label} is required." if min_len <= 1 else f"{label} needs at least {min_len} characters."
        elif len(value) > max_len:
            self[field] = f"{label} may have at most {max_len} characters."
        return value

    def email(self, data: dict, field: str = "email", label: str = "E-mail address") -> str:
        value = (data.get(field) or "").strip()
        if not value:
            self[field] = f"{label} is required."
            return value
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            self[field] = f"{label} is not a valid e-mail address."
            return value

    def choice(self, data: dict, field: str, label: str, allowed: set[int]) -> int:
        raw = data.get(field)
        try:
            value = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self[field] = f"Please choose a {label.lower()}."
            return 0
        if value not in allowed:
            self[field] = f"Please choose a valid {label.lower()}."
        return value
