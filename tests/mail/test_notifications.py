"""Every notification of issue 11 §7, as the outbox holds it: recipient, language, parts, headers;
and through a real SMTP server (aiosmtpd) the From and Reply-To of both kinds of server."""

from __future__ import annotations

import pytest

from app import clock
from app.accounts.service import create_agent_confirmed
from app.accounts.tables import Agent
from app.config import MailSettings
from app.db import write
from app.errors import NotFound
from app.groups import service as groups
from app.mail import messages, thread_ids, workspace_mail
from app.mail.outbox import OutboxSender
from app.mail.quotes import REPLY_ABOVE
from app.mail.tables import OutboxMail
from app.mail.workspace_mail import MailInput
from app.tickets import service as tickets
from app.tickets.inputs import Channel, FieldChanges, NewTicket, Reply
from app.tickets.queries import default_group_id, ticket_types
from app.tickets.service import BulkAction, BulkChange
from app.tickets.status import Status
from app.tickets.tables import TicketParticipant
from app.workspaces.service import update_settings
from tests import factories


@pytest.fixture
def settings(settings):
    """The test SMTP servers listen on 127.0.0.1."""
    return settings.replace(mail={"allow_private_hosts": True})


async def _mails(purpose: str) -> list[dict]:
    return await OutboxMail.select().where(OutboxMail.purpose == purpose).order_by(OutboxMail.id).output(
        load_json=True)


async def _desk():
    """Acme, its admin Ann, and Bea (German, Europe/Berlin), both in the default group."""
    workspace, admin = await factories.workspace()
    ann = await factories.viewer(admin)
    bea = await create_agent_confirmed(workspace["id"], email="bea@acme.test", first_name="Bea", last_name="Agent",
                                       password="correct horse")
    await Agent.update({Agent.lang: "de", Agent.time_zone: "Europe/Berlin"}).where(Agent.id == bea["id"])
    await groups.add_member(ann, await default_group_id(workspace["id"]), bea["id"])
    return workspace, ann, bea


# -- assigned -> the agent ---------------------------------------------------------------------

async def test_assigned_by_someone_else_mails_the_agent_in_their_language(database):
    workspace, ann, bea = await _desk()
    ticket = await factories.ticket(workspace, subject="Printer on fire")
    await tickets.assign(ann, ticket["number"], bea["id"])

    [mail] = await _mails("ticket_assigned")
    assert mail["to_address"] == "bea@acme.test" and mail["ticket"] == ticket["id"]
    assert mail["subject"] == f"Ihnen zugewiesen: #{ticket['number']} Printer on fire"  # Bea reads German
    assert mail["body_text"].startswith("Hallo Bea Agent,")  # her language, not Ann's
    assert "Ann Admin" in mail["body_text"] and "Ann Admin" in mail["body_html"]
    assert f"http://helprealm.test/tickets/{ticket['number']}" in mail["body_text"]
    assert ticket["hash"] not in mail["body_text"] + mail["body_html"]  # never the customer's secret link
    assert REPLY_ABOVE not in mail["body_text"]  # not a mail to answer
    assert "Auto-Submitted" not in mail["headers"]  # the default: auto-generated


async def test_no_mail_when_the_agent_takes_it_or_nothing_changes(database):
    workspace, ann, bea = await _desk()
    ticket = await factories.ticket(workspace)
    await tickets.take(ann, ticket["number"])
    await tickets.update_fields(ann, ticket["number"], FieldChanges(assignee=ann.agent_id, prio=2))
    assert await _mails("ticket_assigned") == []
    bea_viewer = await factories.viewer(bea)
    await tickets.update_fields(ann, ticket["number"], FieldChanges(assignee=bea["id"]))
    await tickets.update_fields(bea_viewer, ticket["number"], FieldChanges(assignee=bea["id"], prio=3))
    assert [m["to_address"] for m in await _mails("ticket_assigned")] == ["bea@acme.test"]


