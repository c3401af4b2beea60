"""Typed dependency providers for objects the app makes once (settings, links, storage, ...).

Handlers name what they need (`services: Injected[Services]`, app/services.py) instead of reaching
into `request.app.state`; `create_app()` lists every provider in one place.
"""

from __future__ import annotations

from typing import Any

from litestar.di import Provide
from litestar.params import SkipValidation


def constant(value: Any) -> Provide:
    """A dependency that is always the same object."""

    def provide() -> Any:
        return value

    provide.__annotations__["return"] = type(value)
    return Provide(provide, use_cache=True, sync_to_thread=False)


# `services: Injected[Services]`: an object the app made, handed over as it is (not validated per request).
Injected = SkipValidation
