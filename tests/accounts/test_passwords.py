"""Password checks: what has no real hash (an unknown address, an invitee who has not chosen a
password) is checked against the dummy hash, so it fails after the same work as a wrong password."""

from __future__ import annotations

from app.accounts import passwords


async def test_no_password_yet_fails_after_a_real_verification(monkeypatch):
    real = await passwords.hash_password("correct horse")
    verified: list[str] = []
    hasher = passwords._hasher

    class Watching:
        def verify(self, stored: str, password: str) -> bool:
            verified.append(stored)
            return hasher.verify(stored, password)

    monkeypatch.setattr(passwords, "_hasher", Watching())
    assert await passwords.verify_password(real, "correct horse")
    for stored in (None, "!invited", ""):
        assert not await passwords.verify_password(stored, "!invited")
    # Every case ran argon2: the real hash once, the dummy hash for each of the others.
    assert verified[0] == real and verified[1:] == [passwords._dummy_hash()] * 3
