"""Signup, confirmation, login, logout, password reset, CSRF and session rotation."""

import re

from app.accounts.tables import Agent, AgentGroup
from app.mail.tables import OutboxMail
from app.tickets.tables import TicketType
from app.workspaces.tables import Workspace
from tests.helpers import Person, csrf_from, field_error, soup
from tests.journeys import login, workspace_with_admin

SIGNUP = {
    "company": "Acme Ltd",
    "fullname": "Ann Admin",
    "email": "Ann@Acme.test",
    "password": "correct horse",
    "password_confirmation": "correct horse",
}


async def _confirm_link() -> str:
    mail = await OutboxMail.select().where(OutboxMail.purpose == "account_confirm").first()
    assert mail is not None, "no confirmation mail in the outbox"
    return re.search(r"http://helprealm\.test(/signup/confirm/\S+)", mail["body_text"]).group(1)


async def test_signup_creates_workspace_and_refuses_login_until_confirmed(person: Person):
    response = await person.submit("/signup", "/signup", SIGNUP, captcha=True)
    assert response.status_code == 200
    assert "Check your mailbox" in soup(response.text).h1.get_text()

    workspace = await Workspace.select().first()
    assert workspace["name"] == "Acme Ltd" and re.fullmatch(r"[0-9a-f]{32}", workspace["key"])
    agent = await Agent.select().where(Agent.email == "ann@acme.test").first()
    assert agent["superadmin"] and not agent["confirmed"]
    assert agent["password_hash"].startswith("$argon2")
    groups = await AgentGroup.select().where(AgentGroup.workspace == workspace["id"])
    assert [(g["name"], g["is_default"]) for g in groups] == [("1st level group", True)]
    types = await TicketType.select(TicketType.name).where(TicketType.workspace == workspace["id"])
    assert [t["name"] for t in types] == ["Service Request", "Incident", "Change"]

    refused = await person.submit("/login", "/login", {"email": "ann@acme.test", "password": "correct horse"})
    assert refused.status_code == 401
    assert "confirm your e-mail" in soup(refused.text).select_one(".flash-error").get_text()

    link = await _confirm_link()
    assert "Address confirmed" in await person.page(link)
    assert "not valid" in (await person.client.get(link)).text  # single use
    await login(person)


async def test_signup_errors_are_shown_in_the_form(person: Person):
    bad = {**SIGNUP, "email": "not-an-address", "password_confirmation": "other words", "company": ""}
    html = await person.page("/signup")
    response = await person.client.post(
        "/signup", data={"_csrf_token": csrf_from(html), **bad, "captcha": "999", "captcha_token": "forged"}
    )
    assert response.status_code == 422
    assert field_error(response.text, "email") == "E-mail address is not a valid e-mail address."
    assert field_error(response.text, "company") == "Company name is required."
    assert field_error(response.text, "password_confirmation") == "The passwords do not match."
    assert field_error(response.text, "captcha") == "The answer to the captcha is wrong."
    # what the user typed is kept, except passwords
    page = soup(response.text)
    assert page.find("input", attrs={"name": "fullname"})["value"] == "Ann Admin"
    assert page.find("input", attrs={"name": "password"})["value"] == ""
    assert await Workspace.count() == 0


async def test_signup_with_a_known_address_answers_the_same_and_mails_the_owner(person: Person):
    await workspace_with_admin(email="ann@acme.test")
    new = await person.submit("/signup", "/signup", {**SIGNUP, "email": "new@acme.test"}, captcha=True)
    known = await person.submit("/signup", "/signup", {**SIGNUP, "email": "ann@acme.test"}, captcha=True)
    # The visitor learns nothing about which addresses have accounts...
    assert known.status_code == new.status_code == 200
    assert soup(known.text).select_one(".message").get_text() == soup(new.text).select_one(".message").get_text()
    # ...no second account was made for the known address, and its owner is told instead.
    assert await Workspace.count() == 2 and await Agent.count().where(Agent.email == "ann@acme.test") == 1
    mails = await OutboxMail.select(OutboxMail.purpose, OutboxMail.to_address).order_by(OutboxMail.id)
    assert mails == [{"purpose": "account_confirm", "to_address": "new@acme.test"},
                     {"purpose": "account_exists", "to_address": "ann@acme.test"}]
    notice = await OutboxMail.select(OutboxMail.body_text).where(OutboxMail.purpose == "account_exists").first()
    assert "http://helprealm.test/login" in notice["body_text"]
    assert "http://helprealm.test/password/forgot" in notice["body_text"]


