"""Agent accounts: signup, confirmation, login, password reset. One function per user intent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.accounts.passwords import MIN_LENGTH, hash_password, verify_password
from app.accounts.tables import AccountToken, Agent
from app.accounts.tokens import new_token, token_hash
from app.db import write
from app.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed
from app.mail import messages
from app.validation import FieldErrors
from app.workspaces.service import create_workspace_rows

CONFIRM_VALID = timedelta(days=7)
RESET_VALID = timedelta(hours=2)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _check_password(errors: FieldErrors, data: dict) -> str:
    password = data.get("password") or ""
    if len(password) < MIN_LENGTH:
        errors["password"] = f"The password needs at least {MIN_LENGTH} characters."
    elif password != (data.get("password_confirmation") or ""):
        errors["password_confirmation"] = "The passwords do not match."
    return password


async def signup(data: dict, *, base_url: str, domain: str, extra_errors: dict | None = None) -> tuple[dict, str]:
    """Create a workspace and its superadmin; mail a confirmation link. Returns (agent, link).

    `extra_errors` (e.g. a wrong captcha) are reported together with the fields' own problems."""
    errors = FieldErrors()
    company = errors.text(data, "company", "Company name", max_len=200)
    full_name = errors.text(data, "fullname", "Full name", max_len=200)
    email = errors.email(data).lower()
    password = _check_password(errors, data)
    errors.update(extra_errors or {})
    if errors:
        raise ValidationFailed(errors)
    first, _, last = full_name.partition(" ")
    password_hash = await hash_password(password)
    token, digest = new_token()
    link = f"{base_url}/signup/confirm/{token}"
    async with write():
        if await Agent.exists().where(Agent.email == email):
            raise ValidationFailed({"email": "An account with this e-mail address already exists."})
        workspace, agent = await create_workspace_rows(
            company=company, first_name=first, last_name=last, email=email, password_hash=password_hash, confirmed=False
        )
        await AccountToken(agent=agent["id"], purpose="confirm", token_hash=digest, expires_at=_now() + CONFIRM_VALID).save()
        await messages.queue_account_confirm(to=email, name=full_name, link=link, domain=domain)
    return agent, link


async def _use_token(token: str, purpose: str) -> dict:
    """Mark a token used and return its row; inside the caller's write transaction."""
    row = (
        await AccountToken.select()
        .where(AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose)
        .first()
    )
    if row is None or row["used_at"] is not None or row["expires_at"] < _now():
        raise NotFound("This link is invalid or has expired.")
    await AccountToken.update({AccountToken.used_at: _now()}).where(AccountToken.id == row["id"])
    return row


async def confirm_account(token: str) -> None:
    async with write():
        row = await _use_token(token, "confirm")
        await Agent.update({Agent.confirmed: True}).where(Agent.id == row["agent"])


async def authenticate(email: str, password: str) -> dict:
    """Return the agent for valid credentials; raise NotAuthenticated with a user-facing message."""
    email = (email or "").strip().lower()
    agent = await Agent.select().where(Agent.email == email).first() if email else None
    ok = await verify_password(agent["password_hash"] if agent else None, password or "")
    if not agent or not ok:
        raise NotAuthenticated("Wrong e-mail address or password.")
    if not agent["confirmed"]:
        raise NotAuthenticated("Please confirm your e-mail address first: use the link we mailed you.")
    if not agent["active"]:
        raise NotAuthenticated("This account is deactivated.")
    return agent


async def request_password_reset(email: str, *, base_url: str, domain: str) -> str | None:
    """Mail a reset link if the address belongs to an agent. The caller answers the same either way.
    Returns the link (for the server log when no SMTP is set up) or None."""
    email = (email or "").strip().lower()
    agent = await Agent.select(Agent.id, Agent.first_name, Agent.last_name, Agent.active).where(Agent.email == email).first()
    if agent is None or not agent["active"]:
        return None
    token, digest = new_token()
    link = f"{base_url}/password/reset/{token}"
    async with write():
        await AccountToken(agent=agent["id"], purpose="reset", token_hash=digest, expires_at=_now() + RESET_VALID).save()
        await messages.queue_password_reset(
            to=email, name=f"{agent['first_name']} {agent['last_name']}".strip(), link=link, domain=domain
        )
    return link


async def check_reset_token(token: str) -> None:
    row = await AccountToken.select(AccountToken.used_at, AccountToken.expires_at).where(
        AccountToken.token_hash == token_hash(token), AccountToken.purpose == "reset"
    ).first()
    if row is None or row["used_at"] is not None or row["expires_at"] < _now():
        raise NotFound("This link is invalid or has expired.")


async def reset_password(token: str, data: dict) -> None:
    errors = FieldErrors()
    password = _check_password(errors, data)
    if errors:
        raise ValidationFailed(errors)
    password_hash = await hash_password(password)
    async with write():
        row = await _use_token(token, "reset")
        # A reset proves control of the mailbox, so it also confirms the address.
        await Agent.update({Agent.password_hash: password_hash, Agent.confirmed: True}).where(Agent.id == row["agent"])


async def get_agent(agent_id: int) -> dict:
    agent = await Agent.select().where(Agent.id == agent_id).first()
    if agent is None:
        raise NotFound("No such agent.")
    return agent


async def list_agents(workspace_id: int) -> list[dict]:
    return await Agent.select(
        Agent.id, Agent.first_name, Agent.last_name, Agent.email, Agent.active, Agent.on_vacation, Agent.superadmin
    ).where(Agent.workspace == workspace_id).order_by(Agent.first_name)


async def create_agent_confirmed(workspace_id: int, *, email: str, first_name: str, last_name: str, password: str, superadmin: bool = False, position: str = "") -> dict:
    """Used by the CLI and the demo seed: an agent who can log in straight away."""
    password_hash = await hash_password(password)
    async with write():
        if await Agent.exists().where(Agent.email == email.lower()):
            raise Conflict("An account with this e-mail address already exists.")
        agent = Agent(
            workspace=workspace_id, email=email.lower(), first_name=first_name, last_name=last_name,
            password_hash=password_hash, superadmin=superadmin, confirmed=True, position=position,
        )
        await agent.save()
    return agent.to_dict()
