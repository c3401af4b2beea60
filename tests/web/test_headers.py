"""Security headers on every answer, the page policy the pages actually keep, private pages never
cached, the CSRF exemption anchored to the API prefixes, and Secure cookies under https."""

from __future__ import annotations

import re

from litestar.testing import AsyncTestClient

from app.asgi import API_PREFIXES, create_app
from app.web.csrf import exempt_paths
from tests.helpers import HTMX, Person, csrf_from, soup
from tests.journeys import login, open_ticket, workspace_with_admin


def _policy(response) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))


def _assert_common(response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]


def _assert_no_inline_script(html: str) -> None:
    page = soup(html)
    assert all(script.get("src") for script in page.find_all("script")), "inline <script> needs 'unsafe-inline'"
    for tag in page.find_all(True):
        handlers = [name for name in tag.attrs if name.lower().startswith("on")]
        assert not handlers, f"inline event handler {handlers} on <{tag.name}>"
        assert "style" not in tag.attrs, f"inline style on <{tag.name}>"


async def test_every_kind_of_answer_carries_the_headers(person: Person):
    workspace, _ = await workspace_with_admin()
    ticket = await open_ticket(person, workspace)
    permalink = f"/{workspace['key']}/ticket/show/{ticket['hash']}"
    answers = {
        "public page": await person.client.get(f"/{workspace['key']}/"),
        "ticket page": await person.client.get(permalink),
        "login": await person.client.get("/login"),
        "404": await person.client.get("/no/such/page/here"),
        "static": await person.client.get("/static/css/app.css"),
    }
    for what, response in answers.items():
        _assert_common(response), what
    for what in ("public page", "ticket page", "login"):
        policy = _policy(answers[what])
        assert policy["default-src"] == policy["script-src"] == "'self'", what
        _assert_no_inline_script(answers[what].text)


async def test_private_pages_are_never_stored_by_caches(person: Person):
    workspace, _ = await workspace_with_admin()
    ticket = await open_ticket(person, workspace)
    permalink = f"/{workspace['key']}/ticket/show/{ticket['hash']}"
    assert "no-store" in (await person.client.get(permalink)).headers["cache-control"]
    assert "no-store" in (await person.client.get(permalink, headers=HTMX)).headers["cache-control"]
    await login(person)
    for url in ("/dashboard", "/tickets", "/tickets/1", "/admin"):
        response = await person.client.get(url)
        assert response.status_code == 200 and "no-store" in response.headers["cache-control"], url
        _assert_common(response)
        _assert_no_inline_script(response.text)


async def test_htmx_is_configured_to_keep_nothing_and_need_no_inline_style(client):
    page = soup((await client.get("/login")).text)
    config = page.find("meta", attrs={"name": "htmx-config"})["content"]
    assert '"historyCacheSize":0' in config and '"includeIndicatorStyles":false' in config
    assert '"allowEval":false' in config


def test_the_csrf_exemption_is_anchored_to_the_api_prefixes():
    pattern = re.compile("|".join(exempt_paths(API_PREFIXES)))
    assert pattern.findall("/api/v1/tickets") and pattern.findall("/api/0123456789abcdef/ticket/create")
    for path in ("/admin/api/secrets", "/tickets/1/api/x", "/login", f"/{'a' * 32}/api/ticket/create"):
        assert not pattern.findall(path), path


async def test_cookies_are_secure_when_the_site_is_https(settings):
    app = create_app(settings.replace(server={"base_url": "https://help.example.test"}))
    async with AsyncTestClient(app=app, base_url="https://help.example.test") as client:
        await workspace_with_admin()
        page = await client.get("/login")
        csrf_cookie = next(c for c in page.headers.get_list("set-cookie") if c.startswith("__Host-csrftoken="))
        assert "Secure" in csrf_cookie and "Path=/" in csrf_cookie and "Domain" not in csrf_cookie
        logged_in = await Person(client).submit("/login", "/login", {"email": "ann@acme.test",
                                                                      "password": "correct horse"})
        session_cookie = next(c for r in [*logged_in.history, logged_in] for c in r.headers.get_list("set-cookie")
                              if c.startswith("helprealm_session="))
        assert "Secure" in session_cookie and "HttpOnly" in session_cookie


async def test_a_token_that_is_not_ascii_is_refused_not_a_server_error(person: Person):
    html = await person.page("/login")
    for token in ("a" * 64 + "é", "€" * 70):
        form = await person.client.post("/login", data={"_csrf_token": token, "email": "a@b.test", "password": "x"})
        header = await person.client.post("/login", data={"email": "a@b.test"}, headers={"x-csrftoken": token.encode()})
        assert form.status_code == header.status_code == 403
    assert csrf_from(html)  # the page's own token still works afterwards
    assert (await person.submit("/login", "/login", {"email": "a@b.test", "password": "x"})).status_code == 401


async def test_login_replaces_the_csrf_token(person: Person):
    await workspace_with_admin()
    await person.page("/login")
    planted = person.client.cookies.get("csrftoken")
    await login(person)
    assert person.client.cookies.get("csrftoken") not in (None, planted)


async def test_a_static_path_no_file_can_have_is_not_found(client):
    for path in ("/static/css/app.css%00", "/static/%00/x", "/static/../app.toml"):
        assert (await client.get(path)).status_code == 404, path
