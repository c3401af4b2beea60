"""The agent's own profile (manual: "Profile Settings"): name, e-mail address, password, routed-
ticket mail, signature, language. One function per intent; the avatar is in avatars.py and the
two-factor login in app/accounts/twofactor.py.

An address is one account installation-wide, and the profile must not tell anyone which
addresses have one: a change to a taken address answers exactly like one to a free address, and
the owner of the taken one gets a notice instead of the confirmation link.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from app import clock, db, formats, i18n
from app.accounts import twofactor
from app.accounts.inputs import NewPassword
from app.accounts.passwords import MAX_LENGTH, hash_password, verify_password
from app.accounts.queries import forget_agents, reader_of
from app.accounts.service import spend_reset_links
from app.accounts.tables import AccountToken, Agent, full_name
from app.accounts.tokens import new_token, token_hash
from app.audit import service as audit
from app.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from app.formats import Reader
from app.i18n import _
from app.mail import messages
from app.validation import FieldErrors, form_text

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

EMAIL_CHANGE_VALID = timedelta(days=1)
SIGNATURE_MAX = 1000
NAME_MAX = 100

PROFILE_COLUMNS = (Agent.id, Agent.first_name, Agent.last_name, Agent.email, Agent.notify_routed, Agent.signature,
                   Agent.lang, Agent.time_zone, Agent.avatar_version, Agent.totp_secret)


async def profile(viewer: Viewer) -> dict:
    row = await Agent.select(*PROFILE_COLUMNS).where(
        Agent.id == viewer.agent_id, Agent.workspace == viewer.workspace_id).first()
    if row is None:
        raise NotAuthenticated(_("Please log in again."))
    row["two_factor"] = bool(row.pop("totp_secret"))
    row["recovery_left"] = await twofactor.unused_recovery_codes(viewer.agent_id) if row["two_factor"] else 0
    row["pending_email"] = await pending_email(viewer.agent_id)
    return row


async def pending_email(agent_id: int) -> str:
    """The address of a change waiting for its confirmation link, if any."""
    row = await AccountToken.select(AccountToken.address).where(
        AccountToken.agent == agent_id, AccountToken.purpose == "email_change", AccountToken.used_at.is_null(),
        AccountToken.expires_at >= clock.now(),
    ).order_by(AccountToken.id, ascending=False).first()
    return row["address"] if row else ""


async def update_name(viewer: Viewer, data: Mapping) -> dict:
    errors = FieldErrors()
    first = errors.line(data, "first_name", _("First name"), max_len=NAME_MAX)
    last = errors.line(data, "last_name", _("Last name"), min_len=0, max_len=NAME_MAX)
    if errors:
        raise ValidationFailed(errors)
    async with db.write():
        await Agent.update({Agent.first_name: first, Agent.last_name: last}).where(
            Agent.id == viewer.agent_id, Agent.workspace == viewer.workspace_id)
        db.on_commit(lambda: forget_agents(viewer.workspace_id))
    return {"first_name": first, "last_name": last}


async def _check_password(viewer: Viewer, password: str, field: str = "current_password") -> dict:
    """The agent's row, if `password` is their current one; else a field error."""
    agent = await Agent.select(Agent.id, Agent.email, Agent.first_name, Agent.last_name, Agent.password_hash).where(
        Agent.id == viewer.agent_id, Agent.workspace == viewer.workspace_id).first()
    if agent is None:
        raise NotAuthenticated(_("Please log in again."))
    if not await verify_password(agent["password_hash"], password[:MAX_LENGTH]):
        raise ValidationFailed({field: _("This is not your current password.")})
    return agent


async def request_email_change(viewer: Viewer, data: Mapping) -> str | None:
    """Mail a confirmation link to the new address; until it is opened the old one stays. Returns
    the token, or None when the new address has an account already: its owner gets a notice
    instead, and the caller answers exactly as for a free address. The old address is told
    either way."""
    errors = FieldErrors()
    new_email = errors.email(data, "email", _("New e-mail address")).lower()
    if not errors and new_email == viewer.email:
        errors["email"] = _("This is your current address.")
    if errors:
        raise ValidationFailed(errors)
    agent = await _check_password(viewer, form_text(data, "current_password"))
    name = full_name(agent["first_name"], agent["last_name"])
    mine = Reader(viewer.lang, viewer.time_zone)
    token, digest = new_token()
    async with db.write():
        owner = await Agent.select(Agent.id, Agent.first_name, Agent.last_name).where(
            Agent.email == new_email).first()
        # One pending change at a time: earlier links stop working.
        await AccountToken.update({AccountToken.used_at: clock.now()}).where(
            AccountToken.agent == agent["id"], AccountToken.purpose == "email_change", AccountToken.used_at.is_null())
        # The pending change is stored either way, so the profile shows "waiting for confirmation"
        # for a taken address too (its link is never mailed, and confirming refuses taken addresses).
        await AccountToken(agent=agent["id"], purpose="email_change", token_hash=digest, address=new_email,
                           expires_at=clock.now() + EMAIL_CHANGE_VALID).save()
        if owner is None:
            await messages.queue_email_change_confirm(to=new_email, reader=mine, name=name, token=token)
        else:
            await messages.queue_email_taken(to=new_email, reader=await reader_of(owner["id"]),
                                             name=full_name(owner["first_name"], owner["last_name"]))
        await messages.queue_email_change_requested(to=agent["email"], reader=mine, name=name, new_email=new_email)
        await audit.record(viewer.workspace_id, viewer, "email.change_requested", subject=agent["email"],
                           after={"email": new_email})
    return token if owner is None else None


