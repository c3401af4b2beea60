"""An admin exports a date range from the administration and opens the file."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime

from playwright.sync_api import expect

from tests.e2e.conftest import Installation, Watched
from tests.e2e.test_lists import _open_ticket

MARK = f"Export{int(time.time() * 1000) % 10**8:08d}"


def test_admin_exports_a_date_range_and_opens_the_file(customer: Watched, agent: Watched,
                                                        installation: Installation, shot):
    _open_ticket(customer.page, installation, f"{MARK} =1+1 printer", "High")
    page = agent.page
    page.goto(f"{installation.base_url}/dashboard")
    if "/login" in page.url:  # not yet logged in by an earlier journey of this session
        page.get_by_label("E-mail address").fill(installation.admin_email)
        page.get_by_label("Password").fill(installation.admin_password)
        page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{installation.base_url}/dashboard")

    page.goto(f"{installation.base_url}/admin/")
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Export").click()
    expect(page.get_by_role("heading", name="Export tickets")).to_be_visible()

    # A range the wrong way round is refused at the field, what was typed stays.
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
    data = open(download.value.path(), "rb").read()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    ours = [r for r in rows if MARK in r["subject"]]
    assert len(ours) == 1
    assert ours[0]["priority_name"] == "High" and "Please look at this list" in ours[0]["thread"]
