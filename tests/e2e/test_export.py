"""An admin exports a date range from the administration and opens the file. In a workspace of its
own (made with the CLI), so the other journeys' counts stay as they expect."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from tests.e2e.conftest import HELPREALM, Installation, _context, _watch

EMAIL, PASSWORD = "erin@export.test", "correct horse export"
SUBJECT = "=1+1 printer export"  # a formula start: the CSV cell gets a leading apostrophe


def _open_ticket(page: Page, public_url: str) -> None:
    page.goto(public_url)
    form = page.locator("#ticket-form")
    form.get_by_label("Your name").fill("Xena Export")
    form.get_by_label("Your e-mail address").fill("xena@customer.test")
    form.get_by_label("Subject").fill(SUBJECT)
    form.get_by_label("How can we help?").fill("Please export this ticket.")
    form.get_by_label("Type").select_option(label="Incident")
    form.get_by_label("Priority").select_option(label="High")
    question = page.locator(".captcha-question").inner_text()
    a, b = re.fullmatch(r"\s*(\d+)\s*\+\s*(\d+)\s*=\s*\?\s*", question).groups()
    page.get_by_role("textbox", name=re.compile("Captcha")).fill(str(int(a) + int(b)))
    page.get_by_role("button", name="Submit").click()
    expect(form.get_by_role("status")).to_contain_text("Your ticket has been created.")


def test_admin_exports_a_date_range_and_opens_the_file(browser, installation: Installation, shot):
    made = subprocess.run(
        [str(HELPREALM), "create-workspace", "--config", str(installation.config), "--company", "Export Co",
         "--name", "Erin Export", "--email", EMAIL, "--password", PASSWORD],
        capture_output=True, text=True, timeout=60, cwd=installation.config.parent)
    assert made.returncode == 0, made.stdout + made.stderr
    key = re.search(r"/([0-9a-f]{32})\b", made.stdout).group(1)
    context = _context(browser)
    try:
        page = _watch(context.new_page()).page
        _open_ticket(page, f"{installation.base_url}/{key}")
        _export(page, installation, shot)
    finally:
        context.close()


def _export(page: Page, installation: Installation, shot) -> None:
    page.goto(f"{installation.base_url}/login")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{installation.base_url}/dashboard")

    page.goto(f"{installation.base_url}/admin/")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Export").click()
    expect(page.get_by_role("heading", name="Export tickets")).to_be_visible()

    # A range the wrong way round is refused at the field.
    page.locator("input[name=date_from]").fill("2026-03-02")
    page.locator("input[name=date_to]").fill("2026-03-01")
    page.get_by_role("button", name="Export").click()
    expect(page.locator("#err-date_to")).to_be_visible()

    today = datetime.now(UTC).date().isoformat()
    page.locator("input[name=date_from]").fill(today)
    page.locator("input[name=date_to]").fill(today)
    page.get_by_label("Format").select_option("csv")
    page.get_by_label("Include the thread").check()
    shot(page, "export-01-form")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    assert download.value.suggested_filename == f"tickets-{today}-{today}.csv"
    with open(download.value.path(), "rb") as file:
        rows = list(csv.DictReader(io.StringIO(file.read().decode("utf-8-sig"))))
    assert [r["subject"] for r in rows] == ["'" + SUBJECT]
    row = rows[0]
    assert row["priority_name"] == "High" and row["customer_name"] == "Xena Export"
    assert "Please export this ticket." in row["thread"] and "hash" not in row
