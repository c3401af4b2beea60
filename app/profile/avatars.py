"""Agents' avatars: uploaded as JPG, PNG or WebP (at most 2 MB), checked and re-encoded with Pillow.

Stored in the database (AgentAvatar), not in the data folder: re-encoded to a 128x128 WebP an
avatar is a few KB, so a blob row is cheaper than a file to keep, back up, and delete with the
agent or the workspace (the foreign keys cascade), and there is no path to get wrong. The agent
row keeps only the avatar's version (0: none), which the cached agent list carries to the
thread: presence costs no query, and the URL carries the version, so browsers may keep the image
for long and a new upload still shows at once.

Re-encoding keeps only pixels: EXIF (GPS positions, camera serials), ICC profiles, comments and
anything appended to the file are gone, and what the browser gets is always our own WebP.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING

from litestar.concurrency import sync_to_thread
from PIL import Image, ImageOps

from app import clock, db
from app.accounts.queries import forget_agents
from app.accounts.tables import Agent, AgentAvatar
from app.errors import NotFound, ValidationFailed
from app.i18n import _
from app.images import DECODING

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

MAX_BYTES = 2 * 1024 * 1024
SIZE = 128
FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 16_000_000  # a 2 MB PNG can claim 100,000 x 100,000 pixels; decoding that would take GBs
MEDIA_TYPE = "image/webp"


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed({"avatar": message})


def resize(data: bytes) -> bytes:
    """The upload as a 128x128 WebP (centre-cropped), or ValidationFailed at the field."""
    if not data:
        raise _refuse(_("Please choose an image file."))
    if len(data) > MAX_BYTES:
        raise _refuse(_("The image may be at most 2 MB."))
    try:
        with DECODING, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=sorted(FORMATS)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise _refuse(_("The image is too large. Please use a smaller one."))
                image.load()
                image = ImageOps.exif_transpose(image)  # photos from phones stand the right way up
                image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB")
                square = ImageOps.fit(image, (SIZE, SIZE), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                square.save(out, "WEBP", quality=85, method=4)
                return out.getvalue()
    except ValidationFailed:
        raise
    except Exception:  # Pillow raises many kinds for a damaged file (odd EXIF too): all are refusals
        raise _refuse(_("This is not a JPG, PNG or WebP image.")) from None


async def save(viewer: Viewer, data: bytes) -> int:
    """Check, resize and store the viewer's avatar. Returns its new version."""
    image = await sync_to_thread(resize, data)
    async with db.write():
        rows = await Agent.update({Agent.avatar_version: Agent.avatar_version + 1}).where(
            Agent.id == viewer.agent_id, Agent.workspace == viewer.workspace_id).returning(Agent.avatar_version)
        await AgentAvatar.raw(
            "INSERT INTO agent_avatar (agent, workspace, image, updated_at) VALUES ({}, {}, {}, {}) "
            "ON CONFLICT (agent) DO UPDATE SET image = excluded.image, updated_at = excluded.updated_at",
            viewer.agent_id, viewer.workspace_id, image, clock.now())
        db.on_commit(lambda: forget_agents(viewer.workspace_id))
    return rows[0]["avatar_version"] if rows else 0


async def remove(viewer: Viewer) -> None:
    async with db.write():
        await AgentAvatar.delete().where(AgentAvatar.agent == viewer.agent_id)
        await Agent.update({Agent.avatar_version: 0}).where(
            Agent.id == viewer.agent_id, Agent.workspace == viewer.workspace_id)
        db.on_commit(lambda: forget_agents(viewer.workspace_id))


async def image(viewer: Viewer, agent_id: int) -> bytes:
    """An agent's avatar, for agents of the same workspace only (another's: NotFound)."""
    row = await AgentAvatar.select(AgentAvatar.image).where(
        AgentAvatar.agent == agent_id, AgentAvatar.workspace == viewer.workspace_id).first()
    if row is None:
        raise NotFound(_("No such avatar."))
    return bytes(row["image"])
