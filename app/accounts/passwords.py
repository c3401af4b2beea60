"""Password hashing with argon2id, off the event loop.

Parameters: OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane), not argon2-cffi's default
64 MiB profile. Every hash or check allocates its memory cost at once, so the default made each
login add 64 MB to the server's peak RSS, and a burst of logins a burst of 64 MB blocks. At most
MAX_CONCURRENT hashes run together (threads wait their turn), which bounds that memory. Hashes
made with other parameters still verify: argon2 stores them in the hash.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from litestar.concurrency import sync_to_thread

MIN_LENGTH = 8
MAX_LENGTH = 1024  # hashing is cheap either way, but nobody needs more and a megabyte is a free DoS
MAX_CONCURRENT = 2

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_slots = threading.BoundedSemaphore(MAX_CONCURRENT)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both cases take the same time. Made on
    first use, not at import (importing the app must stay cheap)."""
    return _hasher.hash("not-a-real-password")


def _hash(password: str) -> str:
    with _slots:
        return _hasher.hash(password)


def _check(password_hash: str | None, password: str) -> bool:
    # No password yet (an invitee's "!invited") is checked like an unknown address: against the
    # dummy hash, so a login's timing does not tell an invited address from a free one.
    real = password_hash is not None and password_hash.startswith("$argon2")
    with _slots:
        try:
            return _hasher.verify(password_hash if real else _dummy_hash(), password) and real
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


async def hash_password(password: str) -> str:
    return await sync_to_thread(_hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await sync_to_thread(_check, password_hash, password)
