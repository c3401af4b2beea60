from piccolo.columns import Boolean, Bytea, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from app.db import ENGINE
from app.workspaces.tables import Workspace


def full_name(first_name: str, last_name: str) -> str:
    """How an agent's (or a person's) name is shown everywhere."""
    return f"{first_name} {last_name}".strip()


class Agent(Table, db=ENGINE, tablename="agent"):
    """A staff account. E-mail addresses are unique across the installation (they are logins)."""

    workspace = ForeignKey(Workspace, index=True)
    email = Varchar(length=254, unique=True, index=True)
    first_name = Varchar(length=100)
    last_name = Varchar(length=100)
    position = Varchar(length=100, default="")
    password_hash = Varchar(length=200)
    superadmin = Boolean(default=False)
    active = Boolean(default=True)
    confirmed = Boolean(default=False)  # e-mail confirmed; login is refused until then
    on_vacation = Boolean(default=False)  # cannot be assigned while set
    signature = Text(default="")
    # Sessions carry the version they were made with; a password reset or change bumps it, which
    # ends every other session of the agent at their next request.
    session_version = Integer(default=0)
    created_at = Timestamptz()
    # The profile (app/profile/): routed-ticket mail opt-in, language and time zone ("" = the
    # workspace's; app/web/locale.py applies them), the avatar's version (0 = none; the image is an
    # AgentAvatar row, so loading an agent never drags a blob along; the version is in the avatar's
    # URL, which can then be cached for long).
    notify_routed = Boolean(default=False)
    lang = Varchar(length=8, default="")
    time_zone = Varchar(length=64, default="")
    avatar_version = Integer(default=0)
    # Two-factor login (app/accounts/twofactor.py): the TOTP secret sealed with the installation
    # secret ("" = off) and the last time step accepted, so a code works once.
    totp_secret = Text(default="")
    totp_last_step = Integer(default=0)
    # Being deleted: inactive, and a background job releases their tickets before the row goes
    # (app/agents/service.py). Nothing may change them meanwhile.
    retired = Boolean(default=False)


class AgentGroup(Table, db=ENGINE, tablename="agent_group"):
    workspace = ForeignKey(Workspace, index=True)
    name = Varchar(length=100)
    description = Text(default="")
    is_default = Boolean(default=False)  # new tickets land here; exactly one per workspace
    created_at = Timestamptz()
    # Being deleted: its tickets are moving to the default group (a background job); not offered.
    retired = Boolean(default=False)
    # Automatic assignment (app/tickets/service/round_robin.py): new tickets go round robin to the
    # members who are active, not on vacation and have fewer than `auto_assign_limit` open tickets
    # (0: no limit); `last_assigned` is the agent who got the last one.
    auto_assign = Boolean(default=False)
    auto_assign_limit = Integer(default=0)
    last_assigned = Integer(null=True, default=None)


class GroupMember(Table, db=ENGINE, tablename="group_member"):
    group = ForeignKey(AgentGroup, index=True)
    agent = ForeignKey(Agent, index=True)


class AccountToken(Table, db=ENGINE, tablename="account_token"):
    """Single-use links mailed to an agent: `purpose` "confirm" (address), "reset" (password), "invite"
    (choose a first password), "email" (a new login address). Only a hash is kept."""

    agent = ForeignKey(Agent, index=True)
    purpose = Varchar(length=20)
    token_hash = Varchar(length=64, unique=True, index=True)
    expires_at = Timestamptz(default=TimestamptzNow())
    used_at = Timestamptz(null=True, default=None)
    # What the link is about beyond the agent: for an e-mail change (by an admin, purpose "email", or
    # by the agent in their profile, "email_change"), the new address (it becomes
    # the login only when the link is opened).
    address = Varchar(length=254, default="")


class AgentAvatar(Table, db=ENGINE, tablename="agent_avatar"):
    """An agent's avatar: a small re-encoded image (128x128 WebP, a few KB; see app/profile/avatars.py)."""

    agent = ForeignKey(Agent, unique=True)
    workspace = ForeignKey(Workspace)
    image = Bytea()
    updated_at = Timestamptz()


class RecoveryCode(Table, db=ENGINE, tablename="recovery_code"):
    """A single-use two-factor recovery code, stored as a keyed hash (app/accounts/twofactor.py)."""

    agent = ForeignKey(Agent, index=True)
    code_hash = Varchar(length=64)
    used_at = Timestamptz(null=True, default=None)
