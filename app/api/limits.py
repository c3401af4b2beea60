"""The APIs' rate limits (app.toml `[api]`), one object every API handler shares:

    services.api_limits.address(services.client.address(request))  # before the credential is checked
    services.api_limits.credential(f"key:{key_id}")                  # once it is known
    services.api_limits.ticket_wait.claim(address, message)          # before creating a ticket

Counting the address first means a client guessing tokens is slowed down by the same limit as
one using a good token; counting the credential as well means one key spread over many addresses
is still held to its own limit. Both raise RateLimited (429 with Retry-After in either error shape).
"""

from __future__ import annotations

from app.config import ApiSettings
from app.i18n import _
from app.web.limits import PerMinute, WaitBetween


class ApiLimits:
    def __init__(self, settings: ApiSettings) -> None:
        self._per_key = PerMinute(settings.requests_per_minute_per_key)
        self._per_address = PerMinute(settings.requests_per_minute_per_address)
        self.ticket_wait = WaitBetween(settings.ticket_wait_seconds)  # the HelpRealm API's and the widget's 429

    def address(self, address: str) -> None:
        self._per_address.hit([f"ip:{address}"], _("Too many requests from this address; please slow down."))

    def credential(self, credential: str) -> None:
        """`credential`: a stable name of the token or key (never the secret itself), such as "key:12"."""
        self._per_key.hit([credential], _("Too many requests with this key; please slow down."))
