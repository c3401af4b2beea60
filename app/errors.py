"""Domain errors. Services raise these; `app/web/errors.py` maps them to HTTP in one place."""

from __future__ import annotations

from app.i18n import _


class DomainError(Exception):
    """Base class. `message` is shown to the user: pass it translated (`_()`)."""

    status_code = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message or _("The request could not be carried out.")


class BadRequest(DomainError):
    """The request is malformed (a field sent twice, a number out of range)."""

    status_code = 400


class NotFound(DomainError):
    """Not found."""

    status_code = 404


class Forbidden(DomainError):
    """You are not allowed to do this."""

    status_code = 403


class NotAuthenticated(DomainError):
    """Please log in."""

    status_code = 401


class ValidationFailed(DomainError):
    """Some fields are invalid. `errors` maps a field name to its message."""

    status_code = 422

    def __init__(self, errors: dict[str, str], message: str = "") -> None:
        super().__init__(message or _("Please correct the marked fields."))
        self.errors = errors


class Conflict(DomainError):
    """This cannot be done in the current state."""

    status_code = 409


class RateLimited(DomainError):
    """Too many requests; `retry_after` is in seconds."""

    status_code = 429

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Stale(Conflict):
    """What the user acted on has changed since they saw it (an optimistic check failed).
    `entries` are what is new, for the page to show before the user decides again."""

    def __init__(self, message: str, entries: list[dict]) -> None:
        super().__init__(message)
        self.entries = entries
