"""GET /healthz: 200 with JSON once the database and the search index answer."""

from litestar import Request, Response, get

from app.workspaces.tables import Workspace


@get("/healthz", cache=False)
async def healthz(request: Request) -> Response:
    checks = {}
    try:
        await Workspace.select(Workspace.id).limit(1)
        checks["database"] = "ok"
    except Exception as exc:  # a health check reports, it does not raise
        checks["database"] = f"error: {exc}"
    search = request.app.state.search
    checks["search"] = "ok" if search is not None and search.ready else "starting"
    ok = all(v == "ok" for v in checks.values())
    return Response({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)
