"""Smoke test of the built zipapp, the file people download: copied to an empty folder with only an
app.toml, `python3 helprealm.pyz serve` must start and serve the product.

`make test` builds build/helprealm.pyz first. Run alone without a build, this test skips, except
under CI=true, where a missing pyz is a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from app import i18n
from tests.conftest import IN_CI
from tests.helpers import free_port, soup
from tests.live.test_shutdown import stop_server

PYZ = Path(__file__).resolve().parent.parent / "build" / "helprealm.pyz"


@pytest.fixture(scope="module")
def pyz() -> Path:
    if not PYZ.exists():
        if IN_CI:
            pytest.fail(f"{PYZ} is missing: `make test` builds it with build/build.sh")
        pytest.skip("build/helprealm.pyz not built (run `make build`)")
    return PYZ


def _python() -> str:
    """The plain interpreter, not the venv's: the pyz must carry its own dependencies."""
    return getattr(sys, "_base_executable", None) or sys.executable


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "HELPREALM_CONFIG")}
    return env


def test_pyz_holds_templates_static_and_entry_point(pyz):
    names = set(zipfile.ZipFile(pyz).namelist())
    assert "site-packages/app/templates/layouts/base.html" in names
    assert "site-packages/app/static/js/htmx.min.js" in names
    assert "site-packages/app/static/vendor/rapidoc/rapidoc-min.js" in names  # the API docs page (/schema)
    assert "site-packages/app/templates/mail/agent_reply.txt" in names
    assert "site-packages/app/migrations/m0001_initial.py" in names
    # git-ignored build output: only in the wheel because pyproject.toml declares it a hatch artifact
    for code in i18n.LANGUAGES:
        assert f"site-packages/app/locale/{code}/LC_MESSAGES/messages.mo" in names, code
    version = subprocess.run(
        [_python(), str(pyz), "--version"], capture_output=True, text=True, env=_env(), timeout=120
    )
    assert version.returncode == 0 and version.stdout.startswith("helprealm "), version.stderr