async def test_bulk_and_round_robin_assignments_mail_the_agent(database):
    workspace, ann, bea = await _desk()
    for subject in ("One", "Two"):
        await factories.ticket(workspace, subject=subject)
    result = await tickets.bulk_change(ann, BulkChange(numbers=(1, 2), action=BulkAction.ASSIGN, value=bea["id"]))
    assert result.changed == [1, 2]
    assert [m["subject"] for m in await _mails("ticket_assigned")] == ["Ihnen zugewiesen: #1 One",
                                                                         "Ihnen zugewiesen: #2 Two"]
    await OutboxMail.delete(force=True)

    await groups.set_auto_assign(ann, await default_group_id(workspace["id"]), True, 0)
    await Agent.update({Agent.active: False}).where(Agent.id == ann.agent_id)  # only Bea is eligible
    ticket = await factories.ticket(workspace, subject="Automatic")
    assert ticket["assignee"] == bea["id"]
    [mail] = await _mails("ticket_assigned")
    assert mail["to_address"] == "bea@acme.test" and "Ann" not in mail["body_text"]  # nobody assigned it
    assert "automatisch zugewiesen" in mail["body_text"]  # in Bea's German


async def test_no_mail_to_an_inactive_agent_or_another_workspaces(database):
    workspace, _ann, bea = await _desk()
    other, stranger = await factories.workspace("Globex", email="gil@globex.test", name="Gil Globex")
    ticket = await factories.ticket(workspace)
    await Agent.update({Agent.active: False}).where(Agent.id == bea["id"])

    async def assigned_to(agent_id: int) -> None:
        async with write():
            await messages.queue_ticket_assigned(workspace=workspace, ticket={**ticket, "assignee": agent_id},
                                                 agent_id=agent_id, by="Ann")

    for agent_id in (bea["id"], stranger["id"]):
        await assigned_to(agent_id)
    await Agent.update({Agent.active: True, Agent.confirmed: False}).where(Agent.id == bea["id"])
    await assigned_to(bea["id"])  # an address not proven hers
    assert await _mails("ticket_assigned") == []
    await Agent.update({Agent.confirmed: True}).where(Agent.id == bea["id"])
    await assigned_to(bea["id"])
    assert len(await _mails("ticket_assigned")) == 1


# -- confirmed -> customer ---------------------------------------------------------------------

async def test_confirming_mails_the_customer_once_with_the_permalink(database):
    workspace, _admin = await factories.workspace()
    workspace = await update_settings(workspace["id"], confirm_email=True)
    type_id = (await ticket_types(workspace["id"]))[0]["id"]
    created = await tickets.create_ticket(workspace, NewTicket(
        name="Sally", email="sally@customer.test", subject="Hi", text="Hello", type_id=type_id, prio=1,
        channel=Channel.WEB))
    assert await _mails("ticket_confirmed") == []
    assert await tickets.confirm_ticket(workspace, created.ticket["hash"], created.confirmation_token)
    assert not await tickets.confirm_ticket(workspace, created.ticket["hash"], created.confirmation_token)

    [mail] = await _mails("ticket_confirmed")
    assert mail["to_address"] == "sally@customer.test"
    assert mail["subject"] == f"Confirmed: Hi [ID:{created.ticket['hash']}]"
    permalink = f"http://helprealm.test/{workspace['key']}/ticket/show/{created.ticket['hash']}"
    assert permalink in mail["body_text"] and permalink in mail["body_html"]
    assert mail["body_text"].startswith(REPLY_ABOVE + "\n") and "is now open" in mail["body_text"]
    assert mail["headers"]["Auto-Submitted"] == "auto-generated"
    assert thread_ids.tickets_referenced(mail["headers"]["In-Reply-To"], mail["headers"]["References"]) == [
        created.ticket["hash"]]


# -- new ticket -> customer: which Auto-Submitted ----------------------------------------------

@pytest.mark.parametrize(("channel", "expected"), [(Channel.MAIL, "auto-replied"), (Channel.WEB, "auto-generated"),
                                                   (Channel.API, "auto-generated")])
