"""Who is asking: the client's IP, from the socket or a trusted proxy header."""

from litestar import Request


def client_ip(request: Request) -> str:
    header = request.app.state.settings.server.trusted_proxy_header
    if header:
        value = request.headers.get(header, "")
        if value:
            return value.split(",")[0].strip()
    return request.client.host if request.client else "unknown"
