"""Random single-use tokens. The link carries the token; the database keeps only its SHA-256."""

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """Return (token for the link, hash to store)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
