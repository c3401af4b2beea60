"""Reading a REST body (JSON, form-encoded or multipart) into one dict, and the API's field values.

The HelpDeskPro manual's curl examples send the same operation as multipart (`-F`), as JSON
(`-d '{...}'`) and in the query string, so every handler reads its body here rather than through
a typed Litestar `data` parameter: one typed model would answer Litestar's own 400 for the other
encodings. The models in models.py document the fields for OpenAPI; the checks are these
functions, which name every refused field (422) and never let a value of the wrong JSON type
through (a number where text is expected, a list where a number is).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile

from app.errors import BadRequest
from app.i18n import _
from app.tickets.status import Status
from app.validation import MAX_DIGITS, has_control_characters, parse_int

PRIORITY_NAMES = {"low": 1, "medium": 2, "high": 3}
PRIORITY_WORDS = {code: name for name, code in PRIORITY_NAMES.items()}
STATUS_NAMES = {status.slug: status for status in Status}
MAX_ID = 10**MAX_DIGITS - 1


async def read_body(request: Request) -> dict[str, Any]:
    """The body as a dict: a JSON object, or a form's fields (a field sent twice becomes a list,
    which the text readers refuse; files are UploadFile). An empty body is {}."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form()
        return {key: (values[0] if len(values) == 1 else values) for key, values in form.dict().items()}
    raw = await request.body()
    if not raw.strip():
        return {}
    if kind not in ("", "application/json") and not kind.endswith("+json"):
        raise BadRequest(_("Send the body as JSON, form-encoded or multipart."))
    try:
        data = msgspec.json.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError, ValueError):  # nested 100,000 deep too
        raise BadRequest(_("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise BadRequest(_("The body must be a JSON object."))
    return data


class Fields(dict):
    """field name -> message of what was refused; the caller raises ValidationFailed(self)."""

    def text(self, data: dict, field: str) -> str | None:
        """A text value (JSON numbers are taken as their digits), None when absent or null."""
        value = data.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self[field] = _("Expected text.")
            return None
        text = str(value)
        if has_control_characters(text):  # NUL, ESC, ...: refused as on every other channel
            self[field] = _("%(label)s contains control characters.", label=_("Text"))
            return None
        return text

    def number(self, data: dict, field: str) -> int | None:
        """A positive id (a JSON number or digits), None when absent, null or empty."""
        value = data.get(field)
        if value is None or value == "":
            return None
        number = parse_int(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        if not number:
            self[field] = _("Expected a positive whole number.")
            return None
        return number

    def priority(self, data: dict, field: str) -> int | None:
        value = data.get(field)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().lower() in PRIORITY_NAMES:
            return PRIORITY_NAMES[value.strip().lower()]
        code = parse_int(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        if code not in PRIORITY_WORDS:
            self[field] = _("Expected low, medium or high (or 1-3).")
            return None
        return code

    def status(self, data: dict, field: str) -> Status | None:
        value = data.get(field)
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().lower() in STATUS_NAMES:
            return STATUS_NAMES[value.strip().lower()]
        code = parse_int(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
        if code is None or code not in Status._value2member_map_:
            self[field] = _("Unknown status.")
            return None
        return Status(code)

    def deadline(self, data: dict, field: str) -> date | None:
        """A YYYY-MM-DD day, None for null or empty (no deadline)."""
        value = self.text(data, field)
        if not value or not value.strip():
            return None
        try:
            day = date.fromisoformat(value.strip()) if len(value.strip()) == 10 else None
        except ValueError:
            day = None
        if day is None or not 2000 <= day.year <= 2999:
            self[field] = _("Please enter a date (YYYY-MM-DD).")
            return None
        return day

    def tags(self, data: dict, field: str) -> str | None:
        """Tags as a JSON list of texts or comma-separated text, joined for inputs.parse_tags."""
        value = data.get(field)
        if value is None:
            return None
        if isinstance(value, list) and len(value) <= 100 and all(
                isinstance(tag, str) and "," not in tag for tag in value):
            return ",".join(value)  # parse_tags refuses more than MAX_TAGS with its own message
        if isinstance(value, str):
            return value
        self[field] = _("Expected a list of tags or comma-separated text.")
        return None

    def flag(self, data: dict, field: str) -> bool:
        """A yes/no value; anything else is refused, never read as "no": `internal` decides whether
        a text is mailed to the customer, so a typo must not turn a note into a reply."""
        value = data.get(field)
        if value is None or isinstance(value, bool):
            return bool(value)
        word = value.strip().lower() if isinstance(value, str) else value
        if word in ("1", "true", "yes", "on", 1):
            return True
        if word in ("", "0", "false", "no", "off", 0):
            return False
        self[field] = _("Expected true or false.")
        return True

    @staticmethod
    def upload(data: dict, field: str) -> UploadFile | None:
        value = data.get(field)
        return value if isinstance(value, UploadFile) and value.filename else None
