"""What HelpRealm mails, and to whom. One function per occasion; each renders the text and HTML
parts from `templates/mail/<name>.txt|.html` and queues them in the outbox (inside the caller's
transaction, so the mail exists exactly when the change does). Links in mails are absolute and
built from route names (app/links.py).

Each mail speaks its reader's language, whoever's request sends it: customers read the
workspace's language and time zone, an agent their profile's (`formats.Reader`). The subject is
translated inside the same `reading(...)` block as the body."""

from __future__ import annotations

import logging

from babel.support import LazyProxy
from email_validator import EmailNotValidError, validate_email

from app import links
from app.accounts.tables import Agent, full_name
from app.formats import Reader, agent_reader, reading, workspace_reader
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.mail import thread_ids
from app.mail.compose import single_line
from app.mail.outbox import enqueue
from app.mail.quotes import REPLY_ABOVE
from app.templating import environment
from app.tickets.status import Status
from app.tickets.tables import TicketParticipant
from app.validation import EMAIL_MAX, has_line_break

log = logging.getLogger("helprealm.mail")


def _render(template: str, **context) -> tuple[str, str]:
    env = environment()
    text = env.get_template(f"mail/{template}.txt").render(**context)
    html = env.get_template(f"mail/{template}.html").render(**context)
    return text, html


def ticket_subject(ticket: dict, line: str) -> str:
    """The subject line (translated, with the ticket's subject in it) and the [ID:<hash>] that lets
    a reply by mail find its ticket, which no translation may change."""
    return f"{line} [ID:{ticket['hash']}]"


# Auto-Submitted (RFC 3834 §5): our notifications are "auto-generated"; the "we got your ticket"
# answer to a customer's own mail is "auto-replied"; an agent's reply was written by a person, so
# it says "no" (their vacation notice may answer it; ours drops such answers on the way in).
AUTO_GENERATED, AUTO_REPLIED, BY_A_PERSON = "auto-generated", "auto-replied", "no"


async def _to_customer(template: str, *, workspace: dict, ticket: dict, subject: str, to: str = "",
                       auto_submitted: str = AUTO_GENERATED, **context) -> None:
    """A mail about the ticket to its customer (or, with `to`, to a CC participant: their
    templates get no permalink, which is the customer's only credential). Every such mail starts
    with the REPLY_ABOVE marker and carries our signed thread ids, so a reply by mail finds the
    ticket and shows only what was written above the marker."""
    site = links.current()
    if not to:
        context["permalink"] = site.permalink(workspace["key"], ticket["hash"])
    text, html = _render(template, workspace=workspace, ticket=ticket, reply_above=REPLY_ABOVE, **context)
    ref = thread_ids.thread_id(ticket["hash"], site.domain)
    await enqueue(
        to=to or ticket["customer_email"],
        subject=subject,
        text=text,
        html=html,
        purpose=template,
        domain=site.domain,
        workspace_id=workspace["id"],
        ticket_id=ticket["id"],
        headers={"References": ref, "In-Reply-To": ref, "Auto-Submitted": auto_submitted},
        message_id=thread_ids.message_id(ticket["hash"], site.domain),
    )


async def queue_ticket_created(*, workspace: dict, ticket: dict, confirmation_token: str | None = None,
                               source: str = "") -> None:
    """`source`: the created event's ("mail": this is the automatic answer to the customer's mail)."""
    confirm_link = None
    if confirmation_token:
        confirm_link = links.current().confirm_ticket(workspace["key"], ticket["hash"], confirmation_token)
    with reading(workspace_reader(workspace)):
        await _to_customer("ticket_created", workspace=workspace, ticket=ticket,
                           subject=ticket_subject(ticket, _("Your request: %(subject)s", subject=ticket["subject"])),
                           confirm_link=confirm_link,
                           auto_submitted=AUTO_REPLIED if source == "mail" else AUTO_GENERATED)


