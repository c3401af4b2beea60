"""Our signed Message-IDs and the [ID:<hash>] token: which ticket a mail names (issue 11 §3)."""

from __future__ import annotations

import pytest

from app.mail import thread_ids

HASH = "0123456789abcdef" * 2
OTHER = "fedcba9876543210" * 2


@pytest.fixture(autouse=True)
def secret():
    thread_ids.configure("installation secret")
    yield
    thread_ids.configure("installation secret")


def test_a_reply_carrying_our_ids_names_its_ticket_newest_first():
    ours = thread_ids.thread_id(HASH, "help.example")
    other = thread_ids.message_id(OTHER, "help.example")
    assert ours.startswith(f"<t.{HASH}.") and ours.endswith("@help.example>")
    assert thread_ids.tickets_referenced(other, f"<x@gmail.example> {ours}") == [OTHER, HASH]
    assert thread_ids.tickets_referenced(None, f"{other}\r\n {ours}") == [HASH, OTHER]  # the last is the newest
    assert thread_ids.tickets_referenced("", "") == [] and thread_ids.tickets_referenced(None, None) == []
    # A different domain (the installation moved) still counts: the signature is what matters.
    assert thread_ids.tickets_referenced(ours.replace("help.example", "new.example"), None) == [HASH]


@pytest.mark.parametrize("forged", [
    f"<t.{HASH}.0000000000000000@help.example>",  # made up from the hash alone
    f"<t.{HASH}@help.example>",  # no signature
    f"<ticket.{HASH}@help.example>",  # the old unsigned form
    "<t.{}.{}@help.example>",
])
def test_an_id_without_our_signature_names_nothing(forged):
    assert thread_ids.tickets_referenced(forged, forged) == []


def test_ids_of_another_installation_name_nothing():
    foreign = thread_ids.thread_id(HASH, "help.example")
    thread_ids.configure("another installation's secret")
    assert thread_ids.tickets_referenced(foreign, foreign) == []
    assert thread_ids.tickets_referenced(thread_ids.thread_id(HASH, "help.example"), None) == [HASH]


def test_every_mail_gets_its_own_message_id_in_the_ticket_thread():
    first, second = thread_ids.message_id(HASH, "h.example"), thread_ids.message_id(HASH, "h.example")
    assert first != second and thread_ids.tickets_referenced(first, second) == [HASH]


@pytest.mark.parametrize(("subject", "expected"), [
    (f"Re: Your request: Printer [ID:{HASH}]", HASH),
    (f"AW: Re: [ID:{OTHER}] merged [ID:{HASH}]", HASH),
    ("Re: Printer [ID:not-a-hash]", None),
    ("", None),
    (None, None),
])
def test_the_subject_token(subject, expected):
    assert thread_ids.ticket_in_subject(subject) == expected


def test_ids_as_the_parser_gives_them_without_angle_brackets():
    ours = thread_ids.message_id(HASH, "help.example").strip("<>")
    thread = thread_ids.thread_id(OTHER, "help.example").strip("<>")
    assert thread_ids.tickets_in_ids(ours, ["x@gmail.example", thread]) == [HASH, OTHER]
    assert thread_ids.tickets_in_ids(None, []) == []


def test_our_thread_headers_stay_message_ids_with_a_long_domain():
    """Python's email folds a msg-id longer than a line into encoded-words unless told otherwise;
    mail clients would not thread by those. As aiosmtplib sends it, the ids stay readable."""
    from datetime import UTC, datetime

    from aiosmtplib.email import flatten_message

    from app.config import MailSettings
    from app.mail.compose import build_message
    from app.mail.parse import parse_message

    domain = "support.helprealm.example-company.com"
    ref = thread_ids.thread_id("a" * 32, domain)
    mail = {"to_address": "sally@customer.test", "subject": "Re: x", "created_at": datetime.now(UTC),
            "message_id": thread_ids.message_id("a" * 32, domain), "body_text": "hi",
            "headers": {"References": f"<older@customer.test> {ref}", "In-Reply-To": ref}}
    wire = flatten_message(build_message(mail, MailSettings()))
    assert b"=?utf-8?" not in wire
    assert all(len(line) <= 998 for line in wire.split(b"\r\n"))
    parsed = parse_message(wire)
    assert parsed.in_reply_to == ref.strip("<>") and parsed.references == ["older@customer.test", ref.strip("<>")]
    assert thread_ids.tickets_in_ids(parsed.in_reply_to, parsed.references) == ["a" * 32]