def test_pyz_loads_its_compiled_catalog(pyz, tmp_path):
    """The app inside the pyz finds app/locale in its extracted package, not an English fallback
    (and carries its own time zone data)."""
    probe = (
        "from app import i18n; from babel.support import Translations; import tzdata; "
        "i18n.set_locale('de'); "
        "print(isinstance(i18n.translations_for('en'), Translations), i18n.gettext('Log in'), i18n.LOCALE_DIR)"
    )
    run = subprocess.run([_python(), str(pyz), "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                         env={**_env(), "SHIV_INTERPRETER": "1"}, timeout=120)
    assert run.returncode == 0, run.stderr
    found, german, locale_dir = run.stdout.split(maxsplit=2)
    assert found == "True" and german == "Anmelden", run.stdout
    assert Path(locale_dir.strip()).parts[-3:] == ("site-packages", "app", "locale"), locale_dir


def test_pyz_runs_its_own_pillow_pyotp_and_segno(pyz, tmp_path):
    """Pillow (a C extension), pyotp and segno work from the pyz's extracted site-packages, not
    from the machine's: an avatar is resized and re-encoded as WebP, a background image is scaled,
    a TOTP code checks, a QR code renders as SVG."""
    probe = (
        "import io; from PIL import Image; from app.profile.avatars import resize; "
        "b = io.BytesIO(); Image.new('RGB', (300, 200)).save(b, 'JPEG'); "
        "out = Image.open(io.BytesIO(resize(b.getvalue()))); "
        "from app.tickets.files import Upload; from app.workspaces.backgrounds import prepare; "
        "b = io.BytesIO(); Image.new('RGB', (3000, 20)).save(b, 'PNG'); "
        "p = prepare(Upload('a.png', 'image/png', b.getvalue())); "
        "import pyotp; from app.accounts import twofactor; twofactor.configure('s'); "
        "secret = twofactor.new_secret(); "
        "ok = twofactor.matching_step(secret, pyotp.TOTP(secret).now(), 0) is not None; "
        "qr = twofactor.qr_data_uri(twofactor.provisioning_uri(secret, 'a@b.test')); "
        "print(out.format, out.size[0], p.format, p.width, ok, qr.startswith('data:image/svg+xml'), Image.__file__)"
    )
    run = subprocess.run([_python(), str(pyz), "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                         env={**_env(), "SHIV_INTERPRETER": "1"}, timeout=120)
    assert run.returncode == 0, run.stderr
    *figures, location = run.stdout.split(maxsplit=6)
    assert figures == ["WEBP", "128", "PNG", "2560", "True", "True"], run.stdout
    assert "site-packages" in location and ".venv" not in location, location


def test_pyz_serves_from_an_empty_folder(pyz, tmp_path):
    folder = tmp_path / "install"
    folder.mkdir()
    shutil.copy(pyz, folder / "helprealm.pyz")
    port = free_port()
    (folder / "app.toml").write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
    )
    created = subprocess.run(
        [_python(), "helprealm.pyz", "create-workspace", "--company", "Zip Co", "--name", "Zed Admin",
         "--email", "zed@zip.test", "--password", "zipped secret"],
        cwd=folder, capture_output=True, text=True, env=_env(), timeout=120,
    )
    assert created.returncode == 0, created.stderr
    public = next(line.split()[-1] for line in created.stdout.splitlines() if "Public page" in line)
    # xlsxwriter works from inside the zipapp (an XLSX export of the empty workspace)
    exported = subprocess.run(
        [_python(), "helprealm.pyz", "export", "--workspace", public.rstrip("/").rsplit("/", 1)[1], "--from",
         "2026-01-01", "--to", "2026-01-31", "--format", "xlsx", "--output", "out.xlsx"],
        cwd=folder, capture_output=True, text=True, env=_env(), timeout=120,
    )
    assert exported.returncode == 0 and zipfile.is_zipfile(folder / "out.xlsx"), exported.stderr

    server = subprocess.Popen([_python(), "helprealm.pyz", "serve"], cwd=folder, env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"server exited: {server.stdout.read()}"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "no /healthz answer within 60 s"
            time.sleep(0.1)
        form = httpx.get(public, timeout=5)
        assert form.status_code == 200
        assert soup(form.text).find("form", attrs={"action": lambda a: a and a.endswith("/ticket/create")}) is not None
        assert httpx.get(f"{base}/static/js/htmx.min.js", timeout=5).status_code == 200
        docs = httpx.get(f"{base}/schema", timeout=5)  # the API docs page and its vendored script
        assert docs.status_code == 200 and "/static/vendor/rapidoc/rapidoc-min.js" in docs.text
        rapidoc = httpx.get(f"{base}/static/vendor/rapidoc/rapidoc-min.js", timeout=5)
        assert rapidoc.status_code == 200 and "javascript" in rapidoc.headers["content-type"]
        login = httpx.get(f"{base}/login", timeout=5)
        assert soup(login.text).find("input", attrs={"name": "password"}) is not None
    finally:
        stop_server(server)
    # the data lands beside app.toml, as the config says
    assert (folder / "data" / "helprealm.sqlite").exists()
    assert (folder / "search_index").is_dir()
    assert server.returncode in (0, -15), server.returncode


def test_pyz_reads_bounces_and_mail_with_its_own_packages(pyz, tmp_path):
    """flufl.bounce finds its detectors (loaded by scanning its package folder) and nh3 sanitizes,
    from the pyz's extracted site-packages."""
    dsn = ("From: MAILER-DAEMON@mx.test\\r\\nContent-Type: multipart/report; report-type=delivery-status; "
           "boundary=B\\r\\n\\r\\n--B\\r\\nContent-Type: message/delivery-status\\r\\n\\r\\n"
           "Reporting-MTA: dns; mx\\r\\n\\r\\n"
           "Final-Recipient: rfc822; gone@x.test\\r\\nAction: failed\\r\\nStatus: 5.1.1\\r\\n--B--\\r\\n")
    probe = (
        "from app.mail.bounces import failed_addresses; from app.mail.safe_html import sanitize; "
        "import flufl.bounce; "
        f"print(sorted(failed_addresses(b'{dsn}')), sanitize('<b onclick=x>hi</b><script>x</script>'), "
        "flufl.bounce.__file__)"
    )
    run = subprocess.run([_python(), str(pyz), "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                         env={**_env(), "SHIV_INTERPRETER": "1"}, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("['gone@x.test'] <b>hi</b> "), run.stdout
    assert ".venv" not in run.stdout, run.stdout
