"""Browser end-to-end fixtures: a real `helprealm serve` subprocess, a real SMTP server, Chromium.

Run these tests in their own pytest process, without pytest-asyncio (the sync Playwright API runs
its own event loop):

    .venv/bin/python -m pytest tests/e2e -p no:asyncio

(A plain `pytest tests`, with pytest-asyncio and the other tests in the same process, works too:
the browser fixtures are package-scoped, so Playwright is stopped before the async tests run.)

One installation in a temporary folder and one server for the whole session; one browser with a
context for the customer and one for the agent. The journeys in test_journeys.py run in file order
and hand their findings to each other through the `journey` dict. Screenshots go to
test-artifacts/screenshots/ (FAILED-*.png on a failure), the server's output to
test-artifacts/e2e-server.log.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.fixtures.smtp import SMTPServer
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
HELPREALM = Path(sys.executable).with_name("helprealm")
CHROMIUM = os.environ.get("HELPREALM_E2E_CHROMIUM", "/usr/bin/chromium")
IN_CI = os.environ.get("CI") == "true"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT = 30.0

ADMIN_NAME = "Ann Admin"
ADMIN_EMAIL = "ann@acme.test"
ADMIN_PASSWORD = "correct horse battery"
COMPANY = "Acme Rockets"


# -- pytest plumbing ---------------------------------------------------------------------------


def pytest_addoption(parser, pluginmanager) -> None:
    """Without pytest-asyncio (`-p no:asyncio`) its keys in pyproject.toml are unknown, and
    `filterwarnings = ["error"]` would turn pytest's "Unknown config option" warning into an
    internal error. Declare them as plain keys in that case only."""
    if not pluginmanager.has_plugin("asyncio"):
        parser.addini("asyncio_mode", "declared by tests/e2e/conftest.py (pytest-asyncio not loaded)")
        parser.addini("asyncio_default_fixture_loop_scope",
                      "declared by tests/e2e/conftest.py (pytest-asyncio not loaded)")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, a screenshot of every open browser page (customer's and agent's)."""
    report = yield
    if report.failed and report.when in ("setup", "call"):
        browser = _STATE.get("browser")
        if browser is not None:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for c, context in enumerate(browser.contexts):
                for p, page in enumerate(context.pages):
                    target = SCREENSHOTS / f"FAILED-{_safe(item.name)}-{c}-{p}.png"
                    try:
                        page.screenshot(path=str(target), full_page=True)
                        report.sections.append(("e2e screenshot", f"{target} ({page.url})"))
                    except Exception as exc:  # a screenshot must never hide the real failure
                        report.sections.append(("e2e screenshot", f"could not take {target}: {exc}"))
        log = _STATE.get("server_log")
        if log is not None and log.exists():
            tail = log.read_text(errors="replace")[-4000:]
            report.sections.append(("helprealm server log (tail)", tail))
    return report


_STATE: dict = {}


# -- the installation ---------------------------------------------------------------------------


@dataclass
class Installation:
    base_url: str
    workspace_key: str
    admin_email: str
    admin_password: str
    admin_name: str
    company: str
    config: Path
    db_path: Path
    smtp: SMTPServer
    log: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def public_url(self) -> str:
        return f"{self.base_url}/{self.workspace_key}"

    def permalink(self, ticket_hash: str) -> str:
        return f"{self.base_url}/{self.workspace_key}/ticket/show/{ticket_hash}"

    def create_workspace(self, company: str, name: str, email: str, password: str, *options: str) -> str:
        """A workspace of its own for a journey, made by the real CLI (`options`: e.g. "--lang", "el");
        returns its key."""
        made = subprocess.run(
            [str(HELPREALM), "create-workspace", "--config", str(self.config), "--company", company,
             "--name", name, "--email", email, "--password", password, *options],
            capture_output=True, text=True, timeout=60, cwd=self.config.parent)
        assert made.returncode == 0, made.stdout + made.stderr
        return re.search(r"/([0-9a-f]{32})\b", made.stdout).group(1)

    def log_in(self, page, email: str, password: str) -> None:
        """Log `page` in as that agent; it lands on the dashboard."""
        from playwright.sync_api import expect

        page.goto(f"{self.base_url}/login")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{self.base_url}/dashboard")


