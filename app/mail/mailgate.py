"""`helprealm mailgate`: the MTA's pipe into a workspace (issue 11), like rt-mailgate.

    # /etc/aliases (Postfix, Exim): one address per workspace
    support: "|helprealm mailgate --url https://help.example.com --workspace KEY --token-file /etc/helprealm/mail-token"

Reads one message (bytes) on standard input, POSTs it to `URL/api/KEY/mail/inbound` as
`message/rfc822` with the workspace's mail gateway token, prints the outcome and exits with a
status the MTA acts on (sysexits.h):

    0   EX_OK        the server took the message (HTTP 200), whatever became of it: created,
                     appended, duplicate, quarantined or dropped are the server's business now.
    75  EX_TEMPFAIL  try again later: the token was refused (401/403: a regenerated token not yet
                     copied here), the workspace is unknown (404: a wrong key in this command),
                     too many requests (429), a 5xx, a timeout, no connection, an unreadable
                     token file, a wrong command line. All of these are ours to fix, and the MTA
                     keeps the mail queued meanwhile (days), so fixing them loses nothing.
    65  EX_DATAERR   the server will never take this message (413 too large, 400 and other 4xx
                     about the request itself). Retrying cannot help, and exit 0 would lose the
                     mail silently; the MTA bounces it to the sender with our line on stderr,
                     which tells them honestly that it did not arrive.
    66  EX_NOINPUT   nothing on standard input.

Standard library only (urllib.request): it runs inside the zipapp, on a mail host that has
nothing else installed. `app.mail.mail_cli` (`helprealm mail`) reuses `call()`.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

EX_OK, EX_DATAERR, EX_NOINPUT, EX_TEMPFAIL = 0, 65, 66, 75
TEMPORARY = {401, 403, 404, 408, 429}  # our configuration or the server's load: the MTA retries
USER_AGENT = "helprealm-mailgate"


class Failure(Exception):
    """No HTTP answer at all (no connection, a timeout, a broken response)."""


def call(url: str, token: str, *, method: str = "GET", body: bytes | None = None,
         content_type: str = "application/json", timeout: float = 60.0) -> tuple[int, object]:
    """One request; (HTTP status, the JSON answer or None). Raises Failure without an answer."""
    request = urllib.request.Request(url, data=body, method=method, headers={
        "Authorization": f"Bearer {token}", "User-Agent": USER_AGENT, "Accept": "application/json",
        **({"Content-Type": content_type} if body is not None else {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the admin's URL
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as exc:  # an answer with an error status: still an answer
        status, payload = exc.code, exc.read()
    except (urllib.error.URLError, OSError, ValueError) as exc:  # TimeoutError is an OSError
        reason = getattr(exc, "reason", exc)
        raise Failure(f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__) from exc
    try:
        return status, json.loads(payload) if payload else None
    except ValueError:
        return status, None


def endpoint(base_url: str, workspace: str, path: str) -> str:
    """`base_url`/api/`workspace`/`path` (the key quoted: a stray character cannot change the path)."""
    return f"{base_url.rstrip('/')}/api/{urllib.parse.quote(workspace, safe='')}/{path}"


def read_token(args: argparse.Namespace) -> str:
    """--token, else the first line of --token-file (a command line shows in process listings)."""
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as file:
            return file.readline().strip()
    return (args.token or "").strip()


def add_connection_arguments(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument("--url", required=required, help="the HelpRealm server, e.g. https://help.example.com")
    parser.add_argument("--workspace", required=required, help="the workspace key")
    token = parser.add_mutually_exclusive_group(required=required)
    token.add_argument("--token", help="the workspace's mail gateway token (helprealm mail-token)")
    token.add_argument("--token-file", help="a file whose first line is the token (safer than --token)")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # a wrong command line in the MTA's configuration: keep the mail queued
        self.print_usage(sys.stderr)
        self.exit(EX_TEMPFAIL, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="helprealm mailgate", description="Deliver one message from standard input to a "
                     "HelpRealm workspace (for an MTA's pipe). Exit 0: taken; 75: try again later; 65: refused.")
    add_connection_arguments(parser)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the server (default 60)")
    return parser


def describe(answer: object) -> str:
    """The pipe's answer in one line: "created <hash>", "quarantined: <reason>", ..."""
    if not isinstance(answer, dict) or "outcome" not in answer:
        return "taken"
    line = str(answer["outcome"])
    if answer.get("ticket"):
        line += f" {answer['ticket']}"
    if answer.get("reason"):
        line += f": {answer['reason']}"
    return line


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        token = read_token(args)
    except OSError as exc:
        print(f"helprealm mailgate: cannot read the token file: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    raw = sys.stdin.buffer.read()
    if not raw.strip():
        print("helprealm mailgate: no message on standard input", file=sys.stderr)
        return EX_NOINPUT
    url = endpoint(args.url, args.workspace, "mail/inbound")
    try:
        status, answer = call(url, token, method="POST", body=raw, content_type="message/rfc822",
                              timeout=args.timeout)
    except Failure as exc:
        print(f"helprealm mailgate: {url}: {exc} (the MTA will try again)", file=sys.stderr)
        return EX_TEMPFAIL
    if status == 200:
        print(describe(answer))
        return EX_OK
    error = answer.get("error", "") if isinstance(answer, dict) else ""
    if status in TEMPORARY or status >= 500:
        print(f"helprealm mailgate: the server answered {status} {error} (the MTA will try again)".rstrip(),
              file=sys.stderr)
        return EX_TEMPFAIL
    print(f"helprealm mailgate: the server refused the message: {status} {error}".rstrip(), file=sys.stderr)
    return EX_DATAERR


if __name__ == "__main__":
    sys.exit(main())
