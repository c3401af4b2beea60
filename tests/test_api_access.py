"""The workspace API token: shown once, stored hashed, regenerating revokes the old one; the
access switch; the `helprealm api-token` command; superadmins only."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from app import cli
from app.audit.tables import AuditEntry
from app.config import load_settings
from app.workspaces import api_access
from app.workspaces.api_access import WorkspaceApi, verify_api_token
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, soup
from tests.journeys import login, workspace_with_admin


async def audit_rows() -> list[dict]:
    """This part's audit rows (app/audit), without the logins'."""
    rows = await AuditEntry.select().order_by(AuditEntry.id).output(load_json=True)
    return [row for row in rows if row["action"].startswith("api_")]


async def _post(person: Person, url: str, data: dict | None = None, htmx: bool = True):
    html = await person.page("/admin/api")
    return await person.client.post(url, data={"_csrf_token": csrf_from(html), **(data or {})},
                                    headers=HTMX if htmx else None)


async def test_token_shown_once_hashed_at_rest_and_old_one_revoked(client):
    workspace, _admin = await workspace_with_admin()
    person = Person(client)
    await login(person)
    assert soup(await person.page("/admin/api")).select_one("[data-token-state=none]")
    response = await _post(person, "/admin/api/token")
    assert "<html" not in response.text  # the HTMX partial
    first = soup(response.text).select_one("[data-token]").get_text()
    assert len(first) >= 40
    page = await person.page("/admin/api")
    assert first not in page and soup(page).select_one("[data-token-state=set]")  # never shown again
    row = await WorkspaceApi.select().where(WorkspaceApi.workspace == workspace["id"]).first()
    assert row["token_hash"] == hashlib.sha256(first.encode()).hexdigest() and first not in repr(row)
    assert not await verify_api_token(workspace, first)  # access is off
    await _post(person, "/admin/api/access", {"enabled": "on"}, htmx=False)
    assert await verify_api_token(workspace, first)
    second = soup((await _post(person, "/admin/api/token", htmx=False)).text).select_one("[data-token]").get_text()
    assert second != first
    assert not await verify_api_token(workspace, first) and await verify_api_token(workspace, second)
    assert not await verify_api_token(workspace, "") and not await verify_api_token(workspace, "x" * 10_000)
    await _post(person, "/admin/api/access", {}, htmx=False)
    assert not await verify_api_token(workspace, second)
    audit = await audit_rows()
    assert [r["action"] for r in audit] == ["api_token.generated", "api_access.changed", "api_token.generated",
                                            "api_access.changed"]
    assert first not in repr(audit) and second not in repr(audit)


async def test_tokens_are_per_workspace(database):
    one, admin_one = await factories.workspace(company="One", email="one@one.test")
    two, admin_two = await factories.workspace(company="Two", email="two@two.test")
    token = await api_access.generate_token(one["id"], None)
    await api_access.set_access(one["id"], None, True)
    await api_access.set_access(two["id"], None, True)
    assert await verify_api_token(one, token)
    assert not await verify_api_token(two, token)
    assert not await verify_api_token(two["id"], token)


async def test_plain_agents_get_403(client):
    from app.accounts.service import create_agent_confirmed

    workspace, _admin = await workspace_with_admin()
    await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                 password="correct horse")
    person = Person(client)
    await login(person, email="bea@acme.test")
    html = await person.page("/dashboard")
    for url in ("/admin/mail", "/admin/api"):
        assert (await person.client.get(url)).status_code == 403
    for url in ("/admin/mail", "/admin/mail/test-smtp", "/admin/mail/test-imap", "/admin/api/token",
                "/admin/api/access"):
        response = await person.client.post(url, data={"_csrf_token": csrf_from(html)})
        assert response.status_code == 403, url
    assert await WorkspaceApi.count() == 0


async def test_admin_writes_need_csrf(client):
    await workspace_with_admin()
    person = Person(client)
    await login(person)
    for url in ("/admin/mail", "/admin/mail/test-smtp", "/admin/api/token", "/admin/api/access"):
        assert (await person.client.post(url, data={"enabled": "on"})).status_code == 403, url
    assert await WorkspaceApi.count() == 0


def test_cli_prints_a_working_token(tmp_path, capsys):
    config = tmp_path / "app.toml"
    config.write_text('[server]\nsecret_key = "cli-test"\n')
    cli.main(["create-workspace", "--config", str(config), "--company", "Acme", "--name", "Ann Admin",
              "--email", "ann@acme.test", "--password", "correct horse"])
    key = capsys.readouterr().out.split("Public page: ")[1].split()[0].rstrip("/").rsplit("/", 1)[1]
    cli.main(["api-token", "--config", str(config), "--workspace", key, "--enable"])
    token = capsys.readouterr().out.strip()
    cli.main(["api-token", "--config", str(config), "--workspace", key])
    captured = capsys.readouterr()
    newer = captured.out.strip()
    assert newer != token and "API access is" not in captured.err  # still on from before

    async def check():
        from app.workspaces.service import get_by_key

        workspace = await get_by_key(key)
        return await verify_api_token(workspace, token), await verify_api_token(workspace, newer)

    assert asyncio.run(cli._with_database(load_settings(config), check)) == (False, True)
    with pytest.raises(SystemExit, match="no workspace"):
        cli.main(["api-token", "--config", str(config), "--workspace", "0" * 32])
