"""/schema: the OpenAPI document documents every API route of the app (routes added later are
walked too) and no page; every operation has its summary, its tags and its error answers in our
shapes; the docs page loads only our own static files under its own CSP."""

from __future__ import annotations

import pytest

from app import __version__
from app.api import docs
from app.web.security import policy
from tests.helpers import soup

API_PREFIXES = ("/api/", "/public/api/")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _api_operations(app) -> dict[tuple[str, str], object]:
    """(METHOD, OpenAPI path) -> handler, for every route of the app under an API prefix."""
    found = {}
    for route in app.routes:
        if not route.path.startswith(API_PREFIXES):
            continue
        for handler in route.route_handlers:
            for method in getattr(handler, "http_methods", ()):
                if method in METHODS:
                    found[(method, route.path_format)] = handler
    return found


@pytest.fixture
async def schema(client) -> dict:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200 and "json" in response.headers["content-type"]
    return response.json()


async def test_every_api_route_is_documented_and_no_page_is(app, schema):
    operations = _api_operations(app)
    assert ("POST", "/api/{workspace}/mail/inbound") in operations  # the walk finds the routes
    documented = {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
    assert set(operations) - documented == set(), "API routes missing from /schema"
    assert all(path.startswith(API_PREFIXES) for _method, path in documented), "a page is in /schema"


async def test_every_operation_is_described_with_its_errors(app, schema):
    declared_tags = {tag["name"] for tag in schema["tags"]}
    handlers = _api_operations(app)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            handler = handlers[(method.upper(), path)]
            assert handler.summary and handler.description, f"{where}: summary= and description="
            assert operation["summary"] == handler.summary and operation["description"]
            assert operation.get("tags") and set(operation["tags"]) <= declared_tags, where
            errors = {status: answer for status, answer in operation["responses"].items() if status >= "400"}
            assert errors, f"{where}: no error answer documented"
            for status, answer in errors.items():
                schema_ref = answer["content"]["application/json"]["schema"]
                # Litestar documents its own 400 shape ({status_code, detail}) unless the route
                # lists 400 itself: our JSON handlers answer in the API's shape instead.
                assert "$ref" in schema_ref and "status_code" not in str(schema_ref), f"{where} {status}"
                assert answer["description"] and not answer["description"].startswith("Additional"), where


async def test_the_document_says_who_may_call_and_how(schema):
    info = schema["info"]
    assert info["title"] == "HelpRealm API" and info["version"] == __version__ and info["description"]
    schemes = schema["components"]["securitySchemes"]
    assert {name: (s["type"], s["scheme"]) for name, s in schemes.items()} == {
        docs.REST_KEY: ("http", "bearer"), docs.MAIL_TOKEN: ("http", "bearer")}
    assert [tag["name"] for tag in schema["tags"]] == ["HelpRealm API", "REST v1", "HelpDeskPro", "Mail", "Widget"]
    assert all(tag["description"] for tag in schema["tags"])
    inbound = schema["paths"]["/api/{workspace}/mail/inbound"]["post"]
    assert inbound["security"] == [{docs.MAIL_TOKEN: []}] and "message/rfc822" in inbound["requestBody"]["content"]
    assert sorted(inbound["responses"]) == ["200", "400", "401", "404", "405", "413"]
    receive = schema["paths"]["/api/{workspace}/mail/receive"]["post"]["requestBody"]["content"]["application/json"]
    assert receive["schema"]["required"] == ["from", "subject", "message"]


async def test_the_docs_page_loads_only_our_static_files_under_its_own_policy(client):
    response = await client.get("/schema")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == policy("docs")
    assert "script-src 'self';" in policy("docs") and "unsafe-eval" not in policy("docs")
    page = soup(response.text)
    scripts = page.select("script")
    assert scripts and all(s.get("src", "").startswith("/static/") and not s.get_text(strip=True) for s in scripts)
    assert not page.select("[style], style, link[href^=http]") and "http" not in response.text
    assert page.select_one("rapi-doc")["spec-url"] == "/schema/openapi.json"
    for script in scripts:
        served = await client.get(script["src"])
        assert served.status_code == 200 and "javascript" in served.headers["content-type"], script["src"]
    missing = await client.get("/schema/swagger")  # Litestar's other UIs are not served
    assert missing.status_code == 404
