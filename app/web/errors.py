"""Domain and HTTP errors mapped to responses in one place, one shape per audience.

Pages (portal, accounts, agent, admin) answer with an error page, or for HTMX a small fragment
retargeted to the page's `#flash`; an unauthenticated agent is sent to the login page. The API
routers pass their own JSON shape to `json_handlers()`. Errors raised before routing (an unknown
path, a wrong method) reach the app-level handlers, which pick the shape by path prefix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.errors import DomainError, NotAuthenticated, RateLimited, ValidationFailed
from app.i18n import _
from app.web.locale import serve_in, visitor_language
from app.web.render import is_htmx

log = logging.getLogger("helprealm.web")

# (request, status, message, extra) -> Response
Shape = Callable[[Request, int, str, dict], Response]


def _retry_headers(extra: dict) -> dict:
    return {"Retry-After": str(int(extra["retry_after"]) + 1)} if "retry_after" in extra else {}


def page_shape(request: Request, status: int, message: str, extra: dict) -> Response:
    headers = _retry_headers(extra)
    context = {"message": message, "status": status}
    if is_htmx(request):
        headers.update({"HX-Retarget": "#flash", "HX-Reswap": "outerHTML"})  # layouts/_flash.html is #flash itself
        return Template("layouts/_flash.html", context={**context, "kind": "error"}, status_code=status,
                        headers=headers)
    return Template("error.html", context=context, status_code=status, headers=headers)


def plain_json_shape(request: Request, status: int, message: str, extra: dict) -> Response:
    """Until an API router brings its own: `{"code": status, "error": message, ...}`."""
    return Response({"code": status, "error": message, **extra}, status_code=status,
                    headers=_retry_headers(extra), media_type=MediaType.JSON)


def _http_message(exc: HTTPException) -> str:
    status = exc.status_code
    if status == 403 and isinstance(exc, (NotAuthorizedException, PermissionDeniedException)) and "CSRF" in str(
        exc.detail
    ):
        return _("Your form has expired or the security token is missing. Reload the page and try again.")
    messages = {
        400: _("The request was not understood."),
        403: _("Forbidden: the request was refused."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many requests. Please wait a moment and try again."),
    }
    return messages.get(status, _("Something went wrong on our side.") if status >= 500 else _("The request failed."))


def _handlers(shape: Shape, *, redirect_to_login: bool) -> dict:
    def domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotAuthenticated) and redirect_to_login:
            target = request.app.route_reverse("accounts.login")
            if is_htmx(request):
                return Response(None, status_code=200, headers={"HX-Redirect": target})
            return Redirect(target, status_code=303)
        extra: dict = {}
        if isinstance(exc, ValidationFailed):
            extra["errors"] = exc.errors
        if isinstance(exc, RateLimited):
            extra["retry_after"] = exc.retry_after
        return shape(request, exc.status_code, exc.message, extra)

    def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code >= 500:
            log.error("server error on %s %s", request.method, request.url.path, exc_info=exc)
        extra = {"details": exc.extra} if exc.status_code == 400 and isinstance(exc.extra, list) else {}
        return shape(request, exc.status_code, _http_message(exc), extra)

    def internal_error(request: Request, exc: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return shape(request, HTTP_500_INTERNAL_SERVER_ERROR, _("Something went wrong on our side."), {})

    return {DomainError: domain_error, HTTPException: http_error, Exception: internal_error}


def page_handlers() -> dict:
    return _handlers(page_shape, redirect_to_login=True)


def json_handlers(shape: Shape = plain_json_shape) -> dict:
    return _handlers(shape, redirect_to_login=False)


def static_file_errors() -> dict:
    """The static files router: a path no file can have (a NUL byte makes the file system raise
    ValueError) is simply not found."""
    pages = page_handlers()

    def not_found(request: Request, exc: Exception) -> Response:
        return page_shape(request, 404, _("Not found."), {})

    return {**pages, ValueError: not_found}


def app_handlers(api_prefixes: tuple[str, ...], shapes: dict[str, Shape] | None = None) -> dict:
    """For errors outside any router (unknown path, wrong method): JSON under the API prefixes,
    in the shape of the first of `shapes` (path prefix -> shape) the path starts with."""
    pages, apis = page_handlers(), json_handlers()
    shaped = {prefix: json_handlers(shape) for prefix, shape in (shapes or {}).items()}

    def pick(kind: type) -> Callable[[Request, Exception], Response]:
        def handler(request: Request, exc: Exception) -> Response:
            serve_in(visitor_language(request))  # no route, so no middleware or guard chose one
            path = request.url.path
            chosen = next((h for prefix, h in shaped.items() if path.startswith(prefix)), None)
            chosen = chosen or (apis if path.startswith(api_prefixes) else pages)
            return chosen[kind](request, exc)

        return handler

    return {kind: pick(kind) for kind in pages}
