"""The event streams over a real server (uvicorn on a loopback port): the test client reads a
response to its end, and these never end on their own."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest
import uvicorn

from app.accounts.service import create_agent_confirmed
from app.accounts.tables import AgentGroup, GroupMember
from app.tickets import service
from app.tickets.inputs import Reply
from tests import factories
from tests.helpers import Person, csrf_from, free_port, soup
from tests.journeys import login

WAIT = 10  # seconds an expected event may take on a busy machine (it takes milliseconds)


@pytest.fixture
async def served(app):
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the server did not start"
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(task, WAIT)


@contextlib.asynccontextmanager
async def browser(base_url: str, email: str):
    async with httpx.AsyncClient(base_url=base_url, follow_redirects=True, timeout=WAIT) as client:
        await login(Person(client), email=email)
        yield client


class Stream:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.aiter_lines()

    async def next(self, kind: str | None = None) -> tuple[str, str]:
        """The next event (of `kind`, skipping others) as (event, data); comments are skipped."""
        while True:
            event, data = await asyncio.wait_for(self._one(), WAIT)
            if kind is None or event == kind:
                return event, data

    async def _one(self) -> tuple[str, str]:
        event, data = "message", []
        async for line in self.lines:
            if line == "":
                if data:
                    return event, "\n".join(data)
                event = "message"
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
        raise AssertionError("the stream ended")


@contextlib.asynccontextmanager
async def stream(client: httpx.AsyncClient, url: str):
    async with client.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store" and "content-security-policy" in response.headers
        yield Stream(response)


async def _team():
    workspace, ann = await factories.workspace()
    bea = await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                       password="correct horse")
    group = await AgentGroup.select(AgentGroup.id).where(AgentGroup.workspace == workspace["id"]).first()
    await GroupMember(group=group["id"], agent=bea["id"]).save()
    ticket = await factories.ticket(workspace)
    return workspace, ann, bea, ticket


async def test_presence_typing_and_changes_reach_the_other_agent(served):
    workspace, ann, bea, ticket = await _team()
    async with browser(served, "ann@acme.test") as ann_client, browser(served, "bea@acme.test") as bea_client:
        async with stream(ann_client, "/tickets/1/events") as ann_stream:
            assert await ann_stream.next() == ("presence", "")  # alone on the ticket
            async with stream(bea_client, "/tickets/1/events") as bea_stream:
                _, bea_sees = await bea_stream.next("presence")
                assert "Ann Admin is viewing" in bea_sees
                _, ann_sees = await ann_stream.next("presence")
                assert soup(ann_sees).select_one("[data-agent]")["data-agent"] == str(bea["id"])

                page = await bea_client.get("/tickets/1")
                typing = await bea_client.post("/tickets/1/typing", headers={"x-csrftoken": csrf_from(page.text)})
                assert typing.status_code == 204
                assert (await bea_client.post("/tickets/1/typing")).status_code == 403  # CSRF, like every POST
                _, ann_sees = await ann_stream.next("presence")
                assert "Bea Agent is writing a reply" in ann_sees

                await service.customer_reply(workspace, ticket["hash"], Reply("It is still on fire!"))
                assert json.loads((await ann_stream.next("changed"))[1]) == {"by": None, "posts": ["customer"]}
                assert (await bea_stream.next("changed"))[0] == "changed"
            # Bea closed her tab: Ann sees her go at once
            assert await ann_stream.next("presence") == ("presence", "")


async def test_a_ticket_out_of_sight_is_404_and_another_workspace_never_reaches_a_stream(served):
    workspace, ann, bea, ticket = await _team()
    other, bob = await factories.workspace(company="Other", email="bob@other.test", name="Bob Other")
    other_ticket = await factories.ticket(other, subject="Secret of Other")
    async with browser(served, "ann@acme.test") as client:
        assert (await client.get("/tickets/2/events")).status_code == 404  # Acme has no #2 (Other's is its #1)
        assert (await client.post("/tickets/2/typing", headers={
            "x-csrftoken": csrf_from((await client.get("/tickets/1")).text)})).status_code == 404
        async with stream(client, "/tickets/1/events") as ticket_stream, \
                stream(client, "/tickets/events") as list_stream:
            await ticket_stream.next("presence")
            # Other's ticket #1 changes: same number, other workspace; then Acme's changes
            await service.add_note(await factories.viewer(bob), other_ticket["number"], Reply("Other's business"))
            await service.add_note(await factories.viewer(bea), ticket["number"], Reply("Acme's business"))
            event, data = await ticket_stream.next()
            assert event == "changed" and json.loads(data)["by"] == bea["id"]  # the first thing it got is Acme's
            event, notice = await list_stream.next()
            assert event == "changed" and soup(notice).select_one("[data-count]")["data-count"] == "1"
    async with httpx.AsyncClient(base_url=served) as anonymous:
        assert (await anonymous.get("/tickets/1/events")).status_code == 303


async def test_an_agent_outside_the_group_gets_404(served):
    workspace, ann, bea, ticket = await _team()
    await create_agent_confirmed(workspace["id"], email="cid@acme.test", first_name="Cid", last_name="Nogroup",
                                 password="correct horse")
    async with browser(served, "cid@acme.test") as client:
        assert (await client.get("/tickets/1/events")).status_code == 404
        assert (await client.get("/tickets/1")).status_code == 404
