"""Shared setup of the HelpRealm API tests: a workspace with its API switched on and a token."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.testing import AsyncTestClient

from app.tickets.queries import ticket_types
from app.workspaces import api_access
from tests import factories
from tests.journeys import workspace_with_admin


@dataclass
class Api:
    client: AsyncTestClient
    workspace: dict
    admin: dict
    token: str
    type_id: int

    @property
    def key(self) -> str:
        return self.workspace["key"]

    async def call(self, endpoint: str, key: str | None = None, files=None, **fields):
        """POST /api/{key}/ticket/{endpoint} with the token (unless `apitoken` is given) and `fields`."""
        data = {"apitoken": self.token, **fields}
        data = {name: value for name, value in data.items() if value is not None}
        return await self.client.post(f"/api/{key or self.key}/ticket/{endpoint}", data=data, files=files)

    def ticket_fields(self, **fields) -> dict:
        return {"subject": "Printer on fire", "text": "It is really on fire.", "name": "Sally Doe",
                "email": "sally@customer.test", "type": str(self.type_id), "prio": "2", **fields}

    async def create(self, **fields) -> dict:
        response = await self.call("create", **self.ticket_fields(**fields))
        assert response.status_code == 201, response.text
        return response.json()["data"]


async def switched_on(client: AsyncTestClient, email: str = "ann@acme.test", company: str = "Acme") -> Api:
    workspace, admin = await workspace_with_admin(email=email, company=company)
    viewer = await factories.viewer(admin)
    token = await api_access.generate_token(workspace["id"], viewer)
    await api_access.set_access(workspace["id"], viewer, True)
    type_id = (await ticket_types(workspace["id"]))[0]["id"]
    return Api(client, workspace, admin, token, type_id)
