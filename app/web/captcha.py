"""A math captcha ("3 + 4 = ?"): the question travels in a signed token; each token works once.

The token holds the two numbers, an expiry and a nonce, signed with the installation secret.
The nonces of checked tokens are remembered until they expire, so a solved captcha cannot be
replayed for its hour. In memory: the server is one process, and a restart only forgets
tokens that were already answered. It keeps casual bots away; the per-IP wait and rate limits
do the rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from app import clock
from app.i18n import _
from app.validation import form_text, parse_int

VALID_SECONDS = 3600
MAX_REMEMBERED = 200_000  # nonces; beyond that, expired ones are dropped first


@dataclass(frozen=True)
class Captcha:
    question: str
    token: str


class Captchas:
    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()
        self._used: dict[str, float] = {}  # nonce -> expiry (unix seconds)

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()[:32]

    def new(self) -> Captcha:
        a, b = secrets.randbelow(10) + 1, secrets.randbelow(10)
        payload = f"{a}:{b}:{int(clock.unix()) + VALID_SECONDS}:{secrets.token_hex(8)}"
        token = base64.urlsafe_b64encode(f"{payload}:{self._sign(payload)}".encode()).decode()
        return Captcha(question=f"{a} + {b} = ?", token=token)

    def check(self, token: str, answer: str) -> bool:
        """True for the right answer to a genuine, unexpired, unused token. A genuine token is
        used up by this call whatever the answer (the form shows a new question)."""
        try:
            payload, _sep, signature = base64.urlsafe_b64decode(token.encode()[:512]).decode().rpartition(":")
            a, b, expires, nonce = payload.split(":")
        except (ValueError, UnicodeDecodeError):
            return False
        if not signature.isascii() or not hmac.compare_digest(signature, self._sign(payload)):
            return False  # (compare_digest raises on non-ASCII text: a forged token must not be a 500)
        if not expires.isdigit() or int(expires) < clock.unix():
            return False
        if nonce in self._used:
            return False
        self._remember(nonce, float(expires))
        given = parse_int(answer)
        return given is not None and given == int(a) + int(b)

    def errors(self, data: Mapping) -> dict[str, str]:
        """The captcha fields of a posted form checked: {} or the message for the field."""
        ok = self.check(form_text(data, "captcha_token"), form_text(data, "captcha"))
        return {} if ok else {"captcha": _("The answer to the captcha is wrong.")}

    def _remember(self, nonce: str, expires: float) -> None:
        if len(self._used) >= MAX_REMEMBERED:
            now = clock.unix()
            self._used = {n: e for n, e in self._used.items() if e >= now}
        self._used[nonce] = expires
