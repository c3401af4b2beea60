"""Dates, times and numbers the way the reader's language writes them, in the reader's time zone.

The words and patterns come from Babel's CLDR data, so "vor 3 Minuten", "před 2 dny" and
"3分钟前" need no msgids of ours. The time zone, like the language (app/i18n.py), belongs to the
request or task being served: a context variable, set where the language is set (the guards of
app/web/locale.py; `use_time_zone` around a mail), never process-wide state.

Every list row shows a time, so the Babel calls are remembered: a relative time per (language,
unit, count), a date per (language, day), a clock time per (language, hour, minute). A row then
costs a time-zone conversion and a few dictionary lookups, not a pattern formatting (~15 µs).
Exports do not come through here: CSV and XLSX keep ISO dates (app/exports/).
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal, format_percent

from app import clock
from app.i18n import DEFAULT_LOCALE, LANGUAGES, current_locale, gettext, use_locale

DEFAULT_TIME_ZONE = "UTC"

_current_zone: ContextVar[str] = ContextVar("helprealm_time_zone", default=DEFAULT_TIME_ZONE)


def current_time_zone() -> tzinfo:
    return zone(_current_zone.get())


@functools.lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    """The zone called `name`; UTC for an empty or unknown name (a zone removed from tzdata after it
    was saved must not break a page)."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


@functools.cache
def time_zones() -> tuple[str, ...]:
    """Every IANA zone name this Python knows, sorted (the selects of the settings and the profile)."""
    return tuple(sorted(zoneinfo.available_timezones() | {"UTC"}))


@functools.cache
def time_zone_choices() -> tuple[tuple[str, str], ...]:
    return tuple((name, name.replace("_", " ")) for name in time_zones())


def valid_time_zone(name: str) -> bool:
    return name in time_zones()


def set_time_zone(name: str) -> None:
    """For the rest of this request or task (app/web/locale.py resets it when the request ends)."""
    _current_zone.set(name or DEFAULT_TIME_ZONE)


@contextmanager
def use_time_zone(name: str) -> Iterator[None]:
    token = _current_zone.set(name or DEFAULT_TIME_ZONE)
    try:
        yield
    finally:
        _current_zone.reset(token)


class Reader(NamedTuple):
    """Whom a mail is for, as far as words and times go: their language and time zone."""

    lang: str
    time_zone: str


def workspace_reader(workspace: dict) -> Reader:
    """Customers read the workspace's language, in its time zone."""
    return Reader(workspace.get("lang") or DEFAULT_LOCALE, workspace.get("time_zone") or DEFAULT_TIME_ZONE)


def agent_reader(agent: dict, workspace: dict) -> Reader:
    """An agent reads their profile's language and time zone, else the workspace's."""
    fallback = workspace_reader(workspace)
    return Reader(agent.get("lang") or fallback.lang, agent.get("time_zone") or fallback.time_zone)


@contextmanager
def reading(reader: Reader) -> Iterator[None]:
    """Translate and format for `reader` inside the block (a mail rendered for its recipient in the
    middle of somebody else's request), then go back to what was there."""
    lang = reader.lang if reader.lang in LANGUAGES else DEFAULT_LOCALE  # a stored code we no longer have
    with use_locale(lang), use_time_zone(reader.time_zone):
        yield


def local(value: datetime) -> datetime:
    """`value` (stored in UTC; a naive one is taken as UTC) in the reader's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(current_time_zone())


# -- relative times -----------------------------------------------------------------------------

# Year, month (Babel's 30 days), week, day, hour, in seconds.
_UNITS = (31536000, 2592000, 604800, 86400, 3600)


def timeago(value: datetime | None, now: datetime | None = None) -> str:
    """"3 minutes ago" in the reader's language, "in 5 minutes" for a time to come (a webhook's
    next try); "just now" within 45 seconds either way."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elapsed = int(((now or clock.now()) - value).total_seconds())
    seconds, future = abs(elapsed), elapsed < 0
    if seconds < 45:
        return gettext("just now")
    for size in _UNITS:
        if seconds >= size:
            return _ago(current_locale(), size, round(seconds / size), future)
    return _ago(current_locale(), 60, max(1, seconds // 60), future)


@functools.lru_cache(maxsize=4096)
def _ago(code: str, unit_seconds: int, count: int, future: bool = False) -> str:
    # An exact multiple of the unit with threshold 1 makes Babel name that unit and count (its
    # own threshold would round 50 minutes up to "1 hour"). Babel says "in ..." for a positive delta.
    delta = unit_seconds * count
    return format_timedelta(timedelta(seconds=delta if future else -delta), threshold=1, add_direction=True,
                            locale=code)


# -- dates and times ------------------------------------------------------------------------------


def exact(value: datetime | None) -> str:
    """Date and time to the minute, as the reader's language writes them ("24.11.2026, 11:08")."""
    if value is None:
        return ""
    moment = local(value)
    code = current_locale()
    return _glue(code).format(_clock(code, moment.hour, moment.minute), _day(code, moment.date()))


def day(value: date | datetime | str | None) -> str:
    """A date alone ("24. 11. 2026"). A datetime is first moved into the reader's time zone; a
    string is taken as an ISO date (its first ten characters: SQLite rows and event data hold
    dates so), and shown as it is when it is none."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = local(value).date()
    return _day(current_locale(), value)


@functools.lru_cache(maxsize=4096)
def _day(code: str, value: date) -> str:
    return format_date(value, "medium", locale=code)


@functools.lru_cache(maxsize=32 * 1440)
def _clock(code: str, hour: int, minute: int) -> str:
    return format_time(time(hour, minute), "short", locale=code)


@functools.lru_cache(maxsize=64)
def _glue(code: str) -> str:
    # CLDR's "{1}, {0}" (date, then time), with its quoting removed; str.format takes it as it is.
    return str(Locale.parse(code).datetime_formats["medium"]).replace("'", "")


# -- numbers --------------------------------------------------------------------------------------


def number(value: int | float | None) -> str:
    """A count with the language's grouping ("12 345", "12.345", "12,345")."""
    if value is None:
        return ""
    if isinstance(value, int) and -1000 < value < 1000:
        return str(value)  # no grouping, and all fifteen languages write Latin digits
    return format_decimal(value, locale=current_locale())


def percent(value: int | float) -> str:
    """A share given in percent (45 -> "45%", "45 %", "45 %")."""
    return _percent(current_locale(), round(value))


@functools.lru_cache(maxsize=2048)
def _percent(code: str, value: int) -> str:
    return format_percent(value / 100, locale=code)
