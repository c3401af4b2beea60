"""The HelpRealm API (manual: "API Endpoint"): `POST /api/{workspace}/ticket/...`, form-encoded
or multipart, authenticated by the workspace's API token, acting for the ticket's customer.

    forms.py    the loose form: every field read by hand and checked, all failures at once
    shapes.py   the JSON answers and their OpenAPI description
    gate.py     the manual's check order: fields, workspace, access and token, ticket
    tickets.py  the handlers (thin: gate, service, shape)
"""
