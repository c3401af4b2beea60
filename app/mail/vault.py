"""Secrets the database must not hold in clear (a workspace's SMTP and IMAP passwords).

The key is derived from the installation secret with HKDF-SHA256 and an info string naming the
purpose, so this key is unrelated to the CSRF or captcha keys made from the same secret, and a
leaked database alone reveals no password. Fernet authenticates what it decrypts: if the secret
changes, `open()` answers None and the admin is asked to enter the password again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAIL_PASSWORDS = b"helprealm/workspace-mail-passwords/v1"


class Vault:
    def __init__(self, secret: str, purpose: bytes = MAIL_PASSWORDS) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def open(self, sealed: str) -> str | None:
        """The plain text, or None when it was sealed under another secret (or is damaged)."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode()
        except (InvalidToken, UnicodeError, ValueError):
            return None


_current: Vault | None = None


def configure(secret: str) -> Vault:
    """create_app() calls this with the installation secret."""
    global _current
    _current = Vault(secret)
    return _current


def current() -> Vault:
    if _current is None:
        raise RuntimeError("app.mail.vault is not configured (create_app() does it)")
    return _current
