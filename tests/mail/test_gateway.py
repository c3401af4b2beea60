"""The workspace's mail gateway token: its own secret, shown once, hashed at rest, revocable."""

from __future__ import annotations

import asyncio

import pytest

from app import cli
from app.audit.tables import AuditEntry
from app.config import load_settings
from app.mail import gateway
from app.workspaces import api_access
from tests import factories


async def test_a_token_works_until_the_next_one_and_is_not_the_api_token(database):
    workspace, ann = await factories.workspace()
    other, _bea = await factories.workspace(company="Other", email="bea@other.test")
    assert not await gateway.verify_mail_token(workspace["id"], "")  # none yet
    first = await gateway.generate_token(workspace["id"], await factories.viewer(ann))
    row = await gateway.MailGateway.select().first()
    assert first not in str(row) and row["token_hint"] == first[:6]  # stored as a hash only
    assert await gateway.verify_mail_token(workspace["id"], first)
    assert not await gateway.verify_mail_token(other["id"], first)  # another workspace's: nothing
    second = await gateway.generate_token(workspace["id"], None)
    assert not await gateway.verify_mail_token(workspace["id"], first)
    assert await gateway.verify_mail_token(workspace["id"], second)
    for bad in (second + "x", second[:-1], "x" * 5000, None, 42):
        assert not await gateway.verify_mail_token(workspace["id"], bad)
    # The API token is another secret: one does not open the other.
    api = await api_access.generate_token(workspace["id"], None)
    await api_access.set_access(workspace["id"], None, True)
    assert not await gateway.verify_mail_token(workspace["id"], api)
    assert not await api_access.verify_api_token(workspace["id"], second)
    actions = [a["action"] for a in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert actions.count("mail_token.generated") == 2


def test_the_cli_prints_a_working_token(tmp_path, capsys):
    config = tmp_path / "app.toml"
    config.write_text('[server]\nsecret_key = "cli-test"\n')
    cli.main(["create-workspace", "--config", str(config), "--company", "Acme", "--name", "Ann Admin",
              "--email", "ann@acme.test", "--password", "correct horse"])
    key = capsys.readouterr().out.split("Public page: ")[1].split()[0].rstrip("/").rsplit("/", 1)[1]
    cli.main(["mail-token", "--config", str(config), "--workspace", key])
    token = capsys.readouterr().out.strip()

    async def check():
        from app.workspaces.service import get_by_key

        return await gateway.verify_mail_token((await get_by_key(key))["id"], token)

    assert asyncio.run(cli._with_database(load_settings(config), check))
    with pytest.raises(SystemExit, match="no workspace"):
        cli.main(["mail-token", "--config", str(config), "--workspace", "0" * 32])