async def queue_ticket_confirmed(*, workspace: dict, ticket: dict) -> None:
    """The customer confirmed their address (the link, or a reply by mail): the ticket is open."""
    with reading(workspace_reader(workspace)):
        await _to_customer("ticket_confirmed", workspace=workspace, ticket=ticket,
                           subject=ticket_subject(ticket, _("Confirmed: %(subject)s", subject=ticket["subject"])))


async def queue_agent_reply(*, workspace: dict, ticket: dict, reply_text: str, agent_name: str) -> None:
    """The reply to the customer, and a copy to each CC participant (who answers by mail)."""
    with reading(workspace_reader(workspace)):
        subject = ticket_subject(ticket, _("Re: %(subject)s", subject=ticket["subject"]))
        await _to_customer("agent_reply", workspace=workspace, ticket=ticket, subject=subject,
                           reply_text=reply_text, agent_name=agent_name, auto_submitted=BY_A_PERSON)
        for participant in await _participants(ticket):
            await _to_customer("participant_reply", workspace=workspace, ticket=ticket, subject=subject,
                               to=participant["email"], name=participant["name"], reply_text=reply_text,
                               agent_name=agent_name, auto_submitted=BY_A_PERSON)


async def _participants(ticket: dict) -> list[dict]:
    """The ticket's CC participants with an address we can send to, once each, not the customer.
    A bad address (the row came from a stranger's Cc: header) is skipped and logged: it must not
    stop the reply to everyone else."""
    if ticket.get("id") is None:
        return []
    rows = await TicketParticipant.select(TicketParticipant.email, TicketParticipant.name).where(
        TicketParticipant.ticket == ticket["id"]).order_by(TicketParticipant.id)
    seen = {(ticket.get("customer_email") or "").lower()}
    valid = []
    for row in rows:
        email = (row["email"] or "").strip().lower()
        if email in seen:
            continue
        seen.add(email)
        try:
            if len(email) > EMAIL_MAX or has_line_break(email):
                raise EmailNotValidError("too long or not one line")
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as exc:
            log.warning("Ticket %s: not mailing participant %r: %s", ticket["id"], email[:100], exc)
            continue
        valid.append({"email": email, "name": single_line(row["name"] or "")[:200]})
    return valid


async def queue_status_changed(*, workspace: dict, ticket: dict, status: Status) -> None:
    with reading(workspace_reader(workspace)):
        label = status.label  # in the customer's language
        await _to_customer("status_changed", workspace=workspace, ticket=ticket,
                           subject=ticket_subject(ticket, _("%(status)s: %(subject)s", status=label,
                                                            subject=ticket["subject"])),
                           status_label=label)


async def _to_agent(template: str, *, to: str, reader: Reader, subject: LazyProxy, **context) -> None:
    """An agent's mail, in `reader`'s language (the subject is a lazy string: translated here)."""
    with reading(reader):
        text, html = _render(template, **context)
        await enqueue(to=to, subject=str(subject), text=text, html=html, purpose=template,
                      domain=links.current().domain)


async def queue_account_confirm(*, to: str, reader: Reader, name: str, token: str) -> None:
    await _to_agent("account_confirm", to=to, reader=reader,
                    subject=_l("Confirm your HelpRealm account"), name=name,
                    link=links.current().confirm_account(token))


async def queue_account_exists(*, to: str, reader: Reader, name: str) -> None:
    """Someone signed up with an address that already has an account: tell its owner, not them."""
    site = links.current()
    await _to_agent("account_exists", to=to, reader=reader,
                    subject=_l("Someone tried to sign up with your address"), name=name,
                    login_link=site.login(), forgot_link=site.url("accounts.forgot"))


async def queue_password_reset(*, to: str, reader: Reader, name: str, token: str) -> None:
    await _to_agent("password_reset", to=to, reader=reader,
                    subject=_l("Reset your HelpRealm password"), name=name,
                    link=links.current().password_reset(token))


# -- the agent profile (app/profile/) ---------------------------------------------------------------

