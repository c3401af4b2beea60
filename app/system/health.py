"""GET /healthz: 200 with JSON once the database and the search index answer."""

from litestar import Response, get

from app import db
from app.services import Services
from app.web.dependencies import Injected


@get("/healthz", name="health", cache=False, include_in_schema=False)
async def healthz(services: Injected[Services]) -> Response:
    checks = {}
    try:
        await db.ENGINE._run_in_new_connection("SELECT 1 AS ok")
        checks["database"] = "ok"
    except Exception as exc:  # a health check reports, it does not raise
        checks["database"] = f"error: {exc}"
    checks["search"] = "ok" if services.search.ready else "starting"
    ok = all(v == "ok" for v in checks.values())
    return Response({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)
