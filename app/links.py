"""Absolute links that go into e-mails, built from `[server] base_url`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Links:
    base_url: str

    @property
    def domain(self) -> str:
        """Right-hand side of our Message-IDs."""
        return urlsplit(self.base_url).hostname or "localhost"

    def permalink(self, workspace_key: str, ticket_hash: str) -> str:
        return f"{self.base_url}/{workspace_key}/ticket/show/{ticket_hash}"

    def confirm(self, workspace_key: str, ticket_hash: str, token: str) -> str:
        return f"{self.permalink(workspace_key, ticket_hash)}?confirmation={token}"

    def public_page(self, workspace_key: str) -> str:
        return f"{self.base_url}/{workspace_key}/"
