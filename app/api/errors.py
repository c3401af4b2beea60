"""The error shapes of the two APIs (their routes arrive with the APIs issue).

The HelpRealm API answers `{"code": <status>, ...}` as its manual documents; the REST API
`{"error": {"code": "<stable word>", "message": ..., "fields": {...}}}`.
"""

from __future__ import annotations

from litestar import MediaType, Request, Response

ERROR_WORDS = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "too_large", 422: "invalid", 429: "rate_limited", 500: "server_error",
}


def _retry(extra: dict) -> dict:
    return {"Retry-After": str(int(extra["retry_after"]) + 1)} if "retry_after" in extra else {}


def helprealm_api_shape(request: Request, status: int, message: str, extra: dict) -> Response:
    body = {"code": status, "error": message}
    if isinstance(request.path_params.get("workspace"), str):  # the manual: every answer names its workspace
        body["workspace"] = request.path_params["workspace"][:64]
    if "errors" in extra:
        body["invalid_fields"] = [{"name": name, "value": None} for name in extra["errors"]]
    return Response(body, status_code=status, headers=_retry(extra), media_type=MediaType.JSON)


def rest_api_shape(request: Request, status: int, message: str, extra: dict) -> Response:
    error = {"code": ERROR_WORDS.get(status, "error"), "message": message}
    if "errors" in extra:
        error["fields"] = extra["errors"]
    return Response({"error": error}, status_code=status, headers=_retry(extra), media_type=MediaType.JSON)
