"""Two-factor login: enrolling on the profile, the login's second step, replay, recovery codes,
the attempt limits, turning it off, and the workspace switch that makes every agent enrol."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from app.accounts.tables import Agent, RecoveryCode
from app.audit.tables import AuditEntry
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login, workspace_with_admin


@pytest.fixture
def settings(settings):
    """The per-client login limit (tested with the login) high, so the per-agent one shows here."""
    return settings.replace(limits={"login_attempts_per_minute": 100})


def test_code_forms_are_under_the_per_client_login_limit():
    from app.accounts.web import RATE_LIMITED

    assert {"accounts.login_2fa_submit", "accounts.enrol_submit"} <= RATE_LIMITED


def _secret(html: str) -> str:
    return soup(html).select_one(".totp-secret").get_text().replace(" ", "")


def _codes(html: str) -> list[str]:
    return [node.get_text() for node in soup(html).select(".recovery-codes code")]


def _next_code(secret: str) -> str:
    """The next time step's code: accepted (within the window) and not yet used."""
    return pyotp.TOTP(secret).at(time.time() + 30)


async def _enable(person: Person) -> tuple[str, list[str]]:
    started = await person.submit("/profile", "/profile/2fa/start", {}, headers=HTMX)
    assert started.status_code == 200
    card = soup(started.text).select_one("#profile-twofactor")
    assert card.select_one("img.qr")["src"].startswith("data:image/svg+xml")
    secret = _secret(started.text)
    wrong = await person.submit("/profile", "/profile/2fa/confirm", {"code": "000000"}, headers=HTMX)
    assert wrong.status_code == 422 and field_error(wrong.text, "code") and _secret(wrong.text) == secret
    done = await person.submit("/profile", "/profile/2fa/confirm", {"code": pyotp.TOTP(secret).now()}, headers=HTMX)
    assert done.status_code == 200 and soup(done.text).select_one("#profile-twofactor")["data-two-factor"] == "on"
    codes = _codes(done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    return secret, codes


async def _logout(person: Person) -> None:
    await person.client.post("/logout", data={"_csrf_token": csrf_from(await person.page("/dashboard"))})


async def _password_step(person: Person, email: str = "ann@acme.test") -> str:
    response = await person.submit("/login", "/login", {"email": email, "password": "correct horse"})
    assert response.status_code == 200, response.text[:300]
    return str(response.url)


async def _code_step(person: Person, code: str):
    return await person.submit("/login/2fa", "/login/2fa", {"code": code})


async def test_enrol_then_login_with_a_code_once(person: Person):
    await workspace_with_admin()
    await login(person)
    secret, codes = await _enable(person)
    row = await Agent.select(Agent.totp_secret).first()
    assert row["totp_secret"] and secret not in row["totp_secret"]  # sealed
    stored = [r["code_hash"] for r in await RecoveryCode.select(RecoveryCode.code_hash)]
    assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}  # hashed
    assert await AuditEntry.count().where(AuditEntry.action == "2fa.enabled") == 1
    page = soup(await person.page("/profile"))
    assert not page.select(".recovery-codes")  # shown once
    await _logout(person)

    assert (await _password_step(person)).endswith("/login/2fa")
    # The password alone is not a login.
    response = await person.client.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert (await person.client.get("/login")).url.path == "/login/2fa"  # /login leads to the step
    code = _next_code(secret)
    ok = await _code_step(person, code)
    assert ok.status_code == 200 and ok.url.path == "/dashboard"
    await _logout(person)

    # The same code again: refused (no replay within its window).
    await _password_step(person)
    again = await _code_step(person, code)
    assert again.status_code == 401 and field_error(again.text, "code")
    assert await AuditEntry.count().where(AuditEntry.action == "login.2fa_failed") == 1


async def test_recovery_code_works_once(person: Person):
    await workspace_with_admin()
    await login(person)
    _secret_, codes = await _enable(person)
    await _logout(person)
    await _password_step(person)
    ok = await _code_step(person, codes[0].upper())  # as typed off paper: case and dash do not matter
    assert ok.status_code == 200 and ok.url.path == "/dashboard"
    assert await AuditEntry.count().where(AuditEntry.action == "recovery_codes.used") == 1
    page = soup(await person.page("/profile"))
    assert "9 unused recovery codes left" in page.select_one("#profile-twofactor").get_text()
    await _logout(person)
    await _password_step(person)
    assert (await _code_step(person, codes[0])).status_code == 401


