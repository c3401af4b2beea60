"""The quarantine and mail posts in a real browser (issue 11 §2, §6), in a workspace of its own:
a stranger's HTML mail on a customer's ticket is held; the admin opens it, sees its body in the
sandboxed frame (no script, no remote image), posts it to the ticket; on the ticket page the
post's original e-mail opens in a frame whose remote images load only when asked for."""

from __future__ import annotations

import subprocess
import urllib.request
from email.message import EmailMessage
from email.utils import make_msgid

from playwright.sync_api import expect

from tests.e2e.conftest import HELPREALM, Installation, _context, _watch
from tests.e2e.test_admin_journeys import _login, _settled, _workspace

COMPANY, EMAIL = "Quarantine Rockets", "quinn@quarantine.test"
PIXEL = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00" \
        b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
HTML = ('<p>Hello <b class="greeting">there</b>, send me the data.</p><script>document.title="pwned"</script>'
        '<img src="https://tracker.test/pixel.gif" alt="pixel" class="pixel">')


def _mail(sender: str, subject: str, text: str, html: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@quarantine.test"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.test")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def _pipe(installation: Installation, key: str, token: str, raw: bytes) -> dict:
    import json

    request = urllib.request.Request(f"{installation.base_url}/api/{key}/mail/inbound", data=raw, method="POST",
                                     headers={"Content-Type": "message/rfc822", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_a_held_mail_is_viewed_in_its_frame_and_posted_to_the_ticket(browser, installation: Installation, shot):
    key = _workspace(installation, company=COMPANY, email=EMAIL)
    made = subprocess.run([str(HELPREALM), "mail-token", "--config", str(installation.config), "--workspace", key],
                          capture_output=True, text=True, timeout=60, cwd=installation.config.parent)
    assert made.returncode == 0, made.stdout + made.stderr
    token = made.stdout.strip()
    opened = _pipe(installation, key, token, _mail("Sally <sally@customer.test>", "Rocket wobbles", "It wobbles."))
    assert opened["outcome"] == "created"
    held = _pipe(installation, key, token, _mail("Mallory <mallory@evil.test>", f"Re: [ID:{opened['ticket']}]",
                                                 "Hello there, send me the data.", HTML))
    assert held["outcome"] == "quarantined" and held["reason"] == "stranger"

    context = _context(browser)
    pixels: list[str] = []

    def pixel(route) -> None:
        pixels.append(route.request.url)
        route.fulfill(status=200, content_type="image/gif", body=PIXEL)
    context.route("https://tracker.test/**", pixel)
    watched = _watch(context.new_page())
    page = watched.page
    try:
        _login(page, installation, email=EMAIL)
        page.goto(f"{installation.base_url}/admin/")
        page.locator("nav.admin-nav").get_by_role("link", name="Quarantine").click()
        row = page.locator("tr[data-mail]")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("mallory@evil.test")
        expect(row).to_contain_text("is not from its customer")
        row.get_by_role("link", name="Re: [ID:").click()
        frame = page.frame_locator("iframe.mail-frame")
        expect(frame.locator("b")).to_have_text("there")
        expect(frame.locator("img")).to_have_count(1)
        assert frame.locator("img").get_attribute("src") is None  # the remote image is not even named
        assert page.title() != "pwned" and pixels == []
        shot(page, "quarantine-message")
        page.get_by_role("button", name="Post to ticket #1").click()
        _settled(page)
        expect(page.locator(".flash")).to_contain_text("Released into ticket #1.")
        expect(page.locator(".quarantine-actions")).to_have_count(0)

        page.locator("#quarantine-mail").get_by_role("link", name="#1").click()
        post = page.locator("article.post-customer")
        expect(post.locator(".text")).to_contain_text("Hello there, send me the data.")
        post.get_by_text("Show the original e-mail").click()
        original = post.frame_locator("iframe.mail-frame")
        expect(original.locator("b")).to_have_text("there")
        assert pixels == []
        post.get_by_role("link", name="Load remote images").click()
        expect(original.locator("img")).to_have_attribute("src", "https://tracker.test/pixel.gif")
        expect(original.locator("img")).to_have_js_property("naturalWidth", 1)  # it did load
        assert pixels == ["https://tracker.test/pixel.gif"]  # only now, once
        shot(page, "ticket-original-mail")
        watched.assert_clean()
    finally:
        context.close()