async def confirm_email_change(token: str) -> str:
    """The link from the mail: the new address becomes the login. Works once. Returns it."""
    async with db.write():
        row = await AccountToken.select().where(
            AccountToken.token_hash == token_hash(token), AccountToken.purpose == "email_change").first()
        if row is None or row["used_at"] is not None or row["expires_at"] < clock.now():
            raise NotFound(_("This link is invalid or has expired."))
        await AccountToken.update({AccountToken.used_at: clock.now()}).where(AccountToken.id == row["id"])
        if await Agent.exists().where(Agent.email == row["address"]):  # taken since the link was mailed
            raise Conflict(_("This address has an account now, so it cannot become your login."))
        agent = await Agent.select(Agent.id, Agent.workspace, Agent.email, Agent.first_name, Agent.last_name).where(
            Agent.id == row["agent"]).first()
        if agent is None:
            raise NotFound(_("This link is invalid or has expired."))
        await Agent.update({Agent.email: row["address"], Agent.confirmed: True}).where(Agent.id == agent["id"])
        await spend_reset_links(agent["id"])
        await audit.record(agent["workspace"], None, "email.changed", subject=row["address"],
                           before={"email": agent["email"]}, after={"email": row["address"]},
                           agent_id=agent["id"], agent_name=full_name(agent["first_name"], agent["last_name"]))
    return row["address"]


async def change_password(viewer: Viewer, data: Mapping) -> int:
    """Current password, new one twice (signup's rules). Every other session of the agent ends
    (the session version moves on); returns the new version for the current session to carry."""
    errors = {}
    try:
        new = NewPassword.from_form(data)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        await _check_password(viewer, form_text(data, "current_password"))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    password_hash = await hash_password(new.password)
    async with db.write():
        rows = await Agent.update({Agent.password_hash: password_hash,
                                   Agent.session_version: Agent.session_version + 1}).where(
            Agent.id == viewer.agent_id, Agent.workspace == viewer.workspace_id).returning(Agent.session_version)
        if not rows:
            raise NotAuthenticated(_("Please log in again."))
        # A reset link mailed earlier must not undo this.
        await AccountToken.update({AccountToken.used_at: clock.now()}).where(
            AccountToken.agent == viewer.agent_id, AccountToken.purpose == "reset", AccountToken.used_at.is_null())
        await audit.record(viewer.workspace_id, viewer, "password.changed", subject=viewer.email,
                           after={"password": "changed"})
    return rows[0]["session_version"]


async def _set(viewer: Viewer, values: dict) -> None:
    async with db.write():
        await Agent.update(values).where(Agent.id == viewer.agent_id, Agent.workspace == viewer.workspace_id)


async def set_notify_routed(viewer: Viewer, on: bool) -> bool:
    await _set(viewer, {Agent.notify_routed: on})
    forget_agents(viewer.workspace_id)  # new tickets look there first for anyone opted in
    return on


async def set_signature(viewer: Viewer, data: Mapping) -> str:
    """Plain text, appended to the agent's replies below a "-- " line (app/tickets/service/conversation.py)."""
    errors = FieldErrors()
    signature = errors.text(data, "signature", _("Signature"), min_len=0, max_len=SIGNATURE_MAX)
    if errors:
        raise ValidationFailed(errors)
    await _set(viewer, {Agent.signature: signature})
    return signature


async def set_language(viewer: Viewer, data: Mapping) -> None:
    """The language and time zone of the agent's pages and of the mails sent to them ("" for
    either: the workspace's). The next request shows them (app/web/locale.py)."""
    code = form_text(data, "lang").strip()
    zone = form_text(data, "time_zone").strip()
    errors = FieldErrors()
    if code and code not in i18n.LANGUAGES:
        errors["lang"] = _("Please choose one of the listed languages.")
    if zone and not formats.valid_time_zone(zone):
        errors["time_zone"] = _("Please choose a time zone from the list (such as Europe/Berlin).")
    if errors:
        raise ValidationFailed(errors)
    await _set(viewer, {Agent.lang: code, Agent.time_zone: zone})
