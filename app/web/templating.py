"""Pages render with the shared Jinja environment (app/templating.py); Litestar adds `url_for`,
`url_for_static_asset`, `csrf_input` and `csrf_token` to it."""

from __future__ import annotations

from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from app.templating import build_environment


def template_config() -> TemplateConfig:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(build_environment()))
