"""Keep the server's memory flat: glibc malloc settings for a long-running process.

glibc raises its mmap threshold each time a large block is freed, up to 32 MB. After one 19 MB
argon2 hash (a login), such blocks then come from the heap of the thread's own arena and stay
resident after they are freed: the bench saw RSS climb ~40 MB after a handful of logins and never
come back. A fixed threshold (which also turns the adjusting off) keeps large blocks in mmap, given
back on free; two arenas stop each worker thread from growing a heap of its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger("helprealm")

M_MMAP_THRESHOLD = -3  # from glibc's malloc.h
M_ARENA_MAX = -8
MMAP_THRESHOLD = 1024 * 1024
ARENA_MAX = 2


def tune_malloc() -> bool:
    """Apply the settings where the C library is glibc; elsewhere do nothing. True if applied."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl, macOS: no mallopt, nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_ARENA_MAX, ARENA_MAX))
    if not ok:
        log.debug("mallopt refused the memory settings")
    return ok
