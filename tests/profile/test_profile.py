"""The profile page: each card's form, its HTMX fragment and its rules (name, e-mail change,
password change, signature, notifications, language)."""

from __future__ import annotations

import re

import httpx

from app.accounts.tables import Agent
from app.audit.tables import AuditEntry
from app.mail.tables import OutboxMail
from tests import factories
from tests.helpers import HTMX, Person, cookies, csrf_from, field_error, soup
from tests.journeys import login, open_ticket, workspace_with_admin


async def _post(person: Person, url: str, data: dict, htmx: bool = True):
    return await person.submit("/profile", url, data, headers=HTMX if htmx else None)


async def _mails(purpose: str) -> list[dict]:
    return await OutboxMail.select().where(OutboxMail.purpose == purpose).order_by(OutboxMail.id)


async def test_profile_page_and_fragments(person: Person):
    await workspace_with_admin()
    await login(person)
    page = soup(await person.page("/profile"))
    assert page.find("nav", class_="sidebar").find("a", href="/profile")["aria-current"] == "page"
    for section in ("name", "email", "password", "twofactor", "avatar", "signature", "notify", "language"):
        assert page.select_one(f"#profile-{section} form"), section
    assert page.select_one("#profile-avatar .avatar.initials").get_text() == "AA"
    languages = {o["value"]: o.get_text() for o in page.select("#profile-language select[name=lang] option")}
    assert languages["de"] == "Deutsch" and languages["cs"] == "Čeština" and languages[""] and len(languages) == 16

    fragment = await person.page("/profile", headers=HTMX)
    assert "<html" not in fragment and soup(fragment).select_one("#profile #profile-name")


async def test_name_saved_with_htmx_and_errors_at_the_field(person: Person):
    await workspace_with_admin()
    await login(person)
    response = await _post(person, "/profile/name", {"first_name": "Anna", "last_name": "Admin"})
    assert response.status_code == 200 and "<html" not in response.text
    card = soup(response.text).select_one("#profile-name")
    assert card.select_one("input[name=first_name]")["value"] == "Anna" and card.select_one(".flash")
    assert soup(await person.page("/dashboard")).select_one(".who").get_text() == "Anna Admin"

    refused = await _post(person, "/profile/name", {"first_name": "", "last_name": "x" * 101})
    assert refused.status_code == 422
    assert field_error(refused.text, "first_name") and field_error(refused.text, "last_name")
    whole = await _post(person, "/profile/name", {"first_name": "a\nb"}, htmx=False)
    assert whole.status_code == 422 and "<html" in whole.text and field_error(whole.text, "first_name")
    plain = await person.submit("/profile", "/profile/name", {"first_name": "Ann", "last_name": "Admin"})
    assert plain.status_code == 200 and str(plain.url).endswith("/profile")  # 303 back to the page


async def test_email_change_confirmed_by_a_link_that_works_once(person: Person, client):
    await workspace_with_admin()
    await login(person)
    wrong = await _post(person, "/profile/email", {"email": "ann@new.test", "current_password": "nope"})
    assert wrong.status_code == 422 and field_error(wrong.text, "current_password")
    response = await _post(person, "/profile/email", {"email": "Ann@New.test", "current_password": "correct horse"})
    assert response.status_code == 200
    assert "ann@new.test" in soup(response.text).select_one(".pending-email").get_text()
    # Until the link is opened the old address stays the login.
    assert (await Agent.select(Agent.email).first())["email"] == "ann@acme.test"
    [confirm] = await _mails("email_change_confirm")
    [told] = await _mails("email_change_requested")
    assert confirm["to_address"] == "ann@new.test" and told["to_address"] == "ann@acme.test"
    link = re.search(r"http://helprealm.test(/profile/email/confirm/\S+)", confirm["body_text"]).group(1)

    stranger = Person(client)
    with cookies(client, httpx.Cookies()):
        page = await stranger.page(link)
        assert "ann@new.test" in page
        await stranger.page(link, status=404)  # once
    assert (await Agent.select(Agent.email).first())["email"] == "ann@new.test"
    audit = await AuditEntry.select(AuditEntry.action).where(AuditEntry.action == "email.changed")
    assert len(audit) == 1
    await person.client.post("/logout", data={"_csrf_token": csrf_from(await person.page("/dashboard"))})
    await login(person, email="ann@new.test")


async def test_email_change_to_a_taken_address_answers_the_same(person: Person):
    workspace, _ = await workspace_with_admin()
    await factories.workspace(company="Other", email="bob@other.test", name="Bob Other")
    await login(person)
    free = await _post(person, "/profile/email", {"email": "free@new.test", "current_password": "correct horse"})
    taken = await _post(person, "/profile/email", {"email": "bob@other.test", "current_password": "correct horse"})
    assert free.status_code == taken.status_code == 200
    flash = lambda r: soup(r.text).select_one("#profile-email .flash").get_text()  # noqa: E731
    assert flash(free) == flash(taken)
    # The card then reads alike too: "waiting for confirmation" names each address.
    card = lambda r: soup(r.text).select_one("#profile-email").get_text(" ", strip=True)  # noqa: E731
    assert card(free).replace("free@new.test", "X") == card(taken).replace("bob@other.test", "X")
    assert [m["to_address"] for m in await _mails("email_change_confirm")] == ["free@new.test"]
    [notice] = await _mails("email_taken")
    assert notice["to_address"] == "bob@other.test" and "Bob" in notice["body_text"]
    assert len(await _mails("email_change_requested")) == 2  # the old address hears of both
    assert (await Agent.select(Agent.email).where(Agent.workspace == workspace["id"]).first())["email"] == \
        "ann@acme.test"


