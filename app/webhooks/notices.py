"""The mail that tells a workspace's superadmins a webhook was switched off for failing.

Queued in the outbox inside the sender's write that switches the hook off, one mail per active
superadmin in their own language (like "new ticket" notices, app/mail/messages.py).
"""

from __future__ import annotations

from app import links
from app.accounts.tables import Agent
from app.formats import agent_reader, reading
from app.i18n import _
from app.mail.outbox import enqueue
from app.templating import environment
from app.workspaces.service import get_by_id


async def queue_hook_disabled(workspace_id: int, hook_id: int, url: str, failures: int, error: str) -> int:
    """Mail the active superadmins; return how many mails were queued."""
    workspace = await get_by_id(workspace_id)
    admins = await Agent.select(Agent.email, Agent.first_name, Agent.lang, Agent.time_zone).where(
        Agent.workspace == workspace_id, Agent.superadmin.eq(True), Agent.active.eq(True)).order_by(Agent.id)
    site = links.current()
    link = site.url("admin.webhook", hook_id=hook_id)
    env = environment()
    for admin in admins:
        with reading(agent_reader(admin, workspace)):
            context = {"name": admin["first_name"], "url": url, "failures": failures, "error": error, "link": link,
                       "workspace": workspace}
            text = env.get_template("mail/webhook_disabled.txt").render(**context)
            html = env.get_template("mail/webhook_disabled.html").render(**context)
            subject = _("A webhook was switched off: %(url)s", url=url[:120])
            await enqueue(to=admin["email"], subject=subject, text=text, html=html, purpose="webhook_disabled",
                          domain=site.domain, workspace_id=workspace_id)
    return len(admins)
