"""Avatars: checked and re-encoded with Pillow, served only within the workspace, shown in the
thread without a query per post."""

from __future__ import annotations

import io
import os

import httpx
from PIL import Image

from app.accounts.tables import AgentAvatar
from app.templating import AVATAR_PATH
from tests import factories
from tests.helpers import HTMX, Person, cookies, csrf_from, field_error, soup
from tests.journeys import login, open_ticket, workspace_with_admin


def _image(fmt: str = "PNG", size: tuple[int, int] = (300, 200), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        extra["exif"] = data
    image.save(out, fmt, **extra)
    return out.getvalue()


async def _upload(person: Person, content: bytes, name: str = "me.png", htmx: bool = True):
    html = await person.page("/profile")
    return await person.client.post("/profile/avatar", data={"_csrf_token": csrf_from(html)},
                                    files={"avatar": (name, content, "image/png")}, headers=HTMX if htmx else None)


async def test_upload_resizes_strips_metadata_and_serves_with_cache_headers(person: Person):
    await workspace_with_admin()
    await login(person)
    response = await _upload(person, _image("JPEG", (640, 480), exif=True), "me.jpg")
    assert response.status_code == 200
    img = soup(response.text).select_one("#profile-avatar img.avatar")
    assert img["src"] == "/avatars/1?v=1"
    served = await person.client.get(img["src"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
    assert "max-age=31536000" in served.headers["cache-control"] and "private" in served.headers["cache-control"]
    with Image.open(io.BytesIO(served.content)) as stored:
        assert stored.format == "WEBP" and stored.size == (128, 128)
        assert not stored.getexif() and b"SecretCam" not in served.content
    again = await _upload(person, _image("WEBP"), "me.webp")
    assert soup(again.text).select_one("#profile-avatar img.avatar")["src"] == "/avatars/1?v=2"


async def test_route_and_filter_agree():
    from app.asgi import create_app
    from app.config import Settings

    app = create_app(Settings())
    assert app.route_reverse("agent.avatar", agent_id=7) == AVATAR_PATH.split("?")[0].format(id=7)


async def test_non_images_and_large_files_are_refused_at_the_field(person: Person):
    await workspace_with_admin()
    await login(person)
    for content in (b"GIF89a not really", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"", _image("GIF")):
        response = await _upload(person, content)
        assert response.status_code == 422 and field_error(response.text, "avatar"), content[:10]
    huge = _image("PNG") + b"\0" * (2 * 1024 * 1024)
    response = await _upload(person, huge)
    assert response.status_code in (413, 422)  # the body limit, or the size check
    # A small PNG that claims to be enormous (a decompression bomb) is refused, not decoded.
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    response = await _upload(person, bomb.getvalue())
    assert response.status_code == 422 and field_error(response.text, "avatar")
    assert await AgentAvatar.count() == 0


async def test_a_photo_of_almost_2_mb_is_taken(person: Person):
    """Larger than the app's form limit (256 KB): the avatar route has its own."""
    await workspace_with_admin()
    await login(person)
    noise = io.BytesIO()
    Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3)).save(noise, "PNG")
    assert 1_500_000 < len(noise.getvalue()) < 2 * 1024 * 1024
    response = await _upload(person, noise.getvalue())
    assert response.status_code == 200 and soup(response.text).select_one("#profile-avatar img.avatar")


async def test_remove_falls_back_to_initials(person: Person):
    await workspace_with_admin()
    await login(person)
    await _upload(person, _image())
    html = await person.page("/profile")
    removed = await person.client.post("/profile/avatar/remove", data={"_csrf_token": csrf_from(html)}, headers=HTMX)
    assert soup(removed.text).select_one("#profile-avatar .avatar.initials").get_text() == "AA"
    assert (await person.client.get("/avatars/1?v=1")).status_code == 404


async def test_another_workspace_gets_404(person: Person, client):
    await workspace_with_admin()
    await factories.workspace(company="Other", email="olga@other.test", name="Olga Other")
    await login(person)
    await _upload(person, _image())
    other = Person(client)
    with cookies(client, httpx.Cookies()):
        await login(other, email="olga@other.test")
        assert (await client.get("/avatars/1?v=1")).status_code == 404
    with cookies(client, httpx.Cookies()):
        response = await client.get("/avatars/1?v=1", follow_redirects=False)
        assert response.status_code == 303  # not logged in: to the login page


async def test_thread_shows_avatars_from_the_cached_agent_list(person: Person):
    workspace, _ = await workspace_with_admin()
    await open_ticket(Person(person.client), workspace)
    await login(person)
    await _upload(person, _image())
    page = await person.page("/tickets/1")
    await person.client.post("/tickets/1/reply", data={"_csrf_token": csrf_from(page), "text": "Hello"})
    thread = soup(await person.page("/tickets/1"))
    reply = thread.select_one("article.post-reply")
    assert reply.select_one("img.avatar")["src"] == "/avatars/1?v=1"
    customer_page = soup(await person.page(f"/{workspace['key']}/ticket/show/{(await _hash())}"))
    assert not customer_page.select("img.avatar")  # customers cannot load agents' avatars: initials
    assert customer_page.select_one("article.post-reply .avatar.initials").get_text() == "AA"


async def _hash() -> str:
    from app.tickets.tables import Ticket

    return (await Ticket.select(Ticket.hash).first())["hash"]