async def test_the_answer_to_a_customers_own_mail_is_auto_replied(database, channel, expected):
    workspace, _admin = await factories.workspace()
    ticket = await factories.ticket(workspace, channel=channel)
    [mail] = await _mails("ticket_created")
    assert mail["to_address"] == "sally@customer.test" and mail["headers"]["Auto-Submitted"] == expected
    assert mail["body_text"].startswith(REPLY_ABOVE) and f"[ID:{ticket['hash']}]" in mail["subject"]
    assert REPLY_ABOVE in mail["body_html"].split("<body", 1)[1].split("Hello", 1)[0]  # before the greeting


async def test_resolved_and_closed_by_hand_mail_the_customer(database):
    workspace, admin = await factories.workspace()
    ann = await factories.viewer(admin)
    await factories.ticket(workspace)
    await tickets.update_fields(ann, 1, FieldChanges(status=Status.RESOLVED))
    await tickets.update_fields(ann, 1, FieldChanges(status=Status.CLOSED))
    mails = await _mails("status_changed")
    assert [m["subject"].split(":")[0] for m in mails] == ["Resolved", "Closed"]
    assert all(m["body_text"].startswith(REPLY_ABOVE) and m["headers"]["Auto-Submitted"] == "auto-generated"
               for m in mails)


# -- agent reply -> customer and CC participants -----------------------------------------------

async def _participants(ticket: dict, *emails: tuple[str, str]) -> None:
    async with write():
        for email, name in emails:
            await TicketParticipant(workspace=ticket["workspace"], ticket=ticket["id"], email=email, name=name,
                                    created_at=clock.now()).save()


async def test_agent_reply_goes_to_the_customer_and_a_copy_to_each_participant(database, caplog):
    workspace, ann, _bea = await _desk()
    ticket = await factories.ticket(workspace, subject="Printer on fire")
    await _participants(ticket, ("cc@customer.test", "Carl Copy"), ("not an address", "Mallory"),
                        ("sally@customer.test", "Sally again"), ("x@" + "a" * 300 + ".test", ""),
                        ("dora@customer.test", ""))
    await tickets.agent_reply(ann, ticket["number"], Reply("Unplug it <now>."))

    [to_customer] = await _mails("agent_reply")
    copies = await _mails("participant_reply")
    assert to_customer["to_address"] == "sally@customer.test"
    assert [m["to_address"] for m in copies] == ["cc@customer.test", "dora@customer.test"]
    assert "not an address" in caplog.text  # skipped and logged, the others went out
    permalink = f"/{workspace['key']}/ticket/show/{ticket['hash']}"
    assert permalink in to_customer["body_text"]
    for copy in copies:
        assert ticket["hash"] not in copy["body_text"].replace(f"[ID:{ticket['hash']}]", "")
        assert permalink not in copy["body_text"] + copy["body_html"]  # the customer's credential stays theirs
        assert copy["subject"] == to_customer["subject"] == f"Re: Printer on fire [ID:{ticket['hash']}]"
        assert copy["body_text"].startswith(REPLY_ABOVE + "\n") and "Unplug it <now>." in copy["body_text"]
        assert "Unplug it &lt;now&gt;." in copy["body_html"] and "Sally Doe" in copy["body_text"]
        # The same signed thread ids: the participant's answer threads into the ticket.
        assert thread_ids.tickets_referenced(copy["message_id"], copy["headers"]["References"]) == [ticket["hash"]]
        assert copy["message_id"] != to_customer["message_id"]
    assert copies[0]["body_text"].split("\n")[3] == "Hello Carl Copy,"
    assert copies[1]["body_text"].split("\n")[3] == "Hello,"
    # A person wrote it: not auto-submitted (RFC 3834 §5).
    assert {m["headers"]["Auto-Submitted"] for m in [to_customer, *copies]} == {"no"}


# -- From and Reply-To on the wire -------------------------------------------------------------

def _form(port: int, **extra) -> dict:
    return {"enabled": "on", "smtp_host": "127.0.0.1", "smtp_port": str(port), "smtp_security": "none",
            "address": "help@acme.test", "sender_name": "Acme Help", **extra}


