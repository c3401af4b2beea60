"""app/mail/parse.py on real samples (django-helpdesk's, see tests/fixtures/mail/NOTICE.md) and on
small ones of ours, one per charset and MIME shape that real inboxes deliver."""

import random
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from app.mail import parse
from app.mail.parse import ParsedMessage, UnparseableMessage, dedup_key, html_to_text, parse_message

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
CORPUS = ["all-special-chars", "blank-body-with-attachment", "forwarded-message", "pgp", "quoted_printable",
          "utf-nondecodable"]  # fmt: skip


def sample(name: str) -> ParsedMessage:
    return parse_message((FIXTURES / f"{name}.eml").read_bytes())


@pytest.mark.parametrize(
    ("name", "subject", "snippet"),
    [
        ("all-special-chars", "Testovácí email", "íářčšáíéřášč"),
        ("blank-body-with-attachment", "Attachment without body - and a looo", ""),
        ("forwarded-message", "Test with original message from GitHub", "This is email body\n\n-----Original Message"),
        (
            "pgp",
            "example email that crashes django-helpdesk get_email",
            "https://github.com/django-helpdesk/django-helpdesk/issues/567#issuecomment-342954233",
        ),
        ("quoted_printable", "Český test", "Tohle je test českých písmen odeslaných z gmailu."),
        ("utf-nondecodable", "Fwd: Cyklozaměstnavatel - změna vyhodnocení", "-------- Forwarded Message --------"),
    ],
)
def test_every_corpus_sample_parses_with_its_subject_and_text(name, subject, snippet):
    assert name in CORPUS
    message = sample(name)
    assert message.subject.startswith(subject)
    assert snippet in message.text
    assert "\ufffd" not in message.subject + message.text
    assert message.date is not None and message.date.tzinfo is not None


def test_corpus_details_the_next_stages_rely_on():
    blank = sample("blank-body-with-attachment")
    assert blank.text.strip() == ""
    assert len(blank.subject) > 200 and "\n" not in blank.subject
    # A text/plain part marked as attachment is an attachment, not the body (django-helpdesk drops it).
    assert [(a.filename, a.content_type, len(a.data)) for a in blank.attachments] == [("baf", "text/plain", 24)]

    pgp = sample("pgp")
    assert pgp.content_type == "multipart/signed"
    assert pgp.from_address == "bugreporter@example.com" and pgp.from_name == "Bug Reporter"
    assert [(a.filename, a.content_type) for a in pgp.attachments] == [("signature.asc", "application/pgp-signature")]
    assert pgp.attachments[0].data.startswith(b"-----BEGIN PGP SIGNATURE-----")
    assert pgp.guard_headers["authentication-results"].startswith("mx.google.com; dkim=pass")

    alternative = sample("quoted_printable")
    assert alternative.message_id == "CACf_UpPA7=DRF4NLFf4WpOVwHsRMtfNEwy1DHLjfh09DjuKZFA@mail.gmail.com"
    assert alternative.html.startswith('<div dir="ltr">Tohle je test českých')
    assert alternative.attachments == []

    forwarded = sample("utf-nondecodable")
    assert forwarded.in_reply_to == "CAK0Q_=uQY=3V5iUSgEN16GLtYoJ-6oQu-vYjsgQ=jv6DwOkuLQ@mail.gmail.com"
    assert forwarded.references == [forwarded.in_reply_to]
    assert "prosazuje lepší" in forwarded.html

    special = sample("all-special-chars")
    assert special.date == datetime(2019, 3, 8, 23, 40, 4, tzinfo=timezone(timedelta(hours=1)))
    assert special.to == ["helpdesk@auto-mat.cz"]


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [
        ("iso-8859-2", "Problem z fakturą", "Zażółć gęślą jaźń. Proszę o pomoc z fakturą.\n"),
        ("windows-1251", "Не работает вход", "Здравствуйте! Не могу войти в личный кабинет.\n"),
        ("koi8-r", "Где заказ", "Добрый день. Заказ номер 42 не пришёл.\n"),
        ("gb2312", "订单问题", "你好，我的订单还没有到。请帮忙查一下。\n"),
    ],
)
def test_bodies_and_subjects_in_declared_charsets(name, subject, text):
    message = sample(name)
    assert message.subject == subject
    assert message.text == text
    assert message.html is None and message.attachments == []


def test_an_encoded_subject_with_a_line_break_comes_out_on_one_line():
    assert sample("subject-linebreak").subject == "Rechnung für März 2026 (zweite Mahnung)"


def test_multipart_alternative_gives_the_plain_text_and_keeps_the_html():
    message = sample("alternative")
    assert message.text == "Plain version of the question."
    assert message.html == "<p>HTML <b>version</b> of the question.</p>"
    assert message.attachments == []


def test_multipart_mixed_keeps_the_pdf_and_the_text_attachment_beside_the_body():
    message = sample("mixed-pdf")
    assert message.text == "See the invoice and the log."
    assert message.cc == ["anna@example.org", "bob@example.org"]
    pdf, log = message.attachments
    assert (pdf.filename, pdf.content_type, pdf.is_inline) == ("invoice.pdf", "application/pdf", False)
    assert len(pdf.data) == 304
    assert pdf.data.startswith(b"%PDF-1.4\n") and pdf.data.endswith(bytes(range(256)))
    assert (log.filename, log.content_type, log.is_inline) == ("server.log", "text/plain", False)
    # RFC 2046: the line break before the next boundary belongs to the boundary, not to the part.
    assert log.data == b"2026-11-23 10:00 ERROR login failed\n2026-11-23 10:01 ERROR login failed"


