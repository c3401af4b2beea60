"""Background images of the customer pages (system settings, "background mode: image").

An upload is an image only if Pillow decodes it as JPEG, PNG or WebP (a text file named .png is
refused at the field), within a size and pixel budget; what is stored is a re-encoded copy,
scaled to at most MAX_SIDE pixels, without the upload's metadata (EXIF location, comments, ICC
profiles), plus a small WebP thumbnail for the settings page. Files live in
`<data>/backgrounds/<workspace id>/` (one folder per workspace: cancelling one removes it whole),
rows in `background_image`; the customer pages read the list from a cache that this module's
writes invalidate.
"""

from __future__ import annotations

import asyncio
import io
import random
import secrets
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageOps

from app import clock, db
from app.audit.service import record
from app.cache import TTLCache
from app.errors import Conflict, NotFound, ValidationFailed
from app.i18n import _
from app.images import DECODING
from app.tickets import files
from app.workspaces.tables import BackgroundImage

if TYPE_CHECKING:
    from app.accounts.viewer import Viewer

MAX_BYTES = 5 * 1024 * 1024  # the upload
MAX_PIXELS = 40_000_000  # decoded (a small file can unpack to gigabytes: a "decompression bomb")
MAX_SIDE = 2560  # larger images are scaled down to this
THUMB_SIDE = 320
MAX_IMAGES = 20  # per workspace
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
EXTENSIONS = {"jpg", "jpeg", "png", "webp"}
FIELD = "image"

_images: TTLCache[list[dict]] = TTLCache("background images")


@dataclass(frozen=True)
class Prepared:
    data: bytes  # the re-encoded image
    thumbnail: bytes  # WebP
    format: str  # "JPEG", "PNG" or "WEBP"
    width: int
    height: int


def prepare(upload: files.Upload) -> Prepared:
    """Check and re-encode an uploaded image (CPU work: call it in a thread). ValidationFailed at
    the field `image` for anything that is not a JPEG, PNG or WebP within the limits."""
    if not upload.data:
        raise ValidationFailed({FIELD: _("The file is empty.")})
    if len(upload.data) > MAX_BYTES:
        raise ValidationFailed({FIELD: _("The image is larger than %(size)s.", size=files.human_size(MAX_BYTES))})
    if files.extension(files.safe_filename(upload.filename)) not in EXTENSIONS:
        raise ValidationFailed({FIELD: _("Please upload a JPG, PNG or WebP image.")})
    not_an_image = ValidationFailed({FIELD: _("This file is not a JPG, PNG or WebP image.")})
    try:
        with DECODING, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(upload.data), formats=list(FORMATS)) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationFailed({FIELD: _("The image has too many pixels.")})
                probe.verify()  # checks the file's structure without decoding it all
            # verify() leaves the image unusable: open again to decode it.
            with Image.open(io.BytesIO(upload.data), formats=list(FORMATS)) as image:
                image.load()
                return _reencode(image)
    except ValidationFailed:
        raise
    except Exception as exc:  # Pillow raises many kinds for a damaged file (odd EXIF too): all are refusals
        raise not_an_image from exc


def _reencode(image: Image.Image) -> Prepared:
    fmt = image.format or "PNG"
    clean = ImageOps.exif_transpose(image)  # keep the photo upright once its EXIF is gone
    has_alpha = clean.mode in ("RGBA", "LA", "PA") or (clean.mode == "P" and "transparency" in clean.info)
    clean = clean.convert("RGBA" if has_alpha and fmt != "JPEG" else "RGB")
    clean.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # No exif=, icc_profile= or pnginfo=: the copy carries pixels only.
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=85, optimize=True)
    elif fmt == "WEBP":
        clean.save(out, "WEBP", quality=85)
    else:
        clean.save(out, "PNG", optimize=True)
    thumb = clean.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, "WEBP", quality=80)
    return Prepared(out.getvalue(), thumb_out.getvalue(), fmt, clean.width, clean.height)


def folder(root: Path, workspace_id: int) -> Path:
    return root / str(int(workspace_id))


