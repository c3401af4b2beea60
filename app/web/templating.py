"""The Jinja environment: filters and globals every template may use."""

from __future__ import annotations

from datetime import datetime, timezone

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar.plugins.jinja import JinjaTemplateEngine as Engine
from litestar.template.config import TemplateConfig

from app.tickets.status import PRIORITIES, STATUS_LABELS, Status
from app.web.paths import resource_dir


def timeago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    seconds = int(((now or datetime.now(timezone.utc)) - value).total_seconds())
    if seconds < 45:
        return "just now"
    for unit, size in (("year", 31536000), ("month", 2592000), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size) if unit != "minute" else max(1, seconds // 60)
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def isoformat(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def status_label(code: int) -> str:
    return STATUS_LABELS[Status(code)]


def status_slug(code: int) -> str:
    return Status(code).slug


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(resource_dir("templates"))),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
    )
    env.filters.update(timeago=timeago, isoformat=isoformat, status_label=status_label, status_slug=status_slug)
    env.globals.update(PRIORITIES=PRIORITIES, STATUS_LABELS={int(k): v for k, v in STATUS_LABELS.items()})
    return env


def template_config() -> TemplateConfig:
    return TemplateConfig(instance=Engine.from_environment(build_environment()))
