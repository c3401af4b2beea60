"""`helprealm reindex` rebuilds the FAQ's index beside the tickets'."""

from __future__ import annotations

import asyncio

from app import cli
from app.config import load_settings
from app.search.faq import FaqIndex


def test_reindex_rebuilds_the_faq_index(tmp_path, capsys):
    config = tmp_path / "app.toml"
    config.write_text('[server]\nsecret_key = "cli-test"\n')
    cli.main(["create-workspace", "--config", str(config), "--company", "Acme", "--name", "Ann Admin",
              "--email", "ann@acme.test", "--password", "correct horse"])
    capsys.readouterr()
    settings = load_settings(config)

    async def add():
        from app.faq.service import add_entry
        from app.workspaces.tables import Workspace

        workspace = await Workspace.select(Workspace.id).first()
        await add_entry(workspace["id"], "Opening hours", "Monday to Friday.")  # no server listening
        return workspace["id"]

    workspace_id = asyncio.run(cli._with_database(settings, add))
    cli.main(["reindex", "--config", str(config)])
    assert "Indexed 0 tickets and 1 FAQ entries" in capsys.readouterr().out
    index = FaqIndex(settings.index_path)
    try:
        assert len(index.search(workspace_id, "hours", 3)) == 1
        assert index.search(workspace_id + 1, "hours", 3) == []
    finally:
        index.close()
