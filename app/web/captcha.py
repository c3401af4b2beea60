"""A math captcha ("3 + 4 = ?") without server state: the question travels in a signed token.

The token holds the two numbers, an expiry and a nonce, signed with the installation secret. It
keeps casual bots away; the per-IP wait and rate limits do the rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

VALID_SECONDS = 3600


@dataclass(frozen=True)
class Captcha:
    question: str
    token: str


def _sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]


def new_captcha(secret: str) -> Captcha:
    a, b = secrets.randbelow(10) + 1, secrets.randbelow(10)
    payload = f"{a}:{b}:{int(time.time()) + VALID_SECONDS}:{secrets.token_hex(4)}"
    token = base64.urlsafe_b64encode(f"{payload}:{_sign(secret, payload)}".encode()).decode()
    return Captcha(question=f"{a} + {b} = ?", token=token)


def check_captcha(secret: str, token: str | None, answer: str | None) -> bool:
    try:
        payload, _, signature = base64.urlsafe_b64decode((token or "").encode()).decode().rpartition(":")
        a, b, expires, _nonce = payload.split(":")
        if not hmac.compare_digest(signature, _sign(secret, payload)) or int(expires) < time.time():
            return False
        return int((answer or "").strip()) == int(a) + int(b)
    except (ValueError, UnicodeDecodeError):
        return False
