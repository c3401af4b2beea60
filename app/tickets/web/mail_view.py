"""The original e-mail of a post that came by mail: its HTML, sanitized, in a sandboxed frame on
the agent's ticket page ("Show the original e-mail", templates/macros/thread.html).

The thread shows a mail's text; its HTML is served only here, as its own document with its own
strict policy (app/web/mail_frame.py), never inside our pages. Remote images are tracking
pixels: blocked until the agent asks for them (`?images=1`, the "Load remote images" link).
Access goes through the viewer's ticket scope, like the ticket's files: another workspace's
ticket, one the agent may not see, or a post without HTML is "not found".
"""

from __future__ import annotations

from litestar import Response, get

from app.accounts.viewer import Viewer
from app.errors import NotFound
from app.i18n import _
from app.tickets.refs import AgentTicket, load
from app.tickets.tables import Ticket, TimelineEntry
from app.web.dependencies import Injected
from app.web.mail_frame import mail_frame
from app.web.params import Id, Text


@get("/tickets/{number:int}/posts/{entry_id:int}/mail", name="agent.post_mail")
async def post_mail(viewer: Injected[Viewer], number: Id, entry_id: Id, images: Text = "") -> Response:
    ticket = await load(AgentTicket(viewer, number), Ticket.id)
    row = await TimelineEntry.select(TimelineEntry.body_html).where(
        # Only mail posts and the "created" event of a ticket opened by mail carry HTML.
        TimelineEntry.id == entry_id, TimelineEntry.ticket == ticket["id"], TimelineEntry.body_html != "").first()
    if row is None:
        raise NotFound(_("No such message."))
    return mail_frame(html=row["body_html"], remote_images=images == "1")


ROUTES = [post_mail]
