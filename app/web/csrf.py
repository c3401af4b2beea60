"""CSRF: Litestar's double-submit check on every browser write, with three changes.

- A token that is not ASCII is a mismatch (403). Litestar hands it to `hmac.compare_digest`,
  which raises on non-ASCII text: a 500 that any visitor could cause with one request.
- Under https the cookie is `__Host-csrftoken`: Secure, path /, no Domain, so a sibling
  subdomain cannot plant one.
- Login drops the cookie (`rotate_at_login`), so a token planted before login is useless after.

The APIs authenticate with tokens, not cookies: their router prefixes are exempt, anchored at the
start of the path so that no page whose path merely contains "/api/" slips through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware


class CSRFGuard(CSRFMiddleware):
    def _decode_csrf_token(self, token: str) -> str | None:
        if not token.isascii():
            return None
        return super()._decode_csrf_token(token)


def cookie_name(https: bool) -> str:
    return "__Host-csrftoken" if https else "csrftoken"


def exempt_paths(api_prefixes: Iterable[str]) -> list[str]:
    return [f"^{re.escape(prefix)}" for prefix in api_prefixes] + ["^/healthz$"]


def csrf_middleware(secret: str, https: bool, api_prefixes: Iterable[str]) -> DefineMiddleware:
    config = CSRFConfig(secret=secret, cookie_name=cookie_name(https), cookie_httponly=False, cookie_samesite="lax",
                        cookie_secure=https, cookie_path="/", exclude=exempt_paths(api_prefixes))
    return DefineMiddleware(CSRFGuard, config=config)


def rotate_at_login(https: bool) -> Cookie:
    """A cookie that removes the CSRF cookie; the next page issues a new one."""
    return Cookie(key=cookie_name(https), value="", max_age=0, expires=0, path="/", secure=https, samesite="lax")
