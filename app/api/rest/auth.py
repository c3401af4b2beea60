"""Who a REST request acts as: the agent of its `Authorization: Bearer <key>` (app/api/keys.py).

The address is counted before the key is checked, so guessing keys is slowed down like using
one; the key is counted once known (429 with Retry-After for either). Then the request speaks
the agent's language, as their pages do. Also the REST routers' error shape: Litestar's own
validation errors (a path or query value out of range) name their fields like ours do.
"""

from __future__ import annotations

from litestar import Request, Response

from app.accounts.viewer import Viewer
from app.api.errors import rest_api_shape
from app.api.keys import authenticate
from app.errors import NotAuthenticated
from app.i18n import _
from app.mail.pipe import bearer_token
from app.services import Services
from app.web.dependencies import Injected
from app.web.locale import serve_in


async def provide_key_viewer(request: Request, services: Injected[Services]) -> Viewer:
    address = services.client.of(request)
    services.api_limits.address(address)
    token = bearer_token(request)
    user = await authenticate(token, address) if token else None
    if user is None:
        raise NotAuthenticated(_("A valid API key is required (Authorization: Bearer <key>)."))
    services.api_limits.credential(f"key:{user.key_id}")
    serve_in(user.viewer.lang, user.viewer.time_zone)
    return user.viewer


def rest_shape(request: Request, status: int, message: str, extra: dict) -> Response:
    """rest_api_shape, with Litestar's validation details (`[{"key", "message", "source"}]`)
    turned into our `fields`."""
    if "details" in extra and "errors" not in extra:
        fields = {str(item.get("key") or item.get("source") or "body"): str(item.get("message", ""))[:200]
                  for item in extra["details"] if isinstance(item, dict)}
        extra = {**extra, "errors": fields} if fields else extra
    return rest_api_shape(request, status, message, extra)
