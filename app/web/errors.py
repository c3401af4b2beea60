"""Domain and HTTP errors mapped to responses in one place.

Browsers get an error page (or, for HTMX, a small error fragment and an `HX-Retarget` to the
page's flash area); API paths get JSON with `code` equal to the HTTP status.
"""

from __future__ import annotations

import logging

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.errors import DomainError, NotAuthenticated, RateLimited, ValidationFailed
from app.web.render import is_htmx

log = logging.getLogger("helprealm.web")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, status: int, message: str, extra: dict | None = None) -> Response:
    headers = {}
    if isinstance(extra, dict) and "retry_after" in extra:
        headers["Retry-After"] = str(int(extra["retry_after"]) + 1)
    if _is_api(request):
        return Response({"code": status, "error": message, **(extra or {})}, status_code=status, headers=headers, media_type=MediaType.JSON)
    if is_htmx(request):
        headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
        return Template("_error.html", context={"message": message, "status": status}, status_code=status, headers=headers)
    return Template("error.html", context={"message": message, "status": status}, status_code=status, headers=headers)


def domain_error_handler(request: Request, exc: DomainError) -> Response:
    if isinstance(exc, NotAuthenticated) and not _is_api(request):
        target = "/login"
        if is_htmx(request):
            return Response(None, status_code=200, headers={"HX-Redirect": target})
        return Redirect(target, status_code=303)
    extra: dict = {}
    if isinstance(exc, ValidationFailed):
        extra["errors"] = exc.errors
    if isinstance(exc, RateLimited):
        extra["retry_after"] = exc.retry_after
    return _error_response(request, exc.status_code, exc.message, extra)


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if status >= 500:
        log.exception("server error on %s %s", request.method, request.url.path, exc_info=exc)
    message = {
        403: "Forbidden: the request was refused (is the form older than your session? reload and try again).",
        404: "Not found.",
        405: "This method is not allowed here.",
        413: "The upload is too large.",
        429: "Too many requests. Please wait a moment and try again.",
    }.get(status, exc.detail if status < 500 else "Something went wrong on our side.")
    if isinstance(exc, (NotAuthorizedException, PermissionDeniedException)) and status == 403 and "CSRF" in str(exc.detail):
        message = "Your form has expired or the security token is missing. Reload the page and try again."
    return _error_response(request, status, message)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_response(request, HTTP_500_INTERNAL_SERVER_ERROR, "Something went wrong on our side.")


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
