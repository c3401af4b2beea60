"""Password hashing with argon2 (off the event loop: one hash takes ~170 ms of CPU)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from litestar.concurrency import sync_to_thread

_hasher = PasswordHasher()
MIN_LENGTH = 8

# Verified against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


async def hash_password(password: str) -> str:
    return await sync_to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await sync_to_thread(check)
