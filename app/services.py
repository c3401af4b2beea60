"""What the app makes once and handlers use, handed to them as one typed dependency:

    async def dashboard(request: Request, viewer: Injected[Viewer], services: Injected[Services]):
        ... services.links.public_page(...)

One container rather than one dependency per object: Litestar resolves a set of independent
dependencies in an anyio task group, which cost ~100-200 µs a request (six constant dependencies:
240 µs against 45 µs for one). For the same reason the per-request providers (`viewer`,
`workspace`) take `services` as a parameter: a provider that depends on another is resolved after
it, one at a time, with no task group.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.api.limits import ApiLimits
from app.config import Settings
from app.links import Links
from app.live.streams import Live
from app.mail.inbound import MailIn
from app.search.service import SearchService
from app.tickets.files import Storage
from app.web.captcha import Captchas
from app.web.client import ClientAddress
from app.web.limits import PerMinute, WaitBetween


@dataclass(frozen=True)
class Services:
    settings: Settings
    links: Links
    storage: Storage
    search: SearchService
    captchas: Captchas
    client: ClientAddress
    ticket_wait: WaitBetween  # between two tickets from one client
    posts: PerMinute  # customer replies and uploads
    faq_searches: PerMinute  # the public FAQ search and subject suggestions (app/faq/web.py)
    live: Live  # event hub and presence (app/live/)
    mail_in: MailIn  # the mail-in pipeline: the pipe, the gateway's receive, the IMAP fetcher (app/mail/inbound.py)
    api_limits: ApiLimits  # requests per key and per address, the API's wait between tickets (app/api/limits.py)

    @property
    def https(self) -> bool:
        return self.settings.server.base_url.startswith("https://")