def media_type(stored_name: str) -> str:
    ext = stored_name.rsplit(".", 1)[-1]
    return next((mt for e, mt in FORMATS.values() if e == ext), "application/octet-stream")


async def images(workspace_id: int) -> list[dict]:
    """The workspace's background images, oldest first (cached; the customer pages read it)."""
    async def load() -> list[dict]:
        return await BackgroundImage.select(
            BackgroundImage.id, BackgroundImage.filename, BackgroundImage.stored_name, BackgroundImage.width,
            BackgroundImage.height, BackgroundImage.created_at,
        ).where(BackgroundImage.workspace == workspace_id).order_by(BackgroundImage.id)
    return list(await _images.get(workspace_id, load) or [])


async def pick(workspace: dict) -> dict | None:
    """The image a customer page shows: one of the workspace's, at random; None in colour mode or
    when there is none (the colour then)."""
    if workspace.get("background_mode") != "image":
        return None
    found = await images(workspace["id"])
    return random.choice(found) if found else None  # noqa: S311 - a look, not a secret


async def image_of(workspace_id: int, image_id: int) -> dict:
    """One image of this workspace (NotFound for another workspace's id)."""
    for image in await images(workspace_id):
        if image["id"] == image_id:
            return image
    raise NotFound(_("No such image."))


async def add_image(viewer: Viewer, upload: files.Upload, root: Path) -> dict:
    """Check, re-encode and store an uploaded background image; the files go again if the row
    does not commit."""
    prepared = await asyncio.to_thread(prepare, upload)
    directory = folder(root, viewer.workspace_id)
    ext = FORMATS[prepared.format][0]
    stored_name = f"{secrets.token_hex(16)}.{ext}"
    await asyncio.to_thread(_write, directory, stored_name, prepared)
    filename = files.safe_filename(upload.filename)
    try:
        async with db.write():
            count = await BackgroundImage.count().where(BackgroundImage.workspace == viewer.workspace_id)
            if count >= MAX_IMAGES:
                raise Conflict(_("A workspace keeps at most %(n)d background images: delete one first.",
                                 n=MAX_IMAGES))
            row = BackgroundImage(workspace=viewer.workspace_id, filename=filename, stored_name=stored_name,
                                  width=prepared.width, height=prepared.height, created_at=clock.now())
            await row.save()
            await record(viewer.workspace_id, viewer, "background.added", subject=filename,
                         after={"width": prepared.width, "height": prepared.height})
            db.on_commit(lambda: _images.invalidate(viewer.workspace_id))
    except BaseException:
        _discard(directory, stored_name)
        raise
    return row.to_dict()


async def delete_image(viewer: Viewer, image_id: int, root: Path) -> str:
    async with db.write():
        row = await BackgroundImage.select(BackgroundImage.filename, BackgroundImage.stored_name).where(
            BackgroundImage.id == image_id, BackgroundImage.workspace == viewer.workspace_id).first()
        if row is None:
            raise NotFound(_("No such image."))
        await BackgroundImage.delete().where(BackgroundImage.id == image_id)
        await record(viewer.workspace_id, viewer, "background.deleted", subject=row["filename"])
        directory = folder(root, viewer.workspace_id)
        db.on_commit(lambda: _discard(directory, row["stored_name"]))
        db.on_commit(lambda: _images.invalidate(viewer.workspace_id))
    return row["filename"]


def remove_all(root: Path, workspace_id: int) -> None:
    """Remove a workspace's image files (its rows go with the workspace row: ON DELETE CASCADE).
    For cancelling a workspace, after its deletion has committed."""
    shutil.rmtree(folder(root, workspace_id), ignore_errors=True)
    _images.invalidate(workspace_id)


def _write(directory: Path, stored_name: str, prepared: Prepared) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / stored_name).write_bytes(prepared.data)
    (directory / f"{stored_name}.thumb.webp").write_bytes(prepared.thumbnail)


def _discard(directory: Path, stored_name: str) -> None:
    files.discard(directory, stored_name)
    files.discard(directory, f"{stored_name}.thumb.webp")
