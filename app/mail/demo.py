"""Mail in for the demo workspace: messages through the real pipeline (app/mail/inbound.py), so
`make run` shows what mail does to tickets: a ticket opened by mail with a CC'd colleague and an
HTML part, the customer's reply with the quoted history folded away, a stranger's message in
the quarantine, an auto-reply dropped, and a bounce marked on the ticket."""

from __future__ import annotations

from email.message import EmailMessage

from app import links
from app.config import Settings
from app.mail import thread_ids
from app.mail.inbound import MailIn
from app.mail.tables import OutboxMail
from app.tickets.files import Storage


def _mail(sender: str, subject: str, text: str, *, html: str = "", headers: dict | None = None,
          number: int = 0) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@demo.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<demo.{number}@customer.example>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


async def seed_mail_demo(workspace: dict, settings: Settings) -> None:
    mail_in = MailIn(settings, Storage(directory=settings.attachments_path, max_bytes=settings.limits.upload_max_bytes))
    receive = mail_in.receive
    opened = await receive(workspace, _mail(
        "Paula Green <paula@customer.example>", "Invoice 2026-117 shows the wrong VAT",
        "Hello,\n\nour invoice 2026-117 charges 19 % VAT, but we are exempt (certificate attached last year).\n"
        "Could you send a corrected invoice?\n\nThanks,\nPaula",
        html="<p>Hello,</p><p>our invoice <b>2026-117</b> charges 19&nbsp;% VAT, but we are exempt.</p>"
             "<p>Could you send a corrected invoice?</p><p>Thanks,<br>Paula</p>"
             '<img src="https://tracker.example/pixel.gif" alt="">',
        headers={"Cc": "Bookkeeping <books@customer.example>"}, number=1), source="pipe")
    ours = thread_ids.message_id(opened.ticket, links.current().domain)
    await receive(workspace, _mail(
        "Paula Green <paula@customer.example>", f"Re: Your request: Invoice 2026-117 [ID:{opened.ticket}]",
        "One more thing: the delivery address on it is also the old one.\n\n"
        "On Tue, 24 Nov 2026 at 09:12, Demo Company wrote:\n> Your request: Invoice 2026-117 shows the wrong VAT\n"
        "> We have received your request and will answer soon.\n",
        headers={"In-Reply-To": ours, "References": ours}, number=2), source="pipe")
    await receive(workspace, _mail(
        "Mallory <mallory@elsewhere.example>", f"Re: Invoice 2026-117 [ID:{opened.ticket}]",
        "Please send the invoice to my address instead.", number=3), source="pipe")
    await receive(workspace, _mail(
        "Paula Green <paula@customer.example>", "Out of office: Invoice 2026-117",
        "I am out of the office until Monday.", headers={"Auto-Submitted": "auto-replied"}, number=4),
        source="pipe")
    await _bounce(workspace, receive)


async def _bounce(workspace: dict, receive) -> None:
    """A customer whose address no longer exists: the ticket's first mail comes back."""
    opened = await receive(workspace, _mail(
        "Old Address <gone@customer.example>", "Please close my account",
        "Please close my account, I am moving to another provider.", number=5), source="pipe")
    sent = await OutboxMail.select(OutboxMail.message_id, OutboxMail.subject).where(
        OutboxMail.to_address == "gone@customer.example").first()
    if sent is None or opened.ticket is None:
        return
    dsn = (
        "From: MAILER-DAEMON@mx.customer.example (Mail Delivery System)\r\nTo: support@demo.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <demo.6@mx.customer.example>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.customer.example\r\n\r\n"
        "Final-Recipient: rfc822; gone@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"To: gone@customer.example\r\nMessage-ID: {sent['message_id']}\r\n--B--\r\n"
    ).encode()
    await receive(workspace, dsn, source="pipe")