async def queue_email_change_confirm(*, to: str, reader: Reader, name: str, token: str) -> None:
    """The link that makes `to` the agent's login; mailed to the new address."""
    await _to_agent("email_change_confirm", to=to, reader=reader,
                    subject=_l("Confirm your new HelpRealm e-mail address"), name=name,
                    link=links.current().url("accounts.email_confirm", token=token))


async def queue_email_taken(*, to: str, reader: Reader, name: str) -> None:
    """Someone asked to move their login to this address, which has an account: tell its owner."""
    await _to_agent("email_taken", to=to, reader=reader,
                    subject=_l("Someone tried to use your e-mail address"), name=name,
                    login_link=links.current().login())


async def queue_email_change_requested(*, to: str, reader: Reader, name: str, new_email: str) -> None:
    """Tell the old address that a change was asked for (it stays the login until confirmed)."""
    await _to_agent("email_change_requested", to=to, reader=reader,
                    subject=_l("Your HelpRealm e-mail address is being changed"),
                    name=name, new_email=new_email, login_link=links.current().login())


async def queue_ticket_routed(*, workspace: dict, ticket: dict, agent: dict, group_name: str) -> None:
    """A ticket landed in a group of an agent who asked to hear of it (profile opt-in). `agent` has
    email, first_name, last_name, lang and time_zone."""
    site = links.current()
    with reading(agent_reader(agent, workspace)):
        text, html = _render("ticket_routed", workspace=workspace, ticket=ticket,
                             name=full_name(agent["first_name"], agent["last_name"]), group_name=group_name,
                             link=site.url("agent.ticket", number=ticket["number"]))
        subject = _("New in %(group)s: #%(number)s %(subject)s", group=group_name, number=ticket["number"],
                    subject=ticket["subject"])
        await enqueue(to=agent["email"], subject=subject, text=text, html=html, purpose="ticket_routed",
                      domain=site.domain, workspace_id=workspace["id"], ticket_id=ticket["id"])


async def queue_admin_new_ticket(*, workspace: dict, ticket: dict, admins: list[dict]) -> None:
    """"Notify admins of new tickets" (a workspace setting): one mail to each active superadmin, in
    their language, with a link to the ticket's agent page (the customer's secret link is not in it)."""
    site = links.current()
    link = site.url("agent.ticket", number=ticket["number"])
    for admin in admins:
        with reading(agent_reader(admin, workspace)):
            subject = _("New ticket #%(number)d: %(subject)s", number=ticket["number"], subject=ticket["subject"])
            text, html = _render("admin_new_ticket", workspace=workspace, ticket=ticket, link=link,
                                 name=admin["first_name"])
            await enqueue(to=admin["email"], subject=subject, text=text, html=html, purpose="admin_new_ticket",
                          domain=site.domain, workspace_id=workspace["id"], ticket_id=ticket["id"])


async def queue_ticket_assigned(*, workspace: dict, ticket: dict, agent_id: int, by: str = "") -> None:
    """The ticket was given to agent `agent_id` by someone else (`by`: the agent who did it; ""
    for round robin). Not sent when it went to someone else meanwhile in the same change, nor to
    an agent who is inactive, unconfirmed (the address is not proven theirs) or of another
    workspace."""
    if ticket["assignee"] != agent_id:
        return
    agent = await Agent.select(Agent.email, Agent.first_name, Agent.last_name, Agent.lang, Agent.time_zone).where(
        Agent.id == agent_id, Agent.workspace == workspace["id"], Agent.active.eq(True),
        Agent.confirmed.eq(True)).first()
    if agent is None:
        return
    site = links.current()
    with reading(agent_reader(agent, workspace)):
        text, html = _render("ticket_assigned", workspace=workspace, ticket=ticket, by=by,
                             name=full_name(agent["first_name"], agent["last_name"]),
                             link=site.url("agent.ticket", number=ticket["number"]))
        subject = _("Assigned to you: #%(number)s %(subject)s", number=ticket["number"], subject=ticket["subject"])
        await enqueue(to=agent["email"], subject=subject, text=text, html=html, purpose="ticket_assigned",
                      domain=site.domain, workspace_id=workspace["id"], ticket_id=ticket["id"])
