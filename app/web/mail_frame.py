"""A mail's body as its own small document, for a sandboxed <iframe> (issue 11 §2, §6).

Mail HTML is written by strangers. Even sanitized (app/mail/safe_html.py) it is never put into
our pages: it is served from a route of its own and embedded with `<iframe sandbox>`, so no
script runs and its styles cannot reach our page. The answer carries its own policy, stricter
than any page's: nothing loads but inline styles and data: images (remote images only when the
agent asked: `remote_images`, which allows https: images and nothing else); it may be framed by
our own pages only; the CSP `sandbox` directive keeps it sandboxed when opened on its own.
Links open in a new tab (the frame may open popups, which leave the sandbox: an ordinary visit
to the linked site, without a referrer).
"""

from __future__ import annotations

from html import escape

from litestar import Response

from app.mail.safe_html import sanitize

_SANDBOX = "sandbox allow-popups allow-popups-to-escape-sandbox"
_POLICY = ("default-src 'none'; img-src data: cid:{remote}; style-src 'unsafe-inline'; frame-ancestors 'self'; "
           "base-uri 'none'; form-action 'none'; " + _SANDBOX)
_STYLE = ("body{font:14px/1.5 system-ui,sans-serif;margin:.5rem;color:#1f2328;overflow-wrap:anywhere}"
          "img{max-width:100%;height:auto}pre{white-space:pre-wrap;font:13px/1.45 ui-monospace,monospace}"
          "blockquote{margin:0 0 0 .5rem;padding-left:.5rem;border-left:2px solid #ccc;color:#555}")
TEXT_MAX = 512 * 1024  # characters of a text body shown (a huge one is cut, not sent whole)


def policy(remote_images: bool = False) -> str:
    return _POLICY.format(remote=" https:" if remote_images else "")


def document(*, html: str = "", text: str = "", remote_images: bool = False) -> str:
    """The frame's document: the sanitized HTML when there is some, else the text in <pre>."""
    if html.strip():
        body = sanitize(html, remote_images=remote_images)
    else:
        body = f"<pre>{escape(text[:TEXT_MAX])}</pre>"
    return (f'<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">'
            f'<base target="_blank"><style>{_STYLE}</style></head><body>{body}</body></html>')


def mail_frame(*, html: str = "", text: str = "", remote_images: bool = False) -> Response:
    """The frame's answer, with its own headers (they take the place of the router's page policy
    and of the DENY every other answer gets)."""
    return Response(document(html=html, text=text, remote_images=remote_images),
                    media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": policy(remote_images), "X-Frame-Options": "SAMEORIGIN",
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
