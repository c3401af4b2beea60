#!/usr/bin/env bash
# Build build/helprealm.pyz: one file holding the app, its templates and static files, and every
# dependency, byte-compiled (this machine sets PYTHONDONTWRITEBYTECODE, so without --compile-pyc
# every start would compile everything again). Run from anywhere; uses the project's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

rm -rf build/wheels
"$PY" -m pip wheel -q . --no-deps -w build/wheels
wheel=$(ls build/wheels/helprealm-*.whl)
# --reproducible: same sources, same bytes. The pyz is tied to this Python minor version and platform.
"$PY" -m shiv -q -c helprealm -o build/helprealm.pyz --reproducible --compile-pyc "$wheel" 2>&1 \
  | grep -v -E "^(DEPRECATION|WARNING: Running pip as|WARNING: Location .* is ignored)" || true
test -s build/helprealm.pyz
echo "Built build/helprealm.pyz ($(du -h build/helprealm.pyz | cut -f1))"
