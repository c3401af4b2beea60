"""Which ticket a mail is about: our signed Message-IDs, and the `[ID:<hash>]` token in subjects.

Every customer mail about a ticket has a Message-ID of ours, `<t.{hash}.{signature}.{random}@domain>`,
and refers (References, In-Reply-To) to the ticket's thread id `<t.{hash}.{signature}@domain>`, so
mail clients thread them and a reply carries one of them back. The signature is an HMAC of the
ticket's hash with a key derived from the installation secret (HKDF, an info string of its own,
like app/mail/vault.py), so an id cannot be made up for a ticket from its hash alone, and ids of
another installation never match. It does not make a stranger's mail trustworthy: whoever holds a
mail of ours can copy its id. Who may post to the ticket is decided by the sender (issue 11 §3);
this module only says which ticket a message names, and how.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

THREAD_IDS = b"helprealm/mail-thread-ids/v1"
SIGNATURE_HEX = 16  # 64 bits: guessing one is hopeless, and the id stays short

# A ticket hash (hex), the signature, an optional per-mail part; any domain (ours may change).
_OUR_ID = re.compile(r"<t\.([0-9a-f]{16,64})\.([0-9a-f]{" + str(SIGNATURE_HEX) + r"})(?:\.[0-9a-f]+)?@[^<>\s]+>")
_SUBJECT_TOKEN = re.compile(r"\[ID:([0-9a-f]{16,64})\]")

_key: bytes | None = None


def configure(secret: str) -> None:
    """create_app() calls this with the installation secret."""
    global _key
    _key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=THREAD_IDS).derive(secret.encode())


def _signature(ticket_hash: str) -> str:
    if _key is None:
        raise RuntimeError("app.mail.thread_ids is not configured (create_app() does it)")
    return hmac.new(_key, ticket_hash.encode("ascii"), hashlib.sha256).hexdigest()[:SIGNATURE_HEX]


def thread_id(ticket_hash: str, domain: str) -> str:
    """The id every mail about the ticket refers to (References, In-Reply-To)."""
    return f"<t.{ticket_hash}.{_signature(ticket_hash)}@{domain}>"


def message_id(ticket_hash: str, domain: str) -> str:
    """A new Message-ID for one mail about the ticket: the thread id's parts and a random one."""
    return f"<t.{ticket_hash}.{_signature(ticket_hash)}.{secrets.token_hex(8)}@{domain}>"


def tickets_referenced(in_reply_to: str | None, references: str | None) -> list[str]:
    """The ticket hashes that our validly signed ids in these headers name: In-Reply-To's first,
    then References' from the newest (last) back; each once. A forged or foreign id is skipped."""
    found: list[str] = []
    candidates = _OUR_ID.findall(in_reply_to or "") + list(reversed(_OUR_ID.findall(references or "")))
    for ticket_hash, signature in candidates:
        if ticket_hash not in found and hmac.compare_digest(signature, _signature(ticket_hash)):
            found.append(ticket_hash)
    return found


def tickets_in_ids(in_reply_to: str | None, references: list[str]) -> list[str]:
    """The same for ids without angle brackets, as app/mail/parse.py's ParsedMessage holds them."""
    return tickets_referenced(f"<{in_reply_to}>" if in_reply_to else None, " ".join(f"<{i}>" for i in references))


def ticket_in_subject(subject: str | None) -> str | None:
    """The hash of the last `[ID:<hash>]` in the subject (a reply prefixes, so the newest is
    last), or None. Unsigned: the caller checks the sender before posting anything."""
    tokens = _SUBJECT_TOKEN.findall(subject or "")
    return tokens[-1] if tokens else None