def _installation(port: int) -> MailSettings:
    return MailSettings(smtp_host="127.0.0.1", smtp_port=port, from_address="desk@helprealm.test",
                        from_name="HelpRealm", allow_private_hosts=True)


async def _reply_and_assign(workspace: dict, ann, bea) -> dict:
    ticket = await factories.ticket(workspace)
    await tickets.agent_reply(ann, ticket["number"], Reply("On it."))
    await tickets.assign(ann, ticket["number"], bea["id"])
    return ticket


async def test_through_the_installations_server_from_is_ours_and_reply_to_the_workspace(database, smtp_server):
    workspace, ann, bea = await _desk()
    # The workspace set its address but sends through the installation's server.
    await workspace_mail.save(ann, MailInput.from_form(_form(1, enabled="")))
    await _reply_and_assign(workspace, ann, bea)
    await OutboxSender(_installation(smtp_server.port)).run_once()

    created, reply, assigned = (next(m for m in smtp_server.messages if m["Subject"].startswith(prefix))
                                for prefix in ("Your request", "Re:", "Ihnen zugewiesen"))  # Bea reads German
    for customer_mail in (created, reply):
        assert customer_mail["From"] == "Acme <desk@helprealm.test>"  # SPF and DMARC hold for our domain
        assert customer_mail["Reply-To"] == "help@acme.test"  # answers reach the workspace
    assert smtp_server.mailbox.envelopes[0][0] == "desk@helprealm.test"
    assert assigned["From"] == "Acme <desk@helprealm.test>" and assigned["Reply-To"] is None  # an agent's mail
    assert reply["Auto-Submitted"] == "no" and created["Auto-Submitted"] == "auto-generated"
    assert REPLY_ABOVE in reply.get_body(preferencelist=("plain",)).get_content()
    assert REPLY_ABOVE in reply.get_body(preferencelist=("html",)).get_content()


async def test_without_a_workspace_address_there_is_no_reply_to(database, smtp_server):
    workspace, _admin = await factories.workspace("Globex", email="gil@globex.test", name="Gil Globex")
    await factories.ticket(workspace)
    await OutboxSender(_installation(smtp_server.port)).run_once()
    [mail] = smtp_server.messages
    assert mail["From"] == "Globex <desk@helprealm.test>" and mail["Reply-To"] is None


async def test_through_the_workspaces_own_server_from_is_its_address(database, smtp_server):
    workspace, ann, bea = await _desk()
    await workspace_mail.save(ann, MailInput.from_form(_form(smtp_server.port)))
    await _reply_and_assign(workspace, ann, bea)
    await OutboxSender(_installation(0)).run_once()  # the installation's server is never asked
    assert len(smtp_server.messages) == 3
    for message in smtp_server.messages:
        assert message["From"] == "Acme Help <help@acme.test>" and message["Reply-To"] is None


async def test_agent_mails_without_a_workspace_stay_as_they_were(database, smtp_server):
    workspace, ann, _bea = await _desk()
    await workspace_mail.save(ann, MailInput.from_form(_form(1, enabled="")))
    async with write():
        await messages.queue_password_reset(to="ann@acme.test", reader=messages.workspace_reader(workspace),
                                            name="Ann", token="t0ken")
    await OutboxSender(_installation(smtp_server.port)).run_once()
    [mail] = smtp_server.messages
    assert mail["From"] == "HelpRealm <desk@helprealm.test>" and mail["Reply-To"] is None


async def test_a_cancelled_workspaces_mail_still_goes(database, smtp_server, monkeypatch):
    workspace, _admin = await factories.workspace()
    await factories.ticket(workspace)

    async def gone(workspace_id: int) -> dict:
        raise NotFound("No such workspace.")

    monkeypatch.setattr("app.mail.outbox.get_by_id", gone)
    await OutboxSender(_installation(smtp_server.port)).run_once()
    [mail] = smtp_server.messages
    assert mail["From"] == "HelpRealm <desk@helprealm.test>" and mail["Reply-To"] is None
