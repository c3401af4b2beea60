"""The agent's pages, one module per page: dashboard, lists, the ticket page.

`ROUTES` and `UPLOADS` are what app/asgi.py mounts on the agent router.
"""

from app.tickets.web import dashboard, lists, live, ticket

ROUTES = [*dashboard.ROUTES, *lists.ROUTES, *ticket.ROUTES]
ROUTES += live.ROUTES  # event streams and the typing signal (live collaboration)
UPLOADS = ticket.UPLOADS  # the only bodies larger than a form: create_app gives them the upload limit
