"""The mails of the agents administration: the invitation, the e-mail change link, and the notice
to an address's owner when an admin tried to add or move an agent to it. (Beside app/mail/messages.py
and built the same way: rendered from templates/mail/, queued in the caller's transaction.)"""

from __future__ import annotations

from app import links
from app.formats import Reader
from app.i18n import lazy_gettext as _l
from app.mail.messages import _to_agent


async def queue_invitation(*, to: str, reader: Reader, name: str, company: str, inviter: str, token: str) -> None:
    await _to_agent("agent_invite", to=to, reader=reader,
                    subject=_l("You are invited to %(company)s's help desk", company=company),
                    name=name, company=company, inviter=inviter,
                    link=links.current().url("accounts.invitation", token=token))


async def queue_email_change(*, to: str, reader: Reader, name: str, company: str, token: str) -> None:
    await _to_agent("agent_email_change", to=to, reader=reader,
                    subject=_l("Confirm your new HelpRealm login address"),
                    name=name, company=company, link=links.current().url("accounts.agent_email_confirm", token=token))


async def queue_address_taken(*, to: str, reader: Reader, name: str, company: str) -> None:
    """An admin entered an address that already has an account: tell its owner, not the admin."""
    site = links.current()
    await _to_agent("agent_exists", to=to, reader=reader,
                    subject=_l("Someone tried to add your address to a help desk"),
                    name=name, company=company, login_link=site.login(), forgot_link=site.url("accounts.forgot"))
