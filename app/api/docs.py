"""The API's documentation: the OpenAPI document at /schema/openapi.json and one browsable page at
/schema, plus what every API module uses to document itself (the error shapes, the security
schemes, the tags).

The page is RapiDoc, vendored under static/vendor/rapidoc/ (see static/vendor/README): Litestar's
own pages load their scripts from a CDN, which an installation without internet and our
Content-Security-Policy both refuse. RapiDoc is configured by attributes of its element alone, so
the page carries no script of its own (the CSP forbids inline scripts).

Litestar names its schema routes itself (the JSON one with a random name that changes at every
start); `DocsPage.receive_router` gives them stable names, so tests/test_routes.py decides who may
reach them like any other route, and links to them can be reversed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Annotated, Any

import msgspec
from litestar import Request, Router
from litestar.datastructures import ResponseHeader
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, OpenAPIRenderPlugin
from litestar.openapi.spec import Components, Operation, RequestBody, SecurityScheme, Tag

from app import __version__
from app.i18n import _

# -- the error shapes (app/api/errors.py), for `responses=` -------------------------------------


class InvalidField(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(description="The field that was refused.")]
    value: Annotated[str | None, msgspec.Meta(description="The value sent (null where it is not repeated).")]


class HelpRealmError(msgspec.Struct):
    """An error of the HelpRealm API (/api/{workspace}/...): `code` is the HTTP status."""

    code: Annotated[int, msgspec.Meta(description="The HTTP status, repeated.", ge=400, le=599)]
    error: Annotated[str, msgspec.Meta(description="What went wrong, in the workspace's language.")]
    invalid_fields: Annotated[list[InvalidField] | None, msgspec.Meta(
        description="Every refused field (only with invalid input).")] = None


class RestErrorDetail(msgspec.Struct):
    code: Annotated[str, msgspec.Meta(description="A stable word for programs: bad_request, unauthorized, "
                                                  "forbidden, not_found, conflict, too_large, invalid, rate_limited.")]
    message: Annotated[str, msgspec.Meta(description="What went wrong, for people.")]
    fields: Annotated[dict[str, str] | None, msgspec.Meta(
        description="The refused fields and why (only with invalid input).")] = None


class RestError(msgspec.Struct):
    """An error of the REST API (/api/v1/..., /public/api/...)."""

    error: RestErrorDetail


# What each status means to a caller; a module may pass its own, more precise text.
STATUS_TEXT = {
    400: "The request is malformed: a body that is not what this operation takes, a parameter out of range.",
    401: "No credential, or a wrong one.",
    403: "The credential is valid but may not do this.",
    404: "No such workspace, or no such item visible to this credential.",
    405: "This path does not take this method.",
    409: "The request conflicts with the item's current state.",
    413: "The body is larger than this operation takes.",
    422: "A field's value is refused (see `fields`).",
    429: "Too many requests: wait for the seconds in the Retry-After header.",
}


def _responses(shape: type, statuses: Mapping[int, str] | tuple[int, ...]) -> dict[int, ResponseSpec]:
    texts = statuses if isinstance(statuses, Mapping) else {status: STATUS_TEXT[status] for status in statuses}
    return {status: ResponseSpec(data_container=shape, description=text, generate_examples=False)
            for status, text in texts.items()}


def helprealm_errors(statuses: Mapping[int, str] | tuple[int, ...]) -> dict[int, ResponseSpec]:
    """`responses=` for a route of the /api router: `helprealm_errors((401, 404))`, or a mapping
    status -> description."""
    return _responses(HelpRealmError, statuses)


def rest_errors(statuses: Mapping[int, str] | tuple[int, ...]) -> dict[int, ResponseSpec]:
    """`responses=` for a route of the REST API (/api/v1, the HelpDeskPro paths)."""
    return _responses(RestError, statuses)


def with_body(body: RequestBody) -> type[Operation]:
    """An `operation_class=` documenting a body the handler reads itself (raw bytes, or JSON it
    checks against the contract's own error answer), which Litestar cannot see."""

    @dataclass
    class _WithBody(Operation):
        def __post_init__(self) -> None:
            self.request_body = body

    return _WithBody


# -- who may call, and the groups of operations ---------------------------------------------------

REST_KEY = "restKey"
MAIL_TOKEN = "mailToken"

SECURITY = {
    REST_KEY: SecurityScheme(type="http", scheme="bearer", description=(
        "A per-agent REST API key (`hrk_...`): an agent makes one on their profile (Profile > API keys), a "
        "superadmin for any agent at Administration > API keys, or the command line `helprealm api-key "
        "--email AGENT`. Send it as `Authorization: Bearer <key>`; the key acts as its agent.")),
    MAIL_TOKEN: SecurityScheme(type="http", scheme="bearer", description=(
        "The workspace's mail gateway token (Administration > E-Mail service > Mail gateway, or `helprealm "
        "mail-token --workspace KEY`), as `Authorization: Bearer <token>`. Not the API token: switching the "
        "HelpRealm API off does not stop mail.")),
}

TAGS = [
    Tag(name="HelpRealm API", description=(
        "The workspace API of HelpRealm's manual (`/api/{workspace}/...`): form-encoded or multipart bodies with "
        "the field `apitoken` (Administration > API access); every answer is JSON with `code` equal to the HTTP "
        "status.")),
    Tag(name="REST v1", description=(
        "The REST API for agents' programs (`/api/v1/...`): JSON bodies, `Authorization: Bearer <API key>`; "
        "errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`.")),
    Tag(name="HelpDeskPro", description=(
        "HelpDeskPro's API paths (`/public/api/index.php/...`) with its parameter names, so its curl examples "
        "work unchanged; the same behaviour as REST v1.")),
    Tag(name="Mail", description=(
        "Mail in and out through the team's own mail server: the pipe (`helprealm mailgate`) and the Trivial "
        "Tickets mail gateway. Authenticated by the mail gateway token.")),
    Tag(name="Widget", description="The embeddable ticket form that a customer's web site includes."),
]

DESCRIPTION = (
    "Programs talk to HelpRealm through these APIs. Each acts with exactly the rights of its credential: a "
    "REST API key those of its agent (same workspace, same visibility), the workspace API token those of a "
    "customer of that workspace. Rate limits answer 429 with a `Retry-After` header."
)


# -- the page -----------------------------------------------------------------------------------

DOCS_NAME, JSON_NAME, MISSING_NAME = "schema.docs", "schema.json", "schema.missing"
RAPIDOC = "vendor/rapidoc/rapidoc-min.js"


class DocsPage(OpenAPIRenderPlugin):
    """/schema: RapiDoc reading /schema/openapi.json, from our own static files only."""

    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        app = request.app
        title = escape(openapi_schema["info"]["title"])
        script = escape(app.route_reverse("static", file_path=RAPIDOC))
        spec = escape(app.route_reverse(JSON_NAME))
        no_js = escape(_("This page needs JavaScript. The API's description is also at %(url)s.", url=spec))
        # Attributes only: RapiDoc reads its whole configuration from its element. The fonts are
        # the system's: without load-fonts="false" RapiDoc fetches web fonts from a CDN.
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<script type="module" src="{script}"></script>
</head>
<body>
<noscript><p>{no_js}</p></noscript>
<rapi-doc spec-url="{spec}" render-style="view" layout="column" theme="light" show-header="false"
  allow-server-selection="false" allow-spec-url-load="false" allow-spec-file-load="false"
  schema-style="table" default-schema-tab="schema" schema-description-expanded="true"
  primary-color="#2f6fdf" regular-font="system-ui, sans-serif" mono-font="ui-monospace, monospace"
  show-method-in-nav-bar="as-colored-text" load-fonts="false"></rapi-doc>
</body>
</html>
""".encode()

    def receive_router(self, router: Router) -> None:
        """Stable names for the schema routes (Litestar leaves the page and the 404 unnamed and
        names the JSON one at random). Runs before the app registers the router."""
        for route in router.routes:
            for handler in route.route_handlers:
                if "GET" not in handler.http_methods:  # the automatic OPTIONS handler
                    continue
                if "/{path:str}" in route.path:
                    handler.name = MISSING_NAME
                elif route.path.endswith("/openapi.json"):
                    handler.name = JSON_NAME
                else:
                    handler.name = DOCS_NAME


def openapi_config(headers: list[ResponseHeader]) -> OpenAPIConfig:
    """`headers`: the docs page's security headers (app/web/security.py, audience "docs")."""
    return OpenAPIConfig(
        title="HelpRealm API", version=__version__, description=DESCRIPTION, path="/schema",
        components=Components(security_schemes=dict(SECURITY)), tags=TAGS,
        render_plugins=[DocsPage(), JsonRenderPlugin()],
        openapi_router=Router("/schema", route_handlers=[], include_in_schema=False, response_headers=headers),
    )
