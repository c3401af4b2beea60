"""The guards that keep auto-replies, bounces and our own mail out of tickets (issue 11 §4)."""

from __future__ import annotations

import pytest

from app.mail import filters

SALLY = "sally@customer.test"
OURS = ["support@acme.test", "helprealm@help.example"]


@pytest.mark.parametrize("headers", [
    {"auto-submitted": "auto-replied"},
    {"auto-submitted": "auto-generated; owner-email=x@y.test"},
    {"auto-submitted": "Auto-Replied"},
    {"x-autoreply": "yes"},
    {"x-autorespond": "Out of office"},
    {"precedence": "bulk"},
    {"precedence": " Junk "},
    {"precedence": "list"},
])
def test_auto_replies_and_bulk_mail_are_dropped(headers):
    assert filters.first_reason(headers, SALLY, OURS, replies_to_us=False) == filters.AUTO_REPLY


@pytest.mark.parametrize("headers", [
    {},
    {"auto-submitted": "no"},
    {"x-auto-response-suppress": "All"},  # Outlook on ordinary mail
    {"precedence": "first-class"},
    {"list-id": "<printers.lists.customer.test>"},  # a customer writing from a list: a new ticket
])
def test_a_person_s_mail_passes(headers):
    assert filters.first_reason(headers, SALLY, OURS, replies_to_us=False) is None


def test_a_list_header_on_a_reply_to_our_notification_means_a_list_relayed_it():
    headers = {"list-id": "<printers.lists.customer.test>"}
    assert filters.first_reason(headers, SALLY, OURS, replies_to_us=True) == filters.AUTO_REPLY


@pytest.mark.parametrize(("headers", "sender"), [
    ({"content-type": 'multipart/report; report-type="delivery-status"; boundary="x"'}, "mail@x.test"),
    ({}, "MAILER-DAEMON@mx.customer.test"),
    ({}, "postmaster@customer.test"),
])
def test_bounces_are_recognised(headers, sender):
    assert filters.first_reason(headers, sender, OURS, replies_to_us=True) == filters.BOUNCE


def test_our_own_addresses_come_first_whatever_else_the_mail_says():
    assert filters.first_reason({"auto-submitted": "auto-replied"}, " Support@ACME.test ", OURS,
                                replies_to_us=True) == filters.FROM_OURSELVES
    assert filters.from_ourselves("", OURS) is None and filters.from_ourselves(SALLY, ["", SALLY]) == "from_ourselves"
