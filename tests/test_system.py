"""Process-level settings the server applies at start."""

import platform

from app.system.memory import tune_malloc


def test_malloc_settings_apply_on_glibc():
    applied = tune_malloc()
    assert applied == (platform.libc_ver()[0] == "glibc")
    assert tune_malloc() == applied  # applying twice is harmless
