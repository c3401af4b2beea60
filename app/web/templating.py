"""Pages render with the shared Jinja environment (app/templating.py); Litestar adds `csrf_input`
and `csrf_token` to it, and `url_for` builds paths from route names (app/links.py: the same
paths Litestar would build, without working each one out again)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from app.templating import build_environment


def template_config(url_for: Callable[..., str]) -> TemplateConfig:
    engine = JinjaTemplateEngine.from_environment(build_environment())
    engine.engine.globals["url_for"] = url_for  # instead of Litestar's, which needs the request

    @functools.cache
    def static_url(file_path: str) -> str:
        """`{{ "css/app.css" | static_url }}`: the static route's path, worked out once per file."""
        return url_for("static", file_path=file_path)

    engine.engine.filters["static_url"] = static_url
    return TemplateConfig(instance=engine)
