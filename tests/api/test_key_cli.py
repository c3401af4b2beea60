"""`helprealm api-key --email AGENT [--label TEXT]`: a new REST key for that agent alone on stdout;
an unknown address exits 1 with a clear message."""

from __future__ import annotations

import asyncio

import pytest

from app import cli
from app.api import keys
from app.config import load_settings


def _run(config, check):
    return asyncio.run(cli._with_database(load_settings(config), check))


def test_cli_prints_a_key_that_acts_as_the_agent(tmp_path, capsys):
    config = tmp_path / "app.toml"
    config.write_text('[server]\nsecret_key = "cli-test"\n')
    cli.main(["create-workspace", "--config", str(config), "--company", "Acme", "--name", "Ann Admin",
              "--email", "ann@acme.test", "--password", "correct horse"])
    capsys.readouterr()
    cli.main(["api-key", "--config", str(config), "--email", " Ann@Acme.test ", "--label", "Nightly sync"])
    captured = capsys.readouterr()
    key = captured.out.strip()
    assert captured.out == key + "\n" and key.startswith(keys.PREFIX) and captured.err == ""

    async def check():
        from app.api.tables import ApiKey

        user = await keys.authenticate(key)
        return user.viewer.email, (await ApiKey.select(ApiKey.label, ApiKey.created_by).first())

    email, row = _run(config, check)
    assert email == "ann@acme.test" and row == {"label": "Nightly sync", "created_by": None}

    with pytest.raises(SystemExit, match="no agent with the e-mail address 'nobody@acme.test'") as exit_:
        cli.main(["api-key", "--config", str(config), "--email", "nobody@acme.test"])
    assert str(exit_.value.code).startswith("helprealm:")  # sys.exit(message): status 1
    with pytest.raises(SystemExit, match="Label may have at most 100"):
        cli.main(["api-key", "--config", str(config), "--email", "ann@acme.test", "--label", "x" * 101])
    assert capsys.readouterr().out == ""