def _write_config(folder: Path, port: int, smtp_port: int) -> Path:
    config = folder / "app.toml"
    config.write_text(
        f"""
[server]
host = "127.0.0.1"
port = {port}
base_url = "http://127.0.0.1:{port}"
secret_key = "e2e-secret-{os.getpid()}"

[storage]
data_dir = "{(folder / 'data').as_posix()}"
index_dir = "{(folder / 'search_index').as_posix()}"

[mail]
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
from_address = "support@acme.test"
send_interval_seconds = 0.1
max_attempts = 3

[limits]
ticket_wait_seconds = 0
# Every journey logs in from 127.0.0.1 within a few minutes; the per-client login limit is tested
# in the main suite (tests/accounts), not by making journeys wait for it.
login_attempts_per_minute = 1000
""".lstrip()
    )
    return config


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"helprealm serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:  # 503 while the search index starts
            last = f"HTTP {exc.code}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise RuntimeError(f"helprealm did not become healthy within {SERVER_START_TIMEOUT}s ({last}):\n"
                       f"{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def installation(tmp_path_factory) -> Iterator[Installation]:
    """A fresh HelpRealm: workspace made with `helprealm create-workspace`, then `helprealm serve`."""
    folder = tmp_path_factory.mktemp("helprealm-e2e")
    smtp = SMTPServer()
    smtp.controller.start()
    port = free_port()
    config = _write_config(folder, port, smtp.port)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("HELPREALM_CONFIG", None)
    process = None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / "e2e-server.log"
    try:
        created = subprocess.run(
            [str(HELPREALM), "create-workspace", "--config", str(config), "--company", COMPANY,
             "--name", ADMIN_NAME, "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD],
            capture_output=True, text=True, timeout=60, env=env, cwd=folder,
        )
        assert created.returncode == 0, f"create-workspace failed:\n{created.stdout}\n{created.stderr}"
        match = re.search(r"/([0-9a-f]{32})\b", created.stdout)
        assert match, f"no public page address in create-workspace output:\n{created.stdout}"
        key = match.group(1)
        db_path = folder / "data" / "helprealm.sqlite"
        with sqlite3.connect(db_path) as conn:  # the printed key is the stored one
            assert conn.execute("SELECT key FROM workspace").fetchall() == [(key,)]

        with log.open("w") as out:
            process = subprocess.Popen(
                [str(HELPREALM), "serve", "--config", str(config)],
                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder,
            )
        base_url = f"http://127.0.0.1:{port}"
        _STATE["server_log"] = log
        _wait_healthy(base_url, process, log)
        yield Installation(
            base_url=base_url, workspace_key=key, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD,
            admin_name=ADMIN_NAME, company=COMPANY, config=config, db_path=db_path, smtp=smtp, log=log,
            process=process,
        )
    finally:
        if process is not None:
            _stop(process)
        smtp.controller.stop()


# -- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (set HELPREALM_E2E_CHROMIUM to its path)"
        if IN_CI:
            pytest.fail(message + "; CI=true, so the end-to-end tests must not be skipped")
        pytest.skip(message)
    # Package scope, not session: Playwright's sync API keeps an event loop of its own, which
    # must be gone before any pytest-asyncio test runs when everything is run in one process.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        _STATE["browser"] = browser
        try:
            yield browser
        finally:
            _STATE.pop("browser", None)
            browser.close()


@dataclass
class Watched:
    """A browser page plus what went wrong on it: script errors and server errors."""

    page: object
    errors: list[str] = field(default_factory=list)
    # 4xx answers a journey provokes on purpose, as (method, status, url regex); see expect_status.
    allowed: list[tuple[str, int, re.Pattern]] = field(default_factory=list)

    def expect_status(self, method: str, status: int, url_pattern: str) -> None:
        self.allowed.append((method, status, re.compile(url_pattern)))

    def on_console(self, msg) -> None:
        # "Failed to load resource" duplicates what on_response checks, with the URL.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(f"console error on {self.page.url}: {msg.text}")

    def on_response(self, response) -> None:
        if response.status < 400:
            return
        method = response.request.method
        for allowed_method, status, pattern in self.allowed:
            if method == allowed_method and response.status == status and pattern.search(response.url):
                return
        self.errors.append(f"HTTP {response.status} for {method} {response.url}")

    def assert_clean(self) -> None:
        assert not self.errors, "problems seen by the browser:\n" + "\n".join(self.errors)


def _watch(page) -> Watched:
    watched = Watched(page)
    page.on("pageerror", lambda exc: watched.errors.append(f"page error on {page.url}: {exc}"))
    page.on("console", watched.on_console)
    page.on("response", watched.on_response)
    return watched


def _context(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    return context


@pytest.fixture(scope="package")
def customer(browser, installation) -> Iterator[Watched]:
    """The customer's own browser (no cookies shared with the agent)."""
    context = _context(browser)
    try:
        yield _watch(context.new_page())
    finally:
        context.close()


@pytest.fixture(scope="package")
def agent(browser, installation) -> Iterator[Watched]:
    context = _context(browser)
    try:
        yield _watch(context.new_page())
    finally:
        context.close()


@pytest.fixture(scope="session")
def journey() -> dict:
    """What one journey leaves for the next (ticket hash, texts written...)."""
    return {}


@pytest.fixture(scope="session")
def shot():
    """shot(page, "name"): a full-page screenshot into test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()

    def take(page, name: str) -> Path:
        target = SCREENSHOTS / f"{_safe(name)}.png"
        page.screenshot(path=str(target), full_page=True)
        return target

    return take

