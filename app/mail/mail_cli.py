"""`helprealm mail`: the command line tool of the Trivial Tickets mail gateway API (issue 11, the
wiki's "CLI"): it plays the mail service between customers and the server.

    helprealm mail submit --url URL --workspace KEY --token TOKEN --email E [--ticket HASH] --subject S --message M
    helprealm mail fetch  --url URL --workspace KEY --token TOKEN     # print each outgoing mail, then verify it
    helprealm mail --url URL --workspace KEY --token TOKEN            # an interactive menu

`submit` calls receive (with a ticket hash the subject gets ` [ID:<hash>]`, so the pipeline
threads it into that ticket under its usual rules); `fetch` calls fetchMails and verifies each
mail after printing it, so a mail is verified only once it was shown. Standard library only,
like `helprealm mailgate` (whose HTTP helper it uses). Exit 0 on success, 1 when the server
refused or could not be reached, 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from app.mail.mailgate import Failure, add_connection_arguments, call, endpoint, read_token


class Gateway:
    def __init__(self, url: str, workspace: str, token: str, timeout: float = 30.0) -> None:
        self.url, self.workspace, self.token, self.timeout = url, workspace, token, timeout

    def _call(self, path: str, method: str = "GET", payload: dict | None = None) -> object:
        body = json.dumps(payload).encode() if payload is not None else None
        status, answer = call(endpoint(self.url, self.workspace, path), self.token, method=method, body=body,
                              timeout=self.timeout)
        if status != 200:
            error = answer.get("error", "") if isinstance(answer, dict) else ""
            raise Failure(f"the server answered {status} {error}".rstrip())
        return answer

    def submit(self, email: str, subject: str, message: str, ticket: str = "") -> dict:
        if ticket:
            subject = f"{subject} [ID:{ticket}]"
        return self._call("mail/receive", "POST", {"from": email, "subject": subject, "message": message})

    def fetch(self) -> dict:
        answer = self._call("mail/fetchMails")
        return answer if isinstance(answer, dict) else {}

    def verify(self, mail_id: str) -> bool:
        answer = self._call("mail/verifyMail", "POST", {"id": mail_id})
        return isinstance(answer, dict) and answer.get("verified") is True


def _submitted(answer: dict) -> str:
    line = f"Submitted: {answer.get('outcome', 'ok')}"
    if answer.get("ticket"):
        line += f", ticket {answer['ticket']}"
    if answer.get("reason"):
        line += f" ({answer['reason']})"
    return line


def fetch_and_verify(gateway: Gateway, out=sys.stdout) -> int:
    """Print each mail, then verify it; returns how many were verified."""
    mails = gateway.fetch()
    if not mails:
        print("No mails to send.", file=out)
        return 0
    verified = 0
    for mail_id, mail in mails.items():
        print(f"--- Mail {mail_id}\nFrom: {mail.get('from', '')}\nTo: {mail.get('to', '')}\n"
              f"Subject: {mail.get('subject', '')}\n\n{mail.get('message', '')}\n", file=out)
        ok = gateway.verify(str(mail_id))
        verified += ok
        print(f"Mail {mail_id} verified." if ok else f"Mail {mail_id} was not verified (already sent or gone).",
              file=out)
    return verified


def _ask(prompt: str, *, required: bool = True) -> str:
    while True:
        value = input(prompt).strip()
        if value or not required:
            return value


def interactive(gateway: Gateway) -> int:
    """The wiki's menu: submit a mail, fetch the outgoing ones, quit. Ends at quit or end of input."""
    menu = "\n1) Submit a mail (as a customer)\n2) Fetch and verify outgoing mails\n3) Quit\nChoice: "
    while True:
        try:
            choice = input(menu).strip().lower()
            if choice in ("3", "q", "quit", "exit"):
                return 0
            if choice == "1":
                email = _ask("Your e-mail address: ")
                ticket = _ask("Ticket hash (empty for a new ticket): ", required=False)
                subject = _ask("Subject: ")
                print("Message (end with a line with a single dot):")
                lines = []
                while (line := input()) != ".":
                    lines.append(line)
                print(_submitted(gateway.submit(email, subject, "\n".join(lines), ticket)))
            elif choice == "2":
                fetch_and_verify(gateway)
            else:
                print("Please choose 1, 2 or 3.")
        except EOFError:
            return 0
        except Failure as exc:
            print(f"helprealm mail: {exc}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="helprealm mail", description="The mail gateway's command line tool: "
                                     "submit mails as a customer, fetch and verify outgoing mails, or a menu.")
    add_connection_arguments(parser, required=False)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server (default 30)")
    sub = parser.add_subparsers(dest="action")
    submit = sub.add_parser("submit", help="send a mail to the workspace (a new ticket, or a reply with --ticket)")
    fetch = sub.add_parser("fetch", help="print each outgoing mail, then verify it")
    for p in (submit, fetch):  # the connection may be given after the action too
        add_connection_arguments(p, required=False)
        for action in p._actions:
            if action.dest in ("url", "workspace", "token", "token_file"):
                action.default = argparse.SUPPRESS
    submit.add_argument("--email", required=True, help="the sender's address")
    submit.add_argument("--ticket", default="", help="the ticket's hash, to reply to it")
    submit.add_argument("--subject", required=True)
    submit.add_argument("--message", required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        token = read_token(args)
    except OSError as exc:
        print(f"helprealm mail: cannot read the token file: {exc}", file=sys.stderr)
        return 1
    if args.action is None:  # the menu asks for what is missing (the token without echo)
        try:
            args.url = args.url or _ask("Server URL: ")
            args.workspace = args.workspace or _ask("Workspace key: ")
            token = token or getpass.getpass("Mail gateway token: ").strip()
        except EOFError:
            return 1
    missing = [f"--{name}" for name in ("url", "workspace") if not getattr(args, name)] + ([] if token else ["--token"])
    if missing:
        parser.error(f"missing {', '.join(missing)}")
    gateway = Gateway(args.url, args.workspace, token, args.timeout)
    try:
        if args.action == "submit":
            print(_submitted(gateway.submit(args.email, args.subject, args.message, args.ticket)))
        elif args.action == "fetch":
            fetch_and_verify(gateway)
        else:
            return interactive(gateway)
    except Failure as exc:
        print(f"helprealm mail: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
