"""Shared fixtures: settings in a temporary folder, the app with its lifespan, people using it."""

from __future__ import annotations

import os

import pytest
from litestar.testing import AsyncTestClient

from app import db
from app.asgi import create_app
from app.config import Settings
from tests.helpers import Person

pytest_plugins = ["tests.fixtures.smtp", "tests.fixtures.dovecot"]

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture
def settings(tmp_path) -> Settings:
    """A private installation: own database, index and attachments; no wait between tickets."""
    return Settings(root=str(tmp_path)).replace(
        server={"base_url": "http://helprealm.test", "secret_key": "test-secret"},
        limits={"ticket_wait_seconds": 0},
        api={"ticket_wait_seconds": 0},
        webhooks={"allow_private_hosts": True},  # the tests' receivers listen on 127.0.0.1
    )


@pytest.fixture
async def app(settings):
    application = create_app(settings)
    yield application
    await db.ENGINE.close()  # connections the test's own loop opened


@pytest.fixture
async def client(app):
    async with AsyncTestClient(app=app, base_url="http://helprealm.test") as client:
        yield client


@pytest.fixture
async def person(client) -> Person:
    return Person(client)


@pytest.fixture
async def database(settings):
    """The installation's database, migrated, without serving the app (service-level tests).
    The app is built (not started): that configures the engine and the links mails carry."""
    from app.migrate import migrate

    create_app(settings)
    await migrate()
    yield db.ENGINE
    await db.ENGINE.close()


@pytest.fixture
async def engine(tmp_path):
    """Just the engine on a migrated file: no app, no links (the engine's own tests)."""
    from app.migrate import migrate

    db.configure(tmp_path / "db.sqlite")
    await migrate()
    yield db.ENGINE
    await db.ENGINE.close()