async def test_wrong_password_and_unknown_address_get_the_same_answer(person: Person):
    await workspace_with_admin()
    wrong = await person.submit("/login", "/login", {"email": "ann@acme.test", "password": "nope nope"})
    unknown = await person.submit("/login", "/login", {"email": "who@acme.test", "password": "nope nope"})
    assert wrong.status_code == unknown.status_code == 401
    said = [soup(r.text).select_one(".flash-error").get_text() for r in (wrong, unknown)]
    assert said[0] == said[1]


async def test_login_rotates_the_session_and_logout_ends_it(person: Person):
    await workspace_with_admin()
    await person.page("/login")
    await login(person)
    first = person.client.cookies.get("helprealm_session")
    assert first
    # log in again in the same browser: a new session id replaces the old one
    await person.submit("/login", "/login", {"email": "ann@acme.test", "password": "correct horse"})
    second = person.client.cookies.get("helprealm_session")
    assert second and second != first

    dashboard = await person.page("/dashboard")
    response = await person.client.post("/logout", data={"_csrf_token": csrf_from(dashboard)})
    assert response.status_code == 200 and str(response.url).endswith("/login")
    after = await person.client.get("/dashboard", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/login"


async def test_a_stolen_old_session_id_does_not_survive_login(client, person: Person):
    await workspace_with_admin()
    await login(person)
    old = person.client.cookies.get("helprealm_session")
    await person.submit("/login", "/login", {"email": "ann@acme.test", "password": "correct horse"})
    person.client.cookies.clear()
    person.client.cookies.set("helprealm_session", old)
    response = await person.client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303


async def test_password_reset_same_answer_for_known_and_unknown(person: Person):
    await workspace_with_admin()
    known = await person.submit("/password/forgot", "/password/forgot", {"email": "ann@acme.test"})
    unknown = await person.submit("/password/forgot", "/password/forgot", {"email": "ghost@acme.test"})
    assert known.status_code == unknown.status_code == 200
    assert soup(known.text).select_one(".message").get_text() == soup(unknown.text).select_one(".message").get_text()
    mails = await OutboxMail.select().where(OutboxMail.purpose == "password_reset")
    assert [m["to_address"] for m in mails] == ["ann@acme.test"]

    path = re.search(r"http://helprealm\.test(/password/reset/\S+)", mails[0]["body_text"]).group(1)
    short = await person.submit(path, path, {"password": "short", "password_confirmation": "short"})
    assert short.status_code == 422 and "at least 8" in field_error(short.text, "password")
    done = await person.submit(path, path, {"password": "a new secret", "password_confirmation": "a new secret"})
    assert done.status_code == 200 and "Password changed" in done.text
    await login(person, password="a new secret")
    assert (await person.client.get(path)).status_code == 404  # used up


async def test_write_without_csrf_token_is_refused(person: Person):
    await workspace_with_admin()
    response = await person.client.post("/login", data={"email": "ann@acme.test", "password": "correct horse"})
    assert response.status_code == 403
    assert "security token" in soup(response.text).get_text()


async def test_login_is_rate_limited(app, person: Person):
    await workspace_with_admin()
    html = await person.page("/login")
    token = csrf_from(html)
    statuses = []
    for _ in range(12):
        response = await person.client.post("/login", data={"_csrf_token": token, "email": "ann@acme.test",
                                                             "password": "wrong pw!"})
        statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