async def test_password_change_needs_the_current_one_and_ends_other_sessions(person: Person, client):
    await workspace_with_admin()
    other = httpx.Cookies()
    with cookies(client, other):
        await login(Person(client))
    await login(person)
    refused = await _post(person, "/profile/password", {"current_password": "wrong one", "password": "new secret 1",
                                                         "password_confirmation": "new secret 1"})
    assert refused.status_code == 422 and field_error(refused.text, "current_password")
    mismatch = await _post(person, "/profile/password", {"current_password": "correct horse",
                                                          "password": "new secret 1", "password_confirmation": "o"})
    assert mismatch.status_code == 422 and field_error(mismatch.text, "password_confirmation")
    short = await _post(person, "/profile/password", {"current_password": "correct horse", "password": "short",
                                                       "password_confirmation": "short"})
    assert short.status_code == 422 and field_error(short.text, "password")
    done = await _post(person, "/profile/password", {"current_password": "correct horse", "password": "new secret 1",
                                                      "password_confirmation": "new secret 1"})
    assert done.status_code == 200 and soup(done.text).select_one("#profile-password .flash")
    await person.page("/dashboard")  # this session stays
    with cookies(client, other):
        response = await client.get("/dashboard", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    assert await AuditEntry.count().where(AuditEntry.action == "password.changed") == 1
    await person.client.post("/logout", data={"_csrf_token": csrf_from(await person.page("/dashboard"))})
    await login(person, password="new secret 1")


async def test_signature_on_replies_not_on_notes(person: Person):
    workspace, _ = await workspace_with_admin()
    await open_ticket(Person(person.client), workspace)
    await login(person)
    too_long = await _post(person, "/profile/signature", {"signature": "x" * 1001})
    assert too_long.status_code == 422 and field_error(too_long.text, "signature")
    saved = await _post(person, "/profile/signature", {"signature": "Kind regards,\r\nAnn"})
    assert saved.status_code == 200
    page = await person.page("/tickets/1")
    token = csrf_from(page)
    await person.client.post("/tickets/1/reply", data={"_csrf_token": token, "text": "We are on it."})
    await person.client.post("/tickets/1/note", data={"_csrf_token": token, "text": "Toner again."})
    thread = soup(await person.page("/tickets/1"))
    texts = {p["class"][1]: p.select_one(".text").get_text() for p in thread.select("article.post")}
    assert texts["post-reply"] == "We are on it.\n\n-- \nKind regards,\nAnn"
    assert texts["post-note"] == "Toner again."
    [mail] = await _mails("agent_reply")
    assert "-- \nKind regards,\nAnn" in mail["body_text"]


async def test_notify_language_and_time_zone_are_stored(person: Person):
    await workspace_with_admin()
    await login(person)
    on = await _post(person, "/profile/notify", {"notify_routed": "1"})
    assert on.status_code == 200 and soup(on.text).select_one("input[name=notify_routed]").has_attr("checked")
    # A new language changes the whole page: HTMX is sent to load it again, with the notice.
    lang = await _post(person, "/profile/language", {"lang": "de", "time_zone": "Europe/Prague"})
    assert lang.status_code == 200 and lang.headers["HX-Redirect"] == "/profile?done=language"
    page = soup(await person.page("/profile?done=language"))
    assert page.select_one("#profile-language select[name=lang] option[value=de]").has_attr("selected")
    zone = page.select_one("#profile-language select[name=time_zone] option[value='Europe/Prague']")
    assert zone.has_attr("selected")
    assert page.select_one("#profile-language .flash")
    for bad_form, field in (({"lang": "xx"}, "lang"), ({"lang": "", "time_zone": "Mars/Olympus"}, "time_zone")):
        bad = await _post(person, "/profile/language", bad_form)
        assert bad.status_code == 422 and field_error(bad.text, field)
    row = await Agent.select(Agent.notify_routed, Agent.lang, Agent.time_zone).first()
    assert row == {"notify_routed": True, "lang": "de", "time_zone": "Europe/Prague"}
    off = await _post(person, "/profile/notify", {})
    assert off.status_code == 200 and not (await Agent.select(Agent.notify_routed).first())["notify_routed"]


async def test_writes_without_csrf_are_refused(person: Person):
    await workspace_with_admin()
    await login(person)
    for url in ("/profile/name", "/profile/email", "/profile/password", "/profile/notify", "/profile/signature",
                "/profile/language", "/profile/avatar/remove", "/profile/2fa/start", "/profile/2fa/disable",
                "/admin/security", "/login/2fa"):
        response = await person.client.post(url, data={"first_name": "Eve", "require_2fa": "1"})
        assert response.status_code == 403, url
    assert (await Agent.select(Agent.first_name).first())["first_name"] == "Ann"
