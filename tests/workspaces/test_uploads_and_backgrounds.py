"""The upload rules of the system settings in every path a file enters (the customer's ticket
page, the agent's), the installation's block-list that no allow-list lifts, the size; background
images checked as images, re-encoded, served only within their workspace, shown on the public
page."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from app.errors import NotFound
from app.tickets import files
from app.tickets.tables import Attachment
from app.workspaces import backgrounds
from app.workspaces.service import get_by_id, update_settings
from app.workspaces.tables import BackgroundImage
from tests import factories
from tests.helpers import HTMX, Person, csrf_from, field_error, soup
from tests.journeys import login, open_ticket, workspace_with_admin

MB = 1024 * 1024


def _png(width: int = 40, height: int = 30, *, text: str = "") -> bytes:
    image = Image.new("RGB", (width, height), (200, 40, 40))
    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text)
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


# -- the one check -----------------------------------------------------------------------------

def test_the_check_applies_the_allow_list_the_block_list_and_the_size():
    workspace = {"allowed_extensions": "pdf png exe js html", "max_upload_bytes": 2 * MB}

    def check(name: str, size: int = 10) -> str:
        return files.check_upload(files.Upload(name, "application/octet-stream", b"x" * size), workspace=workspace,
                                  ceiling=10 * MB)

    assert check("Report.PDF") == "Report.PDF"
    for refused in ("run.exe", "x.js", "page.html", "notes.txt", "README", "probe.exe.", "a.pdf.exe"):
        with pytest.raises(files.ValidationFailed):
            check(refused)
    with pytest.raises(files.ValidationFailed) as too_big:
        check("big.pdf", 2 * MB + 1)
    assert too_big.value.errors["file"] == "The file is larger than 2 MB."
    # The installation's ceiling wins over a workspace's larger setting.
    assert files.max_upload_bytes({"max_upload_bytes": 50 * MB}, 10 * MB) == 10 * MB


# -- every upload path -------------------------------------------------------------------------

async def _customer_upload(person: Person, workspace: dict, ticket: dict, name: str, data: bytes = b"hello"):
    page = f"/{workspace['key']}/ticket/show/{ticket['hash']}"
    token = csrf_from(await person.page(page))
    return await person.client.post(f"{page}/upload", data={"_csrf_token": token},
                                    files={"file": (name, data, "application/octet-stream")}, headers=HTMX)


async def _agent_upload(person: Person, ticket: dict, name: str, data: bytes = b"hello"):
    page = f"/tickets/{ticket['number']}"
    token = csrf_from(await person.page(page))
    return await person.client.post(f"{page}/attachments", data={"_csrf_token": token},
                                    files={"file": (name, data, "application/octet-stream")}, headers=HTMX)


async def test_every_upload_path_follows_the_workspace_rules(person: Person):
    workspace, _ = await workspace_with_admin()
    customer = Person(person.client)
    ticket = await open_ticket(customer, workspace)
    await login(person)
    agent = person
    await update_settings(workspace["id"], allowed_extensions="pdf log sh", max_upload_bytes=MB // 10)
    shown = soup(await customer.page(f"/{workspace['key']}/ticket/show/{ticket['hash']}"))
    assert shown.select_one("[data-allowed-types]").get_text() == "Accepted file types: pdf log"  # not sh
    for upload in (lambda name, data=b"hello": _customer_upload(customer, workspace, ticket, name, data),
                   lambda name, data=b"hello": _agent_upload(agent, ticket, name, data)):
        assert (await upload("report.pdf")).status_code == 200
        refused = await upload("photo.png")  # a default, no longer on this workspace's list
        assert refused.status_code == 422
        assert field_error(refused.text, "file") == "Files of type .png are not accepted."
        blocked = await upload("install.sh")  # on the list, but always blocked
        assert blocked.status_code == 422
        assert field_error(blocked.text, "file") == "Files of type .sh are not accepted."
        big = await upload("huge.log", b"x" * (MB // 10 + 1))
        assert big.status_code == 422 and "larger than" in field_error(big.text, "file")
    assert sorted(r["filename"] for r in await Attachment.select(Attachment.filename)) == ["report.pdf", "report.pdf"]


async def test_customers_cannot_upload_when_uploads_are_off(person: Person):
    workspace, _ = await workspace_with_admin()
    ticket = await open_ticket(person, workspace)
    await update_settings(workspace["id"], allow_customer_uploads=False)
    page = soup(await person.page(f"/{workspace['key']}/ticket/show/{ticket['hash']}"))
    assert not page.select_one("input[type=file]")
    refused = await _customer_upload(person, workspace, ticket, "report.pdf")
    assert refused.status_code == 403 and await Attachment.count() == 0


async def test_the_page_says_which_listed_types_are_refused_anyway(person: Person):
    await workspace_with_admin()
    await login(person)
    html = await person.page("/admin/settings")
    token = csrf_from(html)
    saved = await person.client.post("/admin/settings/uploads", headers=HTMX, data={
        "_csrf_token": token, "allowed_extensions": "pdf exe svg", "max_upload_mb": "5"})
    assert saved.status_code == 200
    assert soup(saved.text).select_one("[data-blocked-anyway]").get_text() == "Refused anyway: exe svg."


# -- background images -------------------------------------------------------------------------

def test_only_real_images_are_accepted_and_they_are_re_encoded():
    with pytest.raises(files.ValidationFailed) as renamed:
        backgrounds.prepare(files.Upload("logo.png", "image/png", b"just some text, not an image"))
    assert renamed.value.errors["image"] == "This file is not a JPG, PNG or WebP image."
    with pytest.raises(files.ValidationFailed):
        backgrounds.prepare(files.Upload("logo.gif", "image/gif", _png()))  # not an accepted type
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    with pytest.raises(files.ValidationFailed):  # a GIF named .png
        backgrounds.prepare(files.Upload("logo.png", "image/png", gif.getvalue()))
    with pytest.raises(files.ValidationFailed):  # a PNG cut short
        backgrounds.prepare(files.Upload("cut.png", "image/png", _png()[:60]))
    bomb = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(bomb, "PNG")  # a few KB that decode to 50 million pixels
    with pytest.raises(files.ValidationFailed) as too_many:
        backgrounds.prepare(files.Upload("bomb.png", "image/png", bomb.getvalue()))
    assert too_many.value.errors["image"] == "The image has too many pixels."
    original = _png(3000, 1500, text="GPS 52.5N 13.4E")
    prepared = backgrounds.prepare(files.Upload("big.png", "image/png", original))
    assert prepared.format == "PNG" and (prepared.width, prepared.height) == (2560, 1280)
    assert b"GPS" not in prepared.data and prepared.data != original
    with Image.open(io.BytesIO(prepared.data)) as again:
        assert again.size == (2560, 1280) and "Comment" not in again.info
    with Image.open(io.BytesIO(prepared.thumbnail)) as thumb:
        assert thumb.format == "WEBP" and max(thumb.size) == backgrounds.THUMB_SIDE


async def _upload_background(person: Person, name: str, data: bytes):
    token = csrf_from(await person.page("/admin/settings"))
    return await person.client.post("/admin/settings/background-images", data={"_csrf_token": token},
                                    files={"image": (name, data, "image/png")}, headers=HTMX)


async def test_background_images_are_uploaded_shown_scoped_and_deleted(person: Person, settings):
    workspace, _ = await workspace_with_admin()
    other, _ = await factories.workspace(company="Other", email="olga@other.test")
    await login(person)
    fake = await _upload_background(person, "fake.png", b"GIF89a? no, text")
    assert fake.status_code == 422 and field_error(fake.text, "image")
    assert await BackgroundImage.count() == 0
    added = await _upload_background(person, "sunset.png", _png(text="secret comment"))
    assert added.status_code == 200
    fragment = soup(added.text)
    assert fragment.select_one("section#settings-background") and not fragment.select_one("nav.sidebar")
    row = await BackgroundImage.select().first()
    thumb = fragment.select_one(f"li[data-image='{row['id']}'] img")["src"]
    assert thumb.startswith(f"/{workspace['key']}/background/{row['id']}?size=thumb")
    stored = settings.backgrounds_path / str(workspace["id"]) / row["stored_name"]
    assert stored.is_file() and b"secret comment" not in stored.read_bytes()
    # Served within its workspace only, as an image browsers may keep.
    served = await person.client.get(f"/{workspace['key']}/background/{row['id']}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert "max-age" in served.headers["cache-control"] and served.headers["x-content-type-options"] == "nosniff"
    assert (await person.client.get(f"/{other['key']}/background/{row['id']}")).status_code == 404
    # Colour mode: the public page names the colour; image mode: the image.
    public = soup(await person.page(f"/{workspace['key']}/")).select_one("#portal-background")
    assert public["data-colour"] == "#f4f6f9" and not public.get("data-image")
    await update_settings(workspace["id"], background_mode="image")
    public = soup(await person.page(f"/{workspace['key']}/")).select_one("#portal-background")
    assert public["data-image"].startswith(f"/{workspace['key']}/background/{row['id']}?v=")
    other_page = soup(await person.page(f"/{other['key']}/")).select_one("#portal-background")
    assert not other_page.get("data-image")
    # Another workspace's admin cannot delete it; its own can, and the file goes.
    token = csrf_from(await person.page("/admin/settings"))
    deleted = await person.client.post(f"/admin/settings/background-images/{row['id']}/delete",
                                       data={"_csrf_token": token}, headers=HTMX)
    assert deleted.status_code == 200 and not soup(deleted.text).select("li[data-image]")
    assert not stored.exists() and await BackgroundImage.count() == 0
    assert (await person.client.get(f"/{workspace['key']}/background/{row['id']}")).status_code == 404
    public = soup(await person.page(f"/{workspace['key']}/")).select_one("#portal-background")
    assert not public.get("data-image") and not public.get("data-colour")  # image mode, no image: the default look


async def test_another_workspace_cannot_delete_an_image(database, settings):
    workspace, ann = await factories.workspace()
    other, olga = await factories.workspace(company="Other", email="olga@other.test")
    image = await backgrounds.add_image(await factories.viewer(ann), files.Upload("a.png", "image/png", _png()),
                                        settings.backgrounds_path)
    with pytest.raises(NotFound):
        await backgrounds.delete_image(await factories.viewer(olga), image["id"], settings.backgrounds_path)
    assert await BackgroundImage.count() == 1
    assert (await get_by_id(workspace["id"]))["background_mode"] == "colour"
    # Cancelling a workspace removes its folder of images (and only its).
    other_image = await backgrounds.add_image(await factories.viewer(olga), files.Upload("b.png", "image/png", _png()),
                                              settings.backgrounds_path)
    backgrounds.remove_all(settings.backgrounds_path, workspace["id"])
    assert not backgrounds.folder(settings.backgrounds_path, workspace["id"]).exists()
    assert (backgrounds.folder(settings.backgrounds_path, other["id"]) / other_image["stored_name"]).is_file()
