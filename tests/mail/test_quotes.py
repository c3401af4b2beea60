"""The thread shows what a person wrote in a mail reply, not the quoted history (issue 11 §5)."""

from __future__ import annotations

import pytest

from app.mail.quotes import REPLY_ABOVE, split_reply

ANSWER = "Thanks, the printer works again.\n\nOne more question: is the toner covered?"

STYLES = {
    "gmail": "On Tue, Nov 24, 2026 at 10:06 AM Acme Support <support@acme.test> wrote:\n> Please unplug it.\n>\n> Ann",
    "gmail wrapped": "On Tue, Nov 24, 2026 at 10:06 AM Acme Support\n<support@acme.test> wrote:\n"
                     "> Please unplug it.",
    "apple mail": "> On 24. Nov 2026, at 10:06, Acme Support <support@acme.test> wrote:\n>\n"
                  "> Please unplug it.",
    "thunderbird": "On 24.11.26 10:06, Acme Support wrote:\n> Please unplug it.",
    "german": "Am Di., 24. Nov. 2026 um 10:06 Uhr schrieb Acme Support <support@acme.test>:\n> Bitte ausstecken.",
    "french": "Le mar. 24 nov. 2026 à 10:06, Acme Support <support@acme.test> a écrit :\n> Débranchez-le.",
    "spanish": "El mar, 24 nov 2026 a las 10:06, Acme Support (<support@acme.test>) escribió:\n"
               "> Desenchúfelo.",
    "russian gmail": "вт, 24 нояб. 2026 г. в 10:06, Acme Support <support@acme.test>:\n> Выключите.",
    "russian": "24.11.2026 10:06, Анна написала:\n> Выключите.",
    "outlook desktop": "-----Original Message-----\nFrom: Acme Support <support@acme.test>\n"
                       "Sent: Tuesday, November 24, 2026 10:06 AM\nTo: Sally\nSubject: Re: Printer [ID:abc]\n\n"
                       "Please unplug it.",
    "outlook web": "________________________________\nFrom: Acme Support <support@acme.test>\n"
                   "Sent: Tuesday, 24 November 2026 10:06\nTo: Sally Doe <sally@customer.test>\n"
                   "Subject: Re: Printer\n\n"
                   "Please unplug it.",
    "outlook german": "Von: Acme Support <support@acme.test>\nGesendet: Dienstag, 24. November 2026 10:06\nAn: Sally\n"
                      "Betreff: Drucker\n\nBitte ausstecken.",
    "our marker": f"{REPLY_ABOVE}\n\nAnn replied to your request:\nPlease unplug it.",
    "signature": "-- \nSally Doe\nAccounting, Customer Ltd.",
    "phone": "Sent from my iPhone",
}


@pytest.mark.parametrize("style", STYLES)
def test_the_quote_below_a_reply_is_split_off_and_kept(style):
    reply = split_reply(f"{ANSWER}\n\n{STYLES[style]}\n")
    assert reply.text == ANSWER, style
    assert reply.quoted.strip() and reply.quoted.strip().splitlines()[-1] in STYLES[style]


def test_windows_line_breaks_and_inline_answers_between_quotes():
    text = "> Is it plugged in?\r\nYes, it is.\r\n> Which model?\r\nThe Canon.\r\n\r\n> Thanks\r\n> Ann\r\n"
    reply = split_reply(text)
    assert reply.text == "> Is it plugged in?\nYes, it is.\n> Which model?\nThe Canon."
    assert reply.quoted == "> Thanks\n> Ann"


def test_a_mail_that_is_all_quote_is_shown_whole_and_plain_text_stays():
    all_quote = "On Tue, Nov 24, 2026 at 10:06 AM Ann wrote:\n> Please unplug it."
    assert split_reply(all_quote).text == all_quote and split_reply(all_quote).quoted == ""
    plain = "It is on fire.\nFrom the second floor, to be exact.\nSent from my office, not my phone: call me."
    assert split_reply(plain).text == plain and split_reply(plain).quoted == ""
