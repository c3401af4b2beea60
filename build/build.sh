#!/usr/bin/env bash
# Build build/helprealm.pyz: one file holding the app, its templates, static files and compiled
# message catalogs, and every dependency, byte-compiled (this machine sets PYTHONDONTWRITEBYTECODE,
# so without --compile-pyc every start would compile everything again). Run from anywhere; uses the
# project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

# The .mo catalogs are git-ignored build outputs: compile them fresh from the checked-in .po files.
# hatchling ships them only because pyproject.toml lists them as artifacts; the check after the
# wheel build catches a catalog that went missing on the way (the app would silently speak English).
"$PY" -m babel.messages.frontend -q compile -d app/locale -D messages
rm -rf build/wheels
"$PY" -m pip wheel -q . --no-deps -w build/wheels
wheel=$(ls build/wheels/helprealm-*.whl)
"$PY" - "$wheel" <<'CHECK'
import sys, zipfile
from pathlib import Path
compiled = {str(p) for p in Path("app/locale").glob("*/LC_MESSAGES/messages.mo")}
missing = sorted(compiled - set(zipfile.ZipFile(sys.argv[1]).namelist()))
if not compiled or missing:
    sys.exit(f"build.sh: compiled catalogs missing from the wheel: {missing or 'none were compiled'}")
CHECK
# --reproducible: same sources, same bytes. The pyz is tied to this Python minor version and platform.
"$PY" -m shiv -q -c helprealm -o build/helprealm.pyz --reproducible --compile-pyc "$wheel" 2>&1 \
  | grep -v -E "^(DEPRECATION|WARNING: Running pip as|WARNING: Location .* is ignored)" || true
test -s build/helprealm.pyz
echo "Built build/helprealm.pyz ($(du -h build/helprealm.pyz | cut -f1))"
