"""What HelpRealm mails, and to whom. One function per occasion; each renders the text and HTML
parts from `templates/mail/<name>.txt|.html` and queues them in the outbox (inside the caller's
transaction, so the mail exists exactly when the change does)."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment

from app.mail.compose import thread_id
from app.mail.outbox import enqueue


@lru_cache(maxsize=1)
def _environment() -> Environment:
    from app.web.templating import build_environment  # late: keeps mail importable without Litestar

    return build_environment()


def _render(template: str, **context) -> tuple[str, str]:
    env = _environment()
    text = env.get_template(f"mail/{template}.txt").render(**context)
    html = env.get_template(f"mail/{template}.html").render(**context)
    return text, html


def ticket_subject(ticket: dict, prefix: str = "") -> str:
    """Customer mails carry [ID:<hash>] so a reply by mail finds its ticket."""
    return f"{prefix}{ticket['subject']} [ID:{ticket['hash']}]"


def _thread_headers(ticket: dict, domain: str) -> dict:
    ref = thread_id(ticket["hash"], domain)
    return {"References": ref, "In-Reply-To": ref}


async def _to_customer(template: str, *, workspace: dict, ticket: dict, subject: str, domain: str, **context) -> None:
    text, html = _render(template, workspace=workspace, ticket=ticket, **context)
    await enqueue(
        to=ticket["customer_email"],
        subject=subject,
        text=text,
        html=html,
        purpose=template,
        domain=domain,
        workspace_id=workspace["id"],
        ticket_id=ticket["id"],
        headers=_thread_headers(ticket, domain),
    )


async def queue_ticket_created(*, workspace: dict, ticket: dict, permalink: str, confirm_link: str | None, domain: str) -> None:
    await _to_customer(
        "ticket_created",
        workspace=workspace,
        ticket=ticket,
        subject=ticket_subject(ticket, "Your request: "),
        domain=domain,
        permalink=permalink,
        confirm_link=confirm_link,
    )


async def queue_agent_reply(*, workspace: dict, ticket: dict, reply_text: str, agent_name: str, permalink: str, domain: str) -> None:
    await _to_customer(
        "agent_reply",
        workspace=workspace,
        ticket=ticket,
        subject=ticket_subject(ticket, "Re: "),
        domain=domain,
        reply_text=reply_text,
        agent_name=agent_name,
        permalink=permalink,
    )


async def queue_status_changed(*, workspace: dict, ticket: dict, status_label: str, permalink: str, domain: str) -> None:
    await _to_customer(
        "status_changed",
        workspace=workspace,
        ticket=ticket,
        subject=ticket_subject(ticket, f"{status_label}: "),
        domain=domain,
        status_label=status_label,
        permalink=permalink,
    )


async def _to_agent(template: str, *, to: str, subject: str, domain: str, **context) -> None:
    text, html = _render(template, **context)
    await enqueue(to=to, subject=subject, text=text, html=html, purpose=template, domain=domain)


async def queue_account_confirm(*, to: str, name: str, link: str, domain: str) -> None:
    await _to_agent("account_confirm", to=to, subject="Confirm your HelpRealm account", domain=domain, name=name, link=link)


async def queue_password_reset(*, to: str, name: str, link: str, domain: str) -> None:
    await _to_agent("password_reset", to=to, subject="Reset your HelpRealm password", domain=domain, name=name, link=link)