def test_multipart_related_keeps_the_inline_image_with_its_content_id():
    message = sample("related-inline")
    assert message.text == "Our logo is broken."
    assert message.html == '<p>Our logo is broken: <img src="cid:logo-1@example.org"></p>'
    (logo,) = message.attachments
    assert (logo.filename, logo.content_type, len(logo.data)) == ("logo.png", "image/png", 69)
    assert logo.is_inline and logo.content_id == "logo-1@example.org"
    assert logo.data.startswith(b"\x89PNG\r\n\x1a\n")


def test_html_only_mail_gets_a_text_without_scripts_or_styles():
    message = sample("html-only")
    assert message.subject == "Nur HTML"
    assert message.text == (
        "Hallo & guten Tag,\n\ndie Seite zeigt\neinen Fehler:\n\n- Schritt eins\n- Schritt zwei\n\nGrüße\nJörg"
    )
    assert message.html.startswith("<html><head><title>T</title>")
    assert html_to_text("<p>a<script>x</script></p><p>b &lt;c&gt;</p>") == "a\n\nb <c>"


def test_undeclared_8bit_falls_back_to_utf8_then_windows_1252():
    message = sample("undeclared-8bit")
    assert message.subject == "Grüße vom Café"  # raw UTF-8 in the header
    assert message.text == "Le café est fermé – désolé.\n"  # Windows-1252 body, no charset
    assert message.from_name == "René" and message.from_address == "rene@example.org"
    assert message.date is None


def test_a_message_without_message_id_and_with_guard_headers():
    message = sample("no-message-id")
    assert message.message_id is None
    assert message.in_reply_to == "abc@helprealm.test"
    assert message.references == ["one@x.org", "two@x.org", "abc@helprealm.test"]
    assert (message.from_name, message.from_address) == ("Doe, Jane", "Jane.Doe@Example.org")
    assert message.to == ["support@helprealm.test", "other@helprealm.test"]
    assert message.date == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert message.guard_headers == {
        "auto-submitted": "auto-replied",
        "precedence": "bulk",
        "list-id": "Support <support.lists.example.org>",
    }


def test_the_compat32_fallback_reads_the_same_message():
    raw = (FIXTURES / "mixed-pdf.eml").read_bytes()
    old = parse._build(BytesParser(_class=EmailMessage, policy=policy.compat32).parsebytes(raw))
    assert old == parse_message(raw)


def test_broken_headers_and_parts_are_read_not_refused():
    raw = (
        b"From: =?utf-8?q?broken <x@\nDate: yesterday\nSubject: =?x-nope?q?abc?=\n"
        b'Content-Type: multipart/mixed; boundary="Q"\n\n'
        b"--Q\nContent-Type: text/plain; charset=x-nope\n\n\xe9t\xe9\n"
        b"--Q\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n!!!notbase64\n--Q--\n"
    )
    message = parse_message(raw)
    assert (message.subject, message.from_address, message.date) == ("abc", None, None)
    assert message.text == "été"
    assert [a.filename for a in message.attachments] == ["part-2.bin"]


@pytest.mark.parametrize("raw", [b"", b"  \r\n", b"\x00\xff\xfe no header here\n"])
def test_bytes_that_are_no_message_raise_unparseable(raw):
    with pytest.raises(UnparseableMessage):
        parse_message(raw)


def test_garbage_bytes_give_a_message_or_unparseable_and_nothing_else():
    rng = random.Random(20261124)
    blobs = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 1500))) for _ in range(200)]
    blobs += [b"Subject: x\n" + blob for blob in blobs[:100]]
    parsed = 0
    for blob in blobs:
        try:
            assert isinstance(parse_message(blob), ParsedMessage)
            parsed += 1
        except UnparseableMessage:
            pass
    assert parsed >= 100  # every blob behind a header line is read as a (strange) message


def test_one_message_delivered_twice_has_one_key_and_one_without_an_id_is_keyed_by_its_bytes():
    raw = b"From: a@b.test\r\nSubject: Hi\r\nMessage-ID: <ABC@Mail.Example>\r\n\r\nHello\r\n"
    assert dedup_key(parse_message(raw), raw) == dedup_key(parse_message(raw + b"\r\n"), raw + b"\r\n") == \
        "id:abc@mail.example"
    bare = b"From: a@b.test\r\nSubject: Hi\r\n\r\nHello\r\n"
    assert dedup_key(parse_message(bare), bare).startswith("sha256:")
    assert dedup_key(parse_message(bare), bare) != dedup_key(parse_message(bare + b"!"), bare + b"!")


def test_message_ids_folded_into_encoded_words_are_read():
    """Python's own email package folds a long In-Reply-To into RFC 2047 encoded-words."""
    long_id = "<t." + "a" * 32 + "." + "b" * 16 + "." + "c" * 16 + "@helprealm.example>"
    raw = (b"From: a@b.test\r\nSubject: x\r\nIn-Reply-To: =?utf-8?q?" + long_id.replace("@", "=40").replace(
        "<", "=3C").replace(">", "=3E").replace(".", "=2E").encode() + b"?=\r\nReferences: " + long_id.encode()
        + b"\r\n\r\nbody\r\n")
    parsed = parse_message(raw)
    assert parsed.in_reply_to == long_id.strip("<>") and parsed.references == [long_id.strip("<>")]
