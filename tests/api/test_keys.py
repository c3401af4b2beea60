"""Per-agent API keys (app/api/keys.py): who may make and delete them, what a key opens, and that
its last use is written at most once a minute."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import clock
from app.accounts.service import create_agent_confirmed
from app.accounts.tables import Agent
from app.api import keys
from app.api.tables import ApiKey
from app.errors import Forbidden, NotFound
from app.workspaces.tables import Workspace
from tests import factories
from tests.journeys import workspace_with_admin


@pytest.fixture
async def people(database):
    workspace, admin = await workspace_with_admin()
    bea = await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                       password="correct horse")
    other_ws, other_admin = await workspace_with_admin(email="olga@other.test", company="Other")
    return {"ann": await factories.viewer(admin), "bea": await factories.viewer(bea),
            "olga": await factories.viewer(other_admin), "bea_row": bea, "workspace": workspace}


async def test_a_key_acts_as_its_agent_and_is_stored_only_hashed(people):
    key = await keys.generate_key(people["ann"], people["bea_row"]["id"], "shop sync")
    user = await keys.authenticate(key, "192.0.2.1")
    assert user.viewer.agent_id == people["bea_row"]["id"] and user.viewer.workspace_id == people["workspace"]["id"]
    row = await ApiKey.select().first()
    assert key not in str(row) and row["key_hash"] == keys.key_hash(key) and row["label"] == "shop sync"
    assert row["last_used_from"] == "192.0.2.1"
    assert await keys.authenticate(key + "x") is None and await keys.authenticate("") is None
    assert await keys.authenticate("k" * 5000) is None


async def test_last_use_is_written_at_most_once_a_minute(people):
    key = await keys.generate_key(people["bea"], people["bea_row"]["id"])
    await keys.authenticate(key, "192.0.2.1")
    first = (await ApiKey.select(ApiKey.last_used_at).first())["last_used_at"]
    await keys.authenticate(key, "192.0.2.2")
    row = await ApiKey.select().first()
    assert row["last_used_at"] == first and row["last_used_from"] == "192.0.2.1"
    with clock.frozen(clock.now() + timedelta(seconds=61)):
        await keys.authenticate(key, "192.0.2.3")
    assert (await ApiKey.select().first())["last_used_from"] == "192.0.2.3"


async def test_an_agent_manages_only_their_own_keys(people):
    with pytest.raises(Forbidden):
        await keys.generate_key(people["bea"], people["ann"].agent_id)
    mine = await keys.generate_key(people["ann"], people["ann"].agent_id)
    [row] = await keys.list_keys(people["ann"])
    assert await keys.list_keys(people["bea"]) == []
    with pytest.raises(NotFound):
        await keys.delete_key(people["bea"], row["id"])
    with pytest.raises(NotFound):  # another workspace's superadmin
        await keys.delete_key(people["olga"], row["id"])
    with pytest.raises(NotFound):
        await keys.generate_key(people["olga"], people["ann"].agent_id)
    assert await keys.authenticate(mine) is not None
    await keys.delete_key(people["ann"], row["id"])
    assert await keys.authenticate(mine) is None


async def test_a_deactivated_agent_or_cancelled_workspace_opens_nothing(people):
    key = await keys.generate_key(people["ann"], people["bea_row"]["id"])
    await Agent.update({Agent.active: False}).where(Agent.id == people["bea_row"]["id"])
    assert await keys.authenticate(key) is None
    await Agent.update({Agent.active: True}).where(Agent.id == people["bea_row"]["id"])
    assert await keys.authenticate(key) is not None
    await Workspace.update({Workspace.cancelled_at: clock.now()}).where(Workspace.id == people["workspace"]["id"])
    assert await keys.authenticate(key) is None
