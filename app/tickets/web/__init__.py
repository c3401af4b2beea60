"""The agent's pages, one module per page: dashboard, lists, the ticket page (its fields and
conversation in ticket.py, its other controls in actions.py), creating a ticket for a customer.

`ROUTES` and `UPLOADS` are what app/asgi.py mounts on the agent router.
"""

from app.tickets.web import actions, create, dashboard, lists, live, mail_view, ticket

ROUTES = [*dashboard.ROUTES, *lists.ROUTES, *ticket.ROUTES, *actions.ROUTES, *create.ROUTES]
ROUTES += live.ROUTES  # event streams and the typing signal (live collaboration)
ROUTES += mail_view.ROUTES  # a mail post's original HTML, for a sandboxed frame
UPLOADS = ticket.UPLOADS  # the only bodies larger than a form: create_app gives them the upload limit
