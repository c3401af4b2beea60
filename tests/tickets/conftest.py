"""Fixtures the ticket tests share."""

from __future__ import annotations

import pytest

from app.accounts.service import create_agent_confirmed
from tests import factories


@pytest.fixture
async def desk(database):
    """A workspace with Ann (its superadmin) and Bea (an agent in no group): (workspace, ann, bea)
    as viewers."""
    workspace, admin = await factories.workspace()
    bea = await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                       password="correct horse")
    return workspace, await factories.viewer(admin), await factories.viewer(bea)