async def test_five_wrong_codes_go_back_to_the_password(person: Person):
    await workspace_with_admin()
    await login(person)
    secret, _codes_ = await _enable(person)
    await _logout(person)
    await _password_step(person)
    for _attempt in range(4):
        assert (await _code_step(person, "123456")).status_code == 401
    last = await person.submit("/login/2fa", "/login/2fa", {"code": "123456"})
    assert last.status_code == 401 and "Too many wrong codes" in last.text
    assert soup(last.text).select_one("input[name=password]")  # the password form again
    response = await person.client.get("/login/2fa", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"  # no pending login left
    # The per-agent limit (10 a minute) now refuses even a right code.
    await _password_step(person)
    for _attempt in range(4):
        await _code_step(person, "123456")
    await _password_step(person)
    limited = await _code_step(person, _next_code(secret))
    assert limited.status_code == 429 and "wait a minute" in limited.text


async def test_pending_login_expires(person: Person):
    from app import clock

    await workspace_with_admin()
    await login(person)
    secret, _codes_ = await _enable(person)
    await _logout(person)
    await _password_step(person)
    html = await person.page("/login/2fa")
    with clock.frozen(clock.now()) as frozen:
        frozen.advance(minutes=6)
        response = await person.client.post("/login/2fa", data={"_csrf_token": csrf_from(html),
                                                                 "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 401 and "expired" in response.text


async def test_disable_needs_password_and_code(person: Person):
    await workspace_with_admin()
    await login(person)
    secret, codes = await _enable(person)
    refused = await person.submit("/profile", "/profile/2fa/disable", {"password": "wrong", "disable_code": "1"},
                                  headers=HTMX)
    assert refused.status_code == 422 and field_error(refused.text, "password")
    bad_code = await person.submit("/profile", "/profile/2fa/disable", {"password": "correct horse",
                                                                            "disable_code": "1"},
                                   headers=HTMX)
    assert bad_code.status_code == 422 and field_error(bad_code.text, "disable_code")
    assert not field_error(bad_code.text, "code")  # not at the codes form's field
    fresh = await person.submit("/profile", "/profile/2fa/codes", {"code": _next_code(secret)}, headers=HTMX)
    new_codes = _codes(fresh.text)
    assert fresh.status_code == 200 and len(new_codes) == 10 and not set(new_codes) & set(codes)
    off = await person.submit("/profile", "/profile/2fa/disable", {"password": "correct horse",
                                                                   "disable_code": new_codes[0]}, headers=HTMX)
    assert off.status_code == 200 and soup(off.text).select_one("#profile-twofactor")["data-two-factor"] == "off"
    assert await RecoveryCode.count() == 0 and await AuditEntry.count().where(AuditEntry.action == "2fa.disabled")
    await _logout(person)
    await login(person)  # the password alone again


async def test_required_two_factor_makes_agents_enrol_at_login(person: Person):
    from app.accounts.service import create_agent_confirmed

    workspace, _ = await workspace_with_admin()
    await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                 password="correct horse")
    await login(person)
    page = soup(await person.page("/admin/security"))
    assert page.select_one(".admin-nav a[aria-current=page]")["href"] == "/admin/security"
    saved = await person.submit("/admin/security", "/admin/security", {"require_2fa": "1"}, headers=HTMX)
    assert saved.status_code == 200 and "<html" not in saved.text
    assert soup(saved.text).select_one("input[name=require_2fa]").has_attr("checked")
    assert await AuditEntry.count().where(AuditEntry.action == "security.require_2fa") == 1
    await _logout(person)

    assert (await _password_step(person, "bea@acme.test")).endswith("/login/enrol")
    for path in ("/dashboard", "/profile", "/tickets"):  # nothing else until enrolled
        response = await person.client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/login"
    html = await person.page("/login/enrol")
    secret = _secret(html)
    assert _secret(await person.page("/login/enrol")) == secret  # the same secret on reload
    wrong = await person.client.post("/login/enrol", data={"_csrf_token": csrf_from(html), "code": "000000"})
    assert wrong.status_code == 422 and field_error(wrong.text, "code")
    done = await person.client.post("/login/enrol", data={"_csrf_token": csrf_from(html),
                                                          "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and len(_codes(done.text)) == 10
    assert re.search(r'href="/dashboard"', done.text)
    assert (await person.client.get("/dashboard")).status_code == 200
    # On with the workspace's switch, it cannot be turned off.
    off = await person.submit("/profile", "/profile/2fa/disable", {"password": "correct horse",
                                                                   "disable_code": _next_code(secret)}, headers=HTMX)
    assert off.status_code == 409


async def test_a_pending_login_can_be_cancelled(person: Person):
    await workspace_with_admin()
    await login(person)
    await _enable(person)
    await _logout(person)
    await _password_step(person)
    page = await person.page("/login/2fa")
    form = soup(page).select_one("form.cancel-login")
    response = await person.client.post(form["action"], data={"_csrf_token": csrf_from(page)})
    assert response.url.path == "/login" and soup(response.text).select_one("input[name=password]")


async def test_a_stale_enrolment_cannot_replace_a_second_factor(database):
    # A pending "enrol" login begun before the agent turned 2FA on in their profile must not
    # overwrite their secret and recovery codes.
    from app.accounts import twofactor
    from app.accounts.tables import Agent
    from app.errors import NotAuthenticated
    from tests import factories

    _workspace, admin = await factories.workspace()
    viewer = await factories.viewer(admin)
    mine = twofactor.new_secret()
    await twofactor.enable(viewer, mine, pyotp.TOTP(mine).now())
    before = await Agent.select(Agent.totp_secret).where(Agent.id == admin["id"]).first()
    theirs = twofactor.new_secret()
    with pytest.raises(NotAuthenticated):
        await twofactor.enrol_at_login(admin["id"], viewer.session_version, theirs, pyotp.TOTP(theirs).now())
    assert await Agent.select(Agent.totp_secret).where(Agent.id == admin["id"]).first() == before


async def test_requiring_two_factor_login_ends_the_sessions_of_agents_without_it(database):
    from app.accounts.service import create_agent_confirmed
    from app.accounts.viewer import load_viewer
    from app.profile.admin import set_require_2fa
    from tests import factories

    workspace, admin = await factories.workspace()
    ann = await factories.viewer(admin)
    bea = await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                       password="correct horse")
    bea_version = (await load_viewer(bea["id"])).session_version
    await set_require_2fa(ann, True)
    assert (await load_viewer(bea["id"])).session_version != bea_version  # Bea's session is stale now
    assert (await load_viewer(admin["id"])).session_version == ann.session_version  # the admin's stays
