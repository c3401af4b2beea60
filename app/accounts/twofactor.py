"""Two-factor login with TOTP (RFC 6238, pyotp) and single-use recovery codes: the intents.

Secrets: the TOTP secret is stored sealed (Fernet, key derived from the installation secret by
HKDF with its own purpose string: app/mail/vault.py's Vault), so a leaked database alone gives no
second factor. Recovery codes are 10 random base32 characters (50 bits) stored as an HMAC-SHA256
keyed the same way: argon2 would cost ~100 ms per stored code and a login checks up to ten of
them, while a keyed hash of a high-entropy code cannot be guessed from the table either (nobody
can try 2^50 codes through a rate-limited form, and without the key not even offline).

Replay: the last accepted time step is stored; a code is accepted only for a later step, under
the write lock, so the same code (or an older one of the window) never works twice.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyotp
import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app import clock, db
from app.accounts.passwords import MAX_LENGTH, verify_password
from app.accounts.tables import Agent, RecoveryCode, full_name
from app.audit import service as audit
from app.errors import Conflict, NotAuthenticated, ValidationFailed
from app.i18n import _
from app.mail.vault import Vault
from app.web.limits import PerMinute
from app.workspaces.service import get_by_id

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

TOTP_SECRETS = b"helprealm/totp-secrets/v1"
RECOVERY_CODES = b"helprealm/recovery-codes/v1"
RECOVERY_CODE_COUNT = 10
ISSUER = "HelpRealm"
STEP = 30  # seconds per TOTP code
WINDOW = 1  # steps accepted either side of now (clock drift of phones)
# Code attempts per agent and minute, wherever they come from (login, profile): with the per-
# pending-login and per-client limits this bounds guessing even from many addresses.
ATTEMPTS_PER_MINUTE = 10


@dataclass
class _Keys:
    vault: Vault
    recovery_key: bytes


_keys: _Keys | None = None
_attempts = PerMinute(ATTEMPTS_PER_MINUTE)


def configure(secret: str) -> None:
    """create_app() calls this with the installation secret."""
    global _keys, _attempts
    _attempts = PerMinute(ATTEMPTS_PER_MINUTE)  # a new app starts counting afresh
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=RECOVERY_CODES).derive(secret.encode())
    _keys = _Keys(Vault(secret, TOTP_SECRETS), key)


def _k() -> _Keys:
    if _keys is None:
        raise RuntimeError("app.accounts.twofactor is not configured (create_app() does it)")
    return _keys


# -- secrets, codes, QR -------------------------------------------------------------------------

def new_secret() -> str:
    return pyotp.random_base32()


def seal(secret: str) -> str:
    return _k().vault.seal(secret)


def unseal(sealed: str) -> str | None:
    return _k().vault.open(sealed) if sealed else None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data: URI for an <img> (the page policy allows data: images, and no
    inline SVG or script is needed)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _digits(code: str) -> str:
    return "".join(code.split())[:16]


def matching_step(secret: str, code: str, last_step: int) -> int | None:
    """The time step `code` belongs to (now, or one step either side), if it is later than
    `last_step`; None otherwise."""
    code = _digits(code)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(clock.now().timestamp()) // STEP
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        if step > last_step and hmac.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _normal_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())[:32]


def recovery_hash(code: str) -> str:
    return hmac.new(_k().recovery_key, _normal_recovery(code).encode(), hashlib.sha256).hexdigest()


def new_recovery_codes() -> list[str]:
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: they are read off paper
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(alphabet) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


async def _store_recovery_codes(agent_id: int) -> list[str]:
    """Replace the agent's recovery codes (inside the caller's write transaction)."""
    codes = new_recovery_codes()
    await RecoveryCode.delete().where(RecoveryCode.agent == agent_id)
    await RecoveryCode.insert(*[RecoveryCode(agent=agent_id, code_hash=recovery_hash(code)) for code in codes])
    return codes


def _count_attempt(agent_id: int) -> None:
    _attempts.hit([f"agent:{agent_id}"], _("Too many code attempts. Please wait a minute."))


async def _accept_totp(agent: dict, code: str) -> bool:
    """Check a TOTP code and store its step, so it is not accepted again (in a write transaction)."""
    secret = unseal(agent["totp_secret"])
    if secret is None:
        return False
    step = matching_step(secret, code, agent["totp_last_step"])
    if step is None:
        return False
    # Conditional: a second request with the same code, racing this one, updates nothing.
    rows = await Agent.update({Agent.totp_last_step: step}).where(
        Agent.id == agent["id"], Agent.totp_last_step < step).returning(Agent.id)
    return bool(rows)


async def _accept_recovery(agent_id: int, code: str) -> bool:
    if not _normal_recovery(code):
        return False
    rows = await RecoveryCode.update({RecoveryCode.used_at: clock.now()}).where(
        RecoveryCode.agent == agent_id, RecoveryCode.code_hash == recovery_hash(code),
        RecoveryCode.used_at.is_null(),
    ).returning(RecoveryCode.id)
    return bool(rows)


async def unused_recovery_codes(agent_id: int) -> int:
    return await RecoveryCode.count().where(RecoveryCode.agent == agent_id, RecoveryCode.used_at.is_null())


# -- login ----------------------------------------------------------------------------------------

async def second_step(agent: dict) -> str | None:
    """What a login with the right password still needs: "code" (2FA is on), "enrol" (the
    workspace requires 2FA and the agent has none yet) or None."""
    if agent.get("totp_secret"):
        return "code"
    workspace = await get_by_id(agent["workspace"])
    return "enrol" if workspace.get("require_2fa") else None


async def _login_agent(agent_id: int, version: int) -> dict:
    agent = await Agent.select().where(Agent.id == agent_id).first()
    if agent is None or not agent["active"] or agent["session_version"] != version:
        raise NotAuthenticated(_("Please log in again."))
    return agent


async def complete_login(agent_id: int, version: int, code: str) -> dict:
    """The second step of a login: a current TOTP code or an unused recovery code. Returns the
    agent; raises NotAuthenticated (and audits the failure) when the code is wrong or used."""
    _count_attempt(agent_id)
    async with db.write():
        agent = await _login_agent(agent_id, version)
        name = full_name(agent["first_name"], agent["last_name"])
        who = {"subject": agent["email"], "agent_id": agent["id"], "agent_name": name}
        if await _accept_totp(agent, code):
            await audit.record(agent["workspace"], None, "login", after={"second_factor": "totp"}, **who)
            return agent
        if await _accept_recovery(agent["id"], code):
            left = await unused_recovery_codes(agent["id"])
            await audit.record(agent["workspace"], None, "recovery_codes.used", after={"left": left}, **who)
            await audit.record(agent["workspace"], None, "login", after={"second_factor": "recovery code"}, **who)
            return agent
    await audit.record(agent["workspace"], None, "login.2fa_failed", **who)
    raise NotAuthenticated(_("This code is not valid. Codes change every 30 seconds and work once."))


async def enrol_at_login(agent_id: int, version: int, secret: str, code: str) -> tuple[dict, list[str]]:
    """An agent whose workspace requires 2FA turns it on during login. Returns (agent, codes)."""
    _count_attempt(agent_id)
    async with db.write():
        agent = await _login_agent(agent_id, version)
        if agent["totp_secret"]:  # enrolled meanwhile (in their profile): this login is stale
            raise NotAuthenticated(_("Please log in again."))
        codes = await _enable(agent, secret, code)
        await audit.record(agent["workspace"], None, "login", after={"second_factor": "enrolled"},
                           subject=agent["email"], agent_id=agent["id"],
                           agent_name=full_name(agent["first_name"], agent["last_name"]))
    return agent, codes


async def _enable(agent: dict, secret: str, code: str, actor: Viewer | None = None) -> list[str]:
    step = matching_step(secret, code, 0)
    if step is None:
        raise ValidationFailed({"code": _("This code is not valid. Enter the six digits your app shows now.")})
    await Agent.update({Agent.totp_secret: seal(secret), Agent.totp_last_step: step}).where(Agent.id == agent["id"])
    codes = await _store_recovery_codes(agent["id"])
    await audit.record(agent["workspace"], actor, "2fa.enabled", subject=agent["email"], agent_id=agent["id"],
                       agent_name=full_name(agent["first_name"], agent["last_name"]))
    return codes


# -- the profile ------------------------------------------------------------------------------------

async def _own(viewer: Viewer) -> dict:
    agent = await Agent.select().where(Agent.id == viewer.agent_id, Agent.workspace == viewer.workspace_id).first()
    if agent is None:
        raise NotAuthenticated(_("Please log in again."))
    return agent


async def enabled(viewer: Viewer) -> bool:
    row = await Agent.select(Agent.totp_secret).where(Agent.id == viewer.agent_id).first()
    return bool(row and row["totp_secret"])


async def enable(viewer: Viewer, secret: str, code: str) -> list[str]:
    """Turn 2FA on with the secret shown on the profile, confirmed by a current code. Returns the
    recovery codes (shown once)."""
    _count_attempt(viewer.agent_id)
    async with db.write():
        agent = await _own(viewer)
        if agent["totp_secret"]:
            raise Conflict(_("Two-factor login is already on."))
        return await _enable(agent, secret, code, viewer)


async def regenerate_codes(viewer: Viewer, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code from the app."""
    _count_attempt(viewer.agent_id)
    async with db.write():
        agent = await _own(viewer)
        if not agent["totp_secret"]:
            raise Conflict(_("Two-factor login is off."))
        if not await _accept_totp(agent, code):
            raise ValidationFailed({"code": _("This code is not valid. Enter the six digits your app shows now.")})
        codes = await _store_recovery_codes(agent["id"])
        await audit.record(viewer.workspace_id, viewer, "recovery_codes.regenerated", subject=agent["email"])
    return codes


async def disable(viewer: Viewer, password: str, code: str) -> None:
    """Turn 2FA off: the current password and a code (from the app, or a recovery code)."""
    _count_attempt(viewer.agent_id)
    agent = await _own(viewer)
    errors = {}
    if not await verify_password(agent["password_hash"], password[:MAX_LENGTH]):
        errors["password"] = _("This is not your current password.")
    workspace = await get_by_id(viewer.workspace_id)
    if workspace.get("require_2fa"):
        raise Conflict(_("Your workspace requires two-factor login for every agent."))
    async with db.write():
        agent = await _own(viewer)
        if not agent["totp_secret"]:
            raise Conflict(_("Two-factor login is off."))
        if not errors and not (await _accept_totp(agent, code) or await _accept_recovery(agent["id"], code)):
            errors["code"] = _("This code is not valid. Codes change every 30 seconds and work once.")
        if errors:
            raise ValidationFailed(errors)
        await Agent.update({Agent.totp_secret: "", Agent.totp_last_step: 0}).where(Agent.id == agent["id"])
        await RecoveryCode.delete().where(RecoveryCode.agent == agent["id"])
        await audit.record(viewer.workspace_id, viewer, "2fa.disabled", subject=agent["email"])

