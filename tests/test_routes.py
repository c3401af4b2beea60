"""Every route of the app, walked as each audience, and fuzzed with malformed input.

The walk asserts the expected status for anonymous visitors, a customer (who holds the ticket's
hash), an agent and a superadmin; a route added without an expectation here fails the test, so
every new route decides who may reach it. The fuzz sends each route the shapes that once caused
500s: numbers out of range, non-ASCII digits, fields sent twice, huge and control-laden values.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from litestar.testing import AsyncTestClient

from app.accounts.service import create_agent_confirmed
from app.accounts.tables import Agent, AgentGroup, GroupMember
from app.asgi import API_PREFIXES, create_app
from app.live import events as live_events
from app.tickets.tables import Attachment
from tests.helpers import Person, cookies, csrf_from
from tests.journeys import login, open_ticket, workspace_with_admin

AUDIENCES = ("anonymous", "customer", "agent", "superadmin")
LOGIN = "/login"

# (method, route name) -> status per audience, in AUDIENCES order. 303 is a redirect (to the login
# page for the agent and admin routers). Portal routes: the anonymous visitor guesses a hash, the
# others hold the real one. Forms are posted empty (with a valid CSRF token).
EXPECTED: dict[tuple[str, str], tuple[int, int, int, int]] = {
    ("GET", "health"): (200, 200, 200, 200),
    ("GET", "static"): (200, 200, 200, 200),
    ("GET", "accounts.signup"): (200, 200, 200, 200),
    ("GET", "visitor.language"): (303, 303, 303, 303),  # the login page's language switcher
    ("POST", "accounts.signup_submit"): (422, 422, 422, 422),
    ("GET", "accounts.confirm"): (404, 404, 404, 404),
    ("GET", "accounts.login"): (200, 200, 303, 303),
    ("POST", "accounts.login_submit"): (401, 401, 401, 401),
    ("GET", "accounts.forgot"): (200, 200, 200, 200),
    ("POST", "accounts.forgot_submit"): (200, 200, 200, 200),
    ("GET", "accounts.reset"): (404, 404, 404, 404),
    ("POST", "accounts.reset_submit"): (422, 422, 422, 422),
    ("GET", "agent.home"): (303, 303, 303, 303),
    ("GET", "agent.dashboard"): (303, 303, 200, 200),
    ("GET", "agent.tickets"): (303, 303, 200, 200),
    ("POST", "agent.tickets.bulk"): (303, 303, 422, 422),  # nothing selected
    ("GET", "agent.ticket"): (303, 303, 200, 200),
    ("POST", "agent.reply"): (303, 303, 422, 422),
    ("POST", "agent.note"): (303, 303, 422, 422),
    ("POST", "agent.update"): (303, 303, 303, 303),  # nothing changed: back to the ticket
    ("POST", "agent.upload"): (303, 303, 422, 422),
    ("GET", "agent.file"): (303, 303, 200, 200),
    ("GET", "agent.post_mail"): (303, 303, 404, 404),  # entry 1 is no mail with HTML
    ("GET", "agent.new_ticket"): (303, 303, 200, 200),
    ("POST", "agent.create_ticket"): (303, 303, 422, 422),
    ("POST", "agent.take"): (303, 303, 303, 303),  # the superadmin takes it last
    ("POST", "agent.release"): (303, 303, 403, 303),  # so only they (or the assignee) may release it
    ("POST", "agent.tags"): (303, 303, 303, 303),  # no tags sent, none there: nothing changed
    ("GET", "agent.tag_suggestions"): (303, 303, 200, 200),
    ("POST", "agent.notes"): (303, 303, 303, 303),
    ("GET", "agent.merge_form"): (303, 303, 200, 200),
    ("POST", "agent.merge"): (303, 303, 422, 422),
    ("POST", "agent.edit_post"): (303, 303, 422, 422),
    ("GET", "agent.ticket_events"): (303, 303, 200, 200),  # event streams: see `world` for why they end
    ("GET", "agent.list_events"): (303, 303, 200, 200),
    ("POST", "agent.typing"): (303, 303, 204, 204),
    ("GET", "admin.workspace"): (303, 303, 403, 200),
    ("GET", "admin.audit"): (303, 303, 403, 200),
    ("GET", "admin.types"): (303, 303, 403, 200),
    ("POST", "admin.types_add"): (303, 303, 403, 422),  # no name
    ("POST", "admin.types_rename"): (303, 303, 403, 422),  # no name (checked before the type)
    ("POST", "admin.types_remove"): (303, 303, 403, 404),  # type 999999: not this workspace's
    ("GET", "admin.job"): (303, 303, 403, 404),  # no such job
    ("GET", "admin.groups"): (303, 303, 403, 200),
    ("POST", "admin.groups_create"): (303, 303, 403, 422),  # no name
    ("GET", "admin.group"): (303, 303, 403, 404),  # group 999999: not this workspace's
    ("POST", "admin.group_update"): (303, 303, 403, 404),  # group 999999: not this workspace's
    ("POST", "admin.group_default"): (303, 303, 403, 404),
    ("POST", "admin.group_add_member"): (303, 303, 403, 404),
    ("POST", "admin.group_auto"): (303, 303, 403, 404),
    ("POST", "admin.group_remove_member"): (303, 303, 403, 404),
    ("POST", "admin.group_delete"): (303, 303, 403, 404),
    ("GET", "admin.agents"): (303, 303, 403, 200),  # agents; agent 1 is the superadmin herself
    ("POST", "admin.agents_create"): (303, 303, 403, 422),  # no name
    ("GET", "admin.agent"): (303, 303, 403, 200),
    ("POST", "admin.agent_update"): (303, 303, 403, 422),  # no name
    ("POST", "admin.agent_add_group"): (303, 303, 403, 422),  # no group chosen
    ("POST", "admin.agent_remove_group"): (303, 303, 403, 404),  # group 999999: not this workspace's
    ("POST", "admin.agent_reinvite"): (303, 303, 403, 409),  # she has a password already
    ("POST", "admin.agent_delete"): (303, 303, 403, 409),  # nobody deletes themselves
    ("GET", "accounts.invitation"): (404, 404, 404, 404),  # not a token
    ("POST", "accounts.invitation_accept"): (404, 404, 404, 404),
    ("GET", "accounts.agent_email_confirm"): (404, 404, 404, 404),
    ("GET", "admin.mail"): (303, 303, 403, 200),  # the workspace's own mail service and API access
    ("POST", "admin.mail_save"): (303, 303, 403, 303),
    ("POST", "admin.mail_test_smtp"): (303, 303, 403, 200),
    ("POST", "admin.mail_test_imap"): (303, 303, 403, 200),
    ("GET", "admin.api"): (303, 303, 403, 200),
    ("POST", "admin.api_token"): (303, 303, 403, 200),
    ("POST", "admin.api_access"): (303, 303, 403, 303),
    ("GET", "admin.api_keys"): (303, 303, 403, 200),  # every agent's REST API keys (app/api/keys_web.py)
    ("POST", "admin.api_keys_generate"): (303, 303, 403, 422),  # no agent chosen
    ("POST", "admin.api_keys_delete"): (303, 303, 403, 404),  # key 999999: not this workspace's
    ("GET", "agent.api_keys"): (303, 303, 200, 200),  # the agent's own keys
    ("POST", "agent.api_keys_generate"): (303, 303, 200, 200),  # a key for themselves, shown once
    ("POST", "agent.api_keys_delete"): (303, 303, 404, 404),
    ("POST", "admin.mail_gateway_token"): (303, 303, 403, 200),  # the mail gateway section of /admin/mail
    ("POST", "admin.mail_gateway_save"): (303, 303, 403, 422),
    ("POST", "api.mail_receive"): (401, 401, 401, 401),  # the Trivial Tickets mail gateway: its token only
    ("GET", "api.mail_fetch"): (401, 401, 401, 401),
    ("POST", "api.mail_verify"): (401, 401, 401, 401),
    ("GET", "admin.quarantine"): (303, 303, 403, 200),  # the mail quarantine (app/mail/admin.py)
    ("GET", "admin.quarantine_mail"): (303, 303, 403, 404),  # message 999999: not this workspace's
    ("GET", "admin.quarantine_view"): (303, 303, 403, 404),
    ("POST", "admin.quarantine_decide"): (303, 303, 403, 404),
    ("GET", "admin.export"): (303, 303, 403, 200),
    ("POST", "admin.export_run"): (303, 303, 403, 422),  # no dates
    ("GET", "admin.export_job"): (303, 303, 403, 404),  # no export job 1 in this world
    ("GET", "admin.export_download"): (303, 303, 403, 404),
    ("GET", "admin.faq"): (303, 303, 403, 200),
    ("POST", "admin.faq_create"): (303, 303, 403, 422),  # no question, no answer
    ("GET", "admin.faq_entry"): (303, 303, 403, 404),  # entry 999999: not this workspace's
    ("POST", "admin.faq_update"): (303, 303, 403, 404),
    ("POST", "admin.faq_delete"): (303, 303, 403, 404),
    ("POST", "admin.faq_move"): (303, 303, 403, 422),  # no direction (checked before the entry)
    ("GET", "admin.cancel"): (303, 303, 403, 200),
    ("POST", "admin.cancel_submit"): (303, 303, 403, 422),  # no company name, no captcha
    ("GET", "workspace.goodbye"): (200, 200, 200, 200),
    ("GET", "admin.settings"): (303, 303, 403, 200),  # system settings
    ("POST", "admin.settings_save"): (303, 303, 403, 422),  # section "general" posted empty: no company name
    ("POST", "admin.background_upload"): (303, 303, 403, 422),  # no image
    ("POST", "admin.background_delete"): (303, 303, 403, 404),  # image 999999: not this workspace's
    ("GET", "portal.background"): (404, 404, 404, 404),  # no image 999999 in this workspace
    ("POST", "agent.vacation"): (303, 303, 400, 400),  # no "on" field
    # The profile (app/profile/) and two-factor login (app/accounts/login_steps.py)
    ("GET", "agent.profile"): (303, 303, 200, 200),
    ("POST", "agent.profile_name"): (303, 303, 422, 422),  # no first name
    ("POST", "agent.profile_email"): (303, 303, 422, 422),  # no address
    ("POST", "agent.profile_password"): (303, 303, 422, 422),
    ("POST", "agent.profile_notify"): (303, 303, 303, 303),  # off, back to the page
    ("POST", "agent.profile_signature"): (303, 303, 303, 303),  # an empty signature is fine
    ("POST", "agent.profile_language"): (303, 303, 303, 303),  # "": the workspace's
    ("POST", "agent.profile_avatar"): (303, 303, 422, 422),  # no image
    ("POST", "agent.profile_avatar_remove"): (303, 303, 303, 303),
    ("GET", "agent.avatar"): (303, 303, 404, 404),  # agent 1 has no avatar
    ("POST", "agent.twofactor_start"): (303, 303, 200, 200),
    ("POST", "agent.twofactor_confirm"): (303, 303, 422, 422),  # set up just above; no code
    ("POST", "agent.twofactor_codes"): (303, 303, 409, 409),  # two-factor login is off
    ("POST", "agent.twofactor_disable"): (303, 303, 409, 409),
    ("GET", "accounts.login_2fa"): (303, 303, 303, 303),  # no pending login: to /login
    ("POST", "accounts.login_2fa_submit"): (401, 401, 401, 401),
    ("GET", "accounts.enrol"): (303, 303, 303, 303),
    ("POST", "accounts.enrol_submit"): (401, 401, 401, 401),
    ("GET", "accounts.email_confirm"): (404, 404, 404, 404),
    ("GET", "admin.security"): (303, 303, 403, 200),
    ("POST", "admin.security_save"): (303, 303, 403, 303),
    ("GET", "admin.webhooks"): (303, 303, 403, 200),  # webhooks (app/webhooks/admin.py); hook 999999: not ours
    ("POST", "admin.webhook_create"): (303, 303, 403, 422),  # no URL, no events
    ("GET", "admin.webhook"): (303, 303, 403, 404),
    ("POST", "admin.webhook_update"): (303, 303, 403, 404),
    ("POST", "admin.webhook_delete"): (303, 303, 403, 404),
    ("POST", "admin.webhook_test"): (303, 303, 403, 404),
    ("POST", "admin.webhook_retry"): (303, 303, 403, 404),
    ("GET", "agent.canned"): (303, 303, 200, 200),
    ("GET", "agent.canned_new"): (303, 303, 200, 200),
    ("POST", "agent.canned_create"): (303, 303, 422, 422),
    ("GET", "agent.canned_edit"): (303, 303, 404, 404),  # no response 1 in this world
    ("POST", "agent.canned_update"): (303, 303, 404, 404),
    ("POST", "agent.canned_delete"): (303, 303, 404, 404),
    ("GET", "agent.canned_picker"): (303, 303, 400, 400),  # without ?ticket=
    ("GET", "agent.canned_fill"): (303, 303, 400, 400),
    ("POST", "api.mail_inbound"): (401, 401, 401, 401),  # no mail gateway token
    # The embeddable form: switched off in this world, so not found for everyone.
    ("GET", "portal.widget_js"): (404, 404, 404, 404),
    ("GET", "api.widget_form"): (404, 404, 404, 404),
    ("POST", "api.widget_create"): (404, 404, 404, 404),
    ("GET", "admin.widget"): (303, 303, 403, 200),
    ("POST", "admin.widget_save"): (303, 303, 403, 303),  # nothing changed: back to the page
    # REST v1 and HelpDeskPro's paths (app/api/rest/): an agent's key only, never a session
    ("POST", "rest.create_ticket"): (401, 401, 401, 401),
    ("GET", "rest.list_tickets"): (401, 401, 401, 401),
    ("GET", "rest.get_ticket"): (401, 401, 401, 401),
    ("PATCH", "rest.update_ticket"): (401, 401, 401, 401),
    ("POST", "rest.add_comment"): (401, 401, 401, 401),
    ("GET", "rest.attachment"): (401, 401, 401, 401),
    ("GET", "rest.users"): (401, 401, 401, 401),
    ("POST", "helpdeskpro.create_ticket"): (401, 401, 401, 401),
    ("POST", "helpdeskpro.add_comment"): (401, 401, 401, 401),
    ("GET", "helpdeskpro.get_tickets"): (401, 401, 401, 401),
    ("GET", "helpdeskpro.get_ticket"): (401, 401, 401, 401),
    ("PATCH", "helpdeskpro.update_ticket"): (401, 401, 401, 401),
    ("GET", "helpdeskpro.get_users"): (401, 401, 401, 401),
    # The HelpRealm API: empty fields are the manual's 500 with invalid_fields (checked before the token).
    **{("POST", f"api.ticket_{name}"): (500, 500, 500, 500) for name in (
        "create", "info", "thread", "attachments", "comment_add", "comment_edit", "attachment_add",
        "attachment_delete")},
    ("GET", "portal.index"): (200, 200, 200, 200),
    ("POST", "portal.create"): (422, 422, 422, 422),
    ("GET", "portal.open"): (303, 303, 303, 303),  # a well-formed hash: to its page, which knows
    ("GET", "portal.ticket"): (404, 200, 200, 200),
    ("POST", "portal.reply"): (404, 422, 422, 422),
    ("POST", "portal.upload"): (404, 422, 422, 422),
    ("GET", "portal.file"): (404, 200, 200, 200),
    ("GET", "portal.faq"): (200, 200, 200, 200),
    ("GET", "portal.faq_suggest"): (200, 200, 200, 200),
    ("GET", "portal.faq_entry"): (404, 404, 404, 404),  # entry 999999: not this workspace's
    ("POST", "portal.edit_post"): (404, 422, 422, 422),
    ("POST", "agent.delete_file"): (303, 303, 303, 404),  # the agent removed it first
    ("GET", "schema.docs"): (200, 200, 200, 200),  # the API docs page and its OpenAPI document (app/api/docs.py)
    ("GET", "schema.json"): (200, 200, 200, 200),
    ("GET", "schema.missing"): (404, 404, 404, 404),
    ("POST", "accounts.logout"): (303, 303, 303, 303),  # last: it ends the session
}


@dataclass
class World:
    app: object
    client: AsyncTestClient
    workspace: dict
    ticket: dict
    attachment_id: int
    jars: dict[str, httpx.Cookies]


def _routes(app) -> list[tuple[str, str, str]]:
    """(method, name, path) of every route handler, except the automatic OPTIONS/HEAD ones."""
    found = []
    for route in app.routes:
        for handler in route.route_handlers:
            for method in sorted(getattr(handler, "http_methods", ())):
                if method in ("OPTIONS", "HEAD"):
                    continue
                found.append((method, handler.name, route.path))
    return found


@pytest.fixture
async def world(settings):
    app = create_app(settings.replace(limits={"login_attempts_per_minute": 1000, "customer_posts_per_minute": 1000}))
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        # The test client reads a response to its end: with the hub closed (as at shutdown) an
        # event stream sends its first message and ends, instead of running forever.
        live_events.current().close()
        workspace, _admin = await workspace_with_admin()
        await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                     password="correct horse")
        group = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace["id"]).first()
        bea = await Agent.select(Agent.id).where(Agent.email == "bea@acme.test").first()
        await GroupMember(group=group["id"], agent=bea["id"]).save()  # Bea works the default group
        customer = Person(client)
        ticket = await open_ticket(customer, workspace)
        page = f"/{workspace['key']}/ticket/show/{ticket['hash']}"
        await client.post(f"{page}/upload", data={"_csrf_token": csrf_from(await customer.page(page))},
                          files={"file": ("notes.txt", b"hello", "text/plain")})
        attachment = await Attachment.select(Attachment.id).first()
        jars = {audience: httpx.Cookies() for audience in AUDIENCES}
        with cookies(client, jars["agent"]):
            await login(Person(client), email="bea@acme.test")
        with cookies(client, jars["superadmin"]):
            await login(Person(client))
        yield World(app, client, workspace, ticket, attachment["id"], jars)


def _path(world: World, audience: str, name: str) -> str:
    params = {"workspace_key": world.workspace["key"], "number": 1, "attachment_id": world.attachment_id,
              "ticket_hash": world.ticket["hash"] if audience != "anonymous" else "0" * 32,
              "token": "not-a-token", "file_path": "css/app.css", "entry_id": 1,
              "response_id": 1, "type_id": 999999, "job_id": 1, "group_id": 999999, "agent_id": 1,
              "section": "general", "image_id": 999999, "faq_id": 999999, "code": "de",
              "workspace": world.workspace["key"], "mail_id": 999999, "key_id": 999999,
              "path": "nothing-here"}
    params.update(hook_id=999999, delivery_id=999999)  # webhooks: not this workspace's
    app = world.app
    handler = next(h for r in app.routes for h in r.route_handlers if h.name == name)
    needed = {p for path in handler.paths for p in params if "{" + p in path}
    url = app.route_reverse(name, **{k: params[k] for k in needed})
    if name == "portal.open":
        url += f"?hash={params['ticket_hash']}"
    return url


async def _request(world: World, audience: str, method: str, url: str, data: dict | None = None, files=None):
    """One request as `audience` (their cookies; a valid CSRF token with every POST)."""
    with cookies(world.client, world.jars[audience]):
        if method == "GET":
            return await world.client.get(url, follow_redirects=False)
        token = csrf_from((await world.client.get("/signup")).text)
        return await world.client.request(method, url, data={"_csrf_token": token, **(data or {})}, files=files,
                                          follow_redirects=False)


async def test_every_route_has_an_expectation(world: World):
    routes = {(method, name) for method, name, _route_path in _routes(world.app)}
    assert None not in {name for _method, name in routes}, "every route needs a name"
    assert routes - set(EXPECTED) == set(), "new routes: decide who may reach them, add them to EXPECTED"
    assert set(EXPECTED) - routes == set(), "EXPECTED lists routes that are gone"


async def test_each_audience_reaches_exactly_what_it_should(world: World):
    results: dict[tuple[str, str], tuple[int, ...]] = {}
    for (method, name) in EXPECTED:
        statuses = []
        for audience in AUDIENCES:
            response = await _request(world, audience, method, _path(world, audience, name))
            statuses.append(response.status_code)
            if response.status_code == 303 and name.startswith(("agent.", "admin.")) and audience in (
                    "anonymous", "customer"):
                assert response.headers["location"] == LOGIN, (name, audience)
        results[(method, name)] = tuple(statuses)
    wrong = {key: (got, EXPECTED[key]) for key, got in results.items() if got != EXPECTED[key]}
    assert wrong == {}, "got vs expected (anonymous, customer, agent, superadmin)"


# -- malformed input ---------------------------------------------------------------------------

HUGE = "99999999999999999999"
ODD_NUMBERS = [HUGE, "-1", "0", "²", "١٢", "1e3", " 7 ", "0x10", "", "NaN"]
ODD_TEXT = ["x" * 100_000, "\x00\r\n\u2028", "🙂" * 1000, "../../etc/passwd", "%00", "<script>"]
FIELDS = ["name", "email", "subject", "text", "type", "prio", "captcha", "captcha_token", "status", "group",
          "assignee", "password", "password_confirmation", "company", "fullname", "title", "body", "kind", "on"]


async def _no_server_error(world: World, audience: str, method: str, url: str, **kwargs) -> None:
    response = await _request(world, audience, method, url, **kwargs)
    if response.status_code == 500 and _helprealm_api(url):  # the manual's answer to invalid post data, only
        assert "invalid_fields" in response.json(), (method, url[:120], response.text[:300])
        return
    assert response.status_code < 500, (method, url[:120], kwargs.get("data", {}).keys(), response.text[:300])


def _helprealm_api(url: str) -> bool:
    """A HelpRealm API ticket route (/api/{workspace}/ticket/...), the one place invalid input is a 500."""
    parts = url.split("?")[0].split("/")
    return len(parts) > 4 and parts[1] == "api" and parts[3] == "ticket"


async def test_malformed_input_never_gets_a_500(world: World):
    # The superadmin reaches every handler that parses a body; the customer every portal one.
    for method, name, _route_path in _routes(world.app):
        if name == "accounts.logout":
            continue
        for audience in ("superadmin", "customer"):
            url = _path(world, audience, name)
            # numbers out of range and odd digits in every numeric path segment
            for bad in ODD_NUMBERS:
                for segment in (f"/{1}", f"/{world.attachment_id}"):
                    if url.endswith(segment) or f"{segment}/" in url:
                        await _no_server_error(world, audience, method, url.replace(segment, f"/{bad}", 1))
            # huge and strange path text
            await _no_server_error(world, audience, method, url.replace(world.workspace["key"], "k" * 5000))
            await _no_server_error(world, audience, method, url.replace(world.ticket["hash"], "%F0%9F%99%82" * 50))
            # query parameters
            for query in (f"page={HUGE}", "page=-3", "page=²", "scope=" + "s" * 5000, "q=" + "q" * 5000,
                          "hash=" + "h" * 5000, "confirmation=" + "c" * 5000, "page=1&page=2", "q=a~7"):
                await _no_server_error(world, audience, method, f"{url}?{query}")
            if method not in ("POST", "PATCH"):
                continue
            # every field sent twice; every field out of range, with odd digits, huge or with controls
            await _no_server_error(world, audience, method, url, data={f: ["a@b.test", "c@d.test"] for f in FIELDS})
            for bad in [*ODD_NUMBERS, *ODD_TEXT]:
                await _no_server_error(world, audience, method, url, data={f: bad for f in FIELDS})
                await _no_server_error(world, audience, method, url, data={"text": "Fine text.", "status": bad})
            await _no_server_error(world, audience, method, url, data={"file": "not a file"})
            await _no_server_error(world, audience, method, url, files={"file": ("", b"", "text/plain")})
            await _no_server_error(world, audience, method, url, files=[("file", ("a.txt", b"a", "text/plain")),
                                                                         ("file", ("b.txt", b"b", "text/plain"))])


async def test_every_browser_write_needs_the_csrf_token(world: World):
    # Signed in as the superadmin (who reaches every write), but without the token: each POST outside
    # the APIs is refused before its handler runs, so a route added later is covered as well.
    writes = [(name, path) for method, name, path in _routes(world.app)
              if method == "POST" and not path.startswith(API_PREFIXES)]
    assert any(name.startswith("admin.") for name, _path_ in writes)
    for name, _route_path in writes:
        with cookies(world.client, world.jars["superadmin"]):
            response = await world.client.post(_path(world, "superadmin", name), data={"name": "x"},
                                               follow_redirects=False)
        assert response.status_code == 403, name
