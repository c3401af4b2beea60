"""The HelpRealm API's loose form: read by hand, so the manual's contract holds.

Litestar answers a body that does not fit a typed model with its own 400 before the handler
runs; the manual answers invalid post data with 500 and `invalid_fields`, a `{name, value}` for
EVERY failed field, and checks the fields before the workspace. So every field is an optional
string here: a missing field, a field sent twice, a JSON body (no form fields at all) or a
malformed body all come out as invalid fields, never as Litestar's 400.

Each endpoint's fields are declared once (`Field`), for the checks and for the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions import HTTPException

from app.errors import ValidationFailed
from app.i18n import _
from app.tickets.inputs import Channel, NewTicket, Reply
from app.validation import MAX_DIGITS, FieldErrors, parse_int

HASH_CHARS = "0123456789abcdef"
LIMIT_DEFAULT, LIMIT_MAX = 10, 100
ECHO_MAX = 4200  # a value echoed back in `invalid_fields` is cut here (a 4,097-character text still shows whole)


class InvalidFields(Exception):
    """The manual's 500: `fields` maps each failed field name to its message."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


@dataclass(frozen=True)
class Field:
    """One form field: its OpenAPI type and description, and whether it must be sent."""

    name: str
    description: str
    kind: str = "string"  # "string", "integer" or "file"
    required: bool = True
    min_length: int | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None


APITOKEN = Field("apitoken", "The workspace's API token (Settings > API Token, or `helprealm api-token`).",
                 max_length=200)
HASH = Field("hash", "The hash of a ticket of this workspace (32 hexadecimal characters).", min_length=32,
             max_length=32, pattern="^[0-9a-fA-F]{32}$")
TEXT = Field("text", "The text (line breaks allowed).", min_length=1, max_length=Channel.API.max_text)


@dataclass
class Form:
    """What arrived: single values by name (a file is an UploadFile), and the fields sent more than once."""

    values: dict[str, Any]
    repeated: dict[str, list]

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def echo(self, name: str) -> Any:
        """The value as it was sent, for `invalid_fields` (None when it was not sent)."""
        if name in self.repeated:
            return [_echo(v) for v in self.repeated[name]]
        return _echo(self.values.get(name))


def _echo(value: Any) -> Any:
    if isinstance(value, UploadFile):
        return value.filename
    return value[:ECHO_MAX] if isinstance(value, str) else value


async def read_form(request: Request) -> Form:
    """The body's fields whatever the content type; anything unreadable is an empty form."""
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return Form({}, {})  # JSON or anything else: no form fields (each required one is missing)
    try:
        items = (await request.form()).multi_items()
    except HTTPException as exc:
        if exc.status_code == 413:  # over the body limit: the router answers 413 (in this API's shape)
            raise
        return Form({}, {})
    except Exception:  # a broken multipart body is just a form without fields
        return Form({}, {})
    values: dict[str, Any] = {}
    repeated: dict[str, list] = {}
    for name, value in items:
        if name in values or name in repeated:
            repeated.setdefault(name, [values.pop(name)] if name in values else []).append(value)
        else:
            values[name] = value
    return Form(values, repeated)


def check(form: Form, fields: tuple[Field, ...], checks: Callable[[dict], FieldErrors] | None = None) -> dict:
    """The form's text fields by name, or InvalidFields naming every failed one: sent twice, a
    file where text belongs (or text where a file belongs), missing, or refused by `checks`."""
    errors = FieldErrors()
    data: dict[str, str] = {}
    for field in fields:
        if field.name in form.repeated:
            errors[field.name] = _("The field “%(name)s” was sent more than once.", name=field.name)
            continue
        value = form.values.get(field.name)
        if field.kind == "file":
            if not field.required and value in (None, ""):
                continue  # an optional file left out (a form's empty file field sends "")
            if not isinstance(value, UploadFile) or not value.filename:
                errors[field.name] = _("Please choose a file.")
            continue
        if value is not None and not isinstance(value, str):
            errors[field.name] = _("This field takes text, not a file.")
            continue
        if value is not None:
            data[field.name] = value
        if field.name == "apitoken":
            continue  # its absence is the 403 of a wrong token, after the workspace
        if field.required and not (value or "").strip():
            errors[field.name] = _("%(label)s is required.", label=field.name)
    if checks:
        for name, message in checks({k: v for k, v in data.items() if k not in errors}).items():
            errors.setdefault(name, message)
    if errors:
        order = [field.name for field in fields]
        raise InvalidFields(dict(sorted(errors.items(), key=lambda item: order.index(item[0]) if item[0] in order
                                        else len(order))))
    return data


def _number(data: dict, errors: FieldErrors, name: str, *, low: int = 0, high: int = 10**MAX_DIGITS - 1) -> None:
    if name in data and data[name].strip():
        value = parse_int(data[name])
        if value is None or not low <= value <= high:
            errors[name] = _("Please enter a whole number from %(low)d to %(high)d.", low=low, high=high)


def ticket_fields(data: dict) -> FieldErrors:
    """create: the web form's own rules (NewTicket), with the API's subject of at least 5 characters."""
    errors = FieldErrors()
    try:
        NewTicket.from_form(data, channel=Channel.API)  # prio: one of PRIORITIES (1-3); type: a number
    except ValidationFailed as exc:
        errors.update(exc.errors)
    return errors


def reference_fields(data: dict) -> FieldErrors:
    """hash, cmt_id, file_id, paginate, limit, text: the other endpoints' fields, where sent."""
    errors = FieldErrors()
    if "hash" in data and not (len(data["hash"]) == 32 and all(c in HASH_CHARS for c in data["hash"].lower())):
        errors["hash"] = _("A ticket hash is 32 hexadecimal characters.")
    for name in ("cmt_id", "file_id"):
        _number(data, errors, name, low=1)
    _number(data, errors, "paginate", low=1)
    _number(data, errors, "limit", low=1, high=LIMIT_MAX)
    if "text" in data:
        try:
            Reply.from_form(data, channel=Channel.API)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    return errors


def number(data: dict, name: str, default: int | None = None) -> int | None:
    """A field `check` accepted as a number (or `default` when it was not sent)."""
    value = parse_int(data.get(name, "")) if data.get(name, "").strip() else None
    return default if value is None else value
