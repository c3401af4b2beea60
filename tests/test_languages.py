"""Fifteen languages (issue 10): complete catalogs, the right language for each reader, plural
forms, and dates and numbers through Babel. The mechanism itself (context variable, Jinja
callables, extraction) is tested in tests/test_i18n.py."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from app import formats, i18n
from app.accounts.tables import Agent, AgentGroup
from app.mail.tables import OutboxMail
from app.tickets import service as tickets
from app.tickets.inputs import FieldChanges
from app.tickets.queries import ticket_types
from app.tickets.status import Status
from app.tickets.tables import TicketType
from app.workspaces.service import update_settings
from app.workspaces.settings import save_section
from app.workspaces.tables import Workspace
from tests import factories
from tests.helpers import Person, soup
from tests.journeys import login, open_ticket

ROOT = Path(__file__).parents[1]
LOCALE_DIR = ROOT / "app" / "locale"
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LOCALE]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b")
MB = 1024 * 1024

# One string a reader sees on each kind of page, as the language's translator wrote it: the
# public form's "Subject" label, the ticket page's "Post" button, the agent sidebar's "My tickets",
# the start of the new-ticket mail's subject and the heading of the admin's agent list. Written
# out, not read from the catalogs, so a catalog that stops loading (or loads the wrong language)
# fails here.
KNOWN = {
    "cs": ("Předmět", "Odeslat", "Moje tikety", "Váš požadavek:", "Agenti"),
    "da": ("Emne", "Send", "Mine sager", "Din henvendelse:", "Agenter"),
    "de": ("Betreff", "Senden", "Meine Tickets", "Ihre Anfrage:", "Agenten"),
    "el": ("Θέμα", "Αποστολή", "Τα αιτήματά μου", "Το αίτημά σας:", "Εκπρόσωποι"),
    "en": ("Subject", "Post", "My tickets", "Your request:", "Agents"),
    "es": ("Asunto", "Enviar", "Mis tickets", "Su solicitud:", "Agentes"),
    "fr": ("Objet", "Publier", "Mes tickets", "Votre demande\xa0:", "Agents"),
    "hi": ("विषय", "भेजें", "मेरे टिकट", "आपका अनुरोध:", "एजेंट"),
    "it": ("Oggetto", "Pubblica", "I miei ticket", "La tua richiesta:", "Agenti"),
    "nl": ("Onderwerp", "Versturen", "Mijn tickets", "Je aanvraag:", "Agents"),
    "pl": ("Temat", "Wyślij", "Moje zgłoszenia", "Państwa zgłoszenie:", "Agenci"),
    "pt": ("Assunto", "Enviar", "Meus tickets", "Sua solicitação:", "Agentes"),
    "ru": ("Тема", "Отправить", "Мои заявки", "Ваша заявка:", "Агенты"),
    "uk": ("Тема", "Надіслати", "Мої заявки", "Ваша заявка:", "Агенти"),
    "zh": ("主题", "发送", "我的工单", "您的请求：", "客服"),
}


def _catalog(code: str):
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=code)


def test_every_language_of_the_settings_has_a_catalog_and_the_makefile_updates_it():
    assert set(KNOWN) == set(i18n.LANGUAGES)
    makefile = (ROOT / "Makefile").read_text()
    locales = re.search(r"^LOCALES := (.+)$", makefile, re.MULTILINE).group(1).split()
    assert sorted(locales) == sorted(i18n.LANGUAGES)
    for code in i18n.LANGUAGES:
        assert (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").is_file(), code


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_catalog_translates_every_message_with_its_placeholders_tags_and_plural_forms(code):
    """From now on every new string needs its fifteen translations: `make messages`, then fill in
    each .po (a missing, empty or fuzzy entry fails here, and so does a broken placeholder)."""
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        template = read_po(pot)
    catalog = _catalog(code)
    plural_forms = get_plural(code).num_plurals
    assert catalog.plural_forms == get_plural(code).plural_forms
    problems = []
    for message in template:
        if not message.id:
            continue
        name = f"{message.context + ': ' if message.context else ''}{message.id!r}"
        found = catalog.get(message.id, context=message.context)
        if found is None or not found.string or (isinstance(found.string, tuple) and not all(found.string)):
            problems.append(f"{name}: not translated")
            continue
        if found.fuzzy:
            problems.append(f"{name}: fuzzy (check the translation and remove the flag)")
        plural = isinstance(message.id, tuple)
        forms = found.string if plural else (found.string,)
        if plural and len(forms) != plural_forms:
            problems.append(f"{name}: {len(forms)} plural forms, the language has {plural_forms}")
        english = message.id[1] if plural else message.id
        for form in forms:
            if sorted(PLACEHOLDER.findall(form)) != sorted(PLACEHOLDER.findall(english)):
                problems.append(f"{name}: placeholders of {form!r} differ from the English")
            if sorted(TAG.findall(form)) != sorted(TAG.findall(english)):
                problems.append(f"{name}: HTML tags of {form!r} differ from the English")
            if "[ID:" in english and "[ID:" not in form:
                problems.append(f"{name}: [ID: must stay")
    assert not problems, f"{code}: " + "\n".join(problems)


@pytest.mark.parametrize(("code", "counts"), [
    ("cs", {1: "1 tiket byl změněn.", 3: "3 tikety byly změněny.", 5: "5 tiketů bylo změněno.",
            22: "22 tiketů bylo změněno."}),
    ("pl", {1: "Zmieniono 1 zgłoszenie.", 3: "Zmieniono 3 zgłoszenia.", 5: "Zmieniono 5 zgłoszeń.",
            12: "Zmieniono 12 zgłoszeń.", 22: "Zmieniono 22 zgłoszenia.", 25: "Zmieniono 25 zgłoszeń."}),
    ("ru", {1: "1 заявка изменена.", 3: "3 заявки изменены.", 5: "5 заявок изменено.", 11: "11 заявок изменено.",
            21: "21 заявка изменена.", 22: "22 заявки изменены."}),
    ("uk", {1: "1 заявку змінено.", 3: "3 заявки змінено.", 5: "5 заявок змінено.", 11: "11 заявок змінено.",
            21: "21 заявку змінено.", 24: "24 заявки змінено."}),
])
def test_slavic_languages_pick_the_right_one_of_their_three_plural_forms(code, counts):
    with i18n.use_locale(code):
        for n, expected in counts.items():
            assert i18n.ngettext("%(num)d ticket changed.", "%(num)d tickets changed.", n) == expected


def test_relative_times_dates_and_numbers_follow_the_language_and_the_time_zone():
    now = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    moment = datetime(2026, 11, 24, 22, 5, tzinfo=UTC)
    with i18n.use_locale("de"), formats.use_time_zone("Europe/Berlin"):
        assert formats.timeago(now - timedelta(minutes=3), now) == "vor 3 Minuten"
        assert formats.timeago(now - timedelta(days=2), now) == "vor 2 Tagen"
        assert formats.timeago(now + timedelta(minutes=5), now) == "in 5 Minuten"  # a webhook's next try
        assert formats.exact(moment) == "24.11.2026, 23:05"  # 22:05 UTC is 23:05 in Berlin
        assert formats.day(moment) == "24.11.2026"
        assert formats.number(1234567) == "1.234.567" and formats.percent(45) == "45\xa0%"
    with i18n.use_locale("cs"), formats.use_time_zone("Asia/Tokyo"):
        assert formats.timeago(now - timedelta(days=2), now) == "před 2 dny"
        assert formats.day(moment) == "25. 11. 2026"  # already the next day in Tokyo
    with i18n.use_locale("zh"):
        assert formats.timeago(now - timedelta(hours=5), now) == "5小时前"
        assert formats.day(date(2026, 11, 24)) == "2026年11月24日"
    with i18n.use_locale("en"):
        assert formats.timeago(now - timedelta(seconds=10), now) == "just now"
        assert formats.exact(moment) == "Nov 24, 2026, 10:05\u202fPM"  # UTC outside any request
        assert formats.day("2026-11-30") == "Nov 30, 2026" and formats.day("not a date") == "not a date"
    assert formats.zone("Not/AZone") == UTC


@pytest.mark.parametrize("header", [None, "", "xx", "de-CH,de;q=0.9,en;q=0.8", "en;q=0.2, pt-BR", "*",
                                    "zh-Hans-CN", "fr;q=abc, uk;q=0.1", "el;q=0, hi", "," * 3000])
def test_accept_language_picks_our_best_match(header):
    expected = {None: "en", "": "en", "xx": "en", "de-CH,de;q=0.9,en;q=0.8": "de", "en;q=0.2, pt-BR": "pt",
                "*": "en", "zh-Hans-CN": "zh", "fr;q=abc, uk;q=0.1": "uk", "el;q=0, hi": "hi", "," * 3000: "en"}
    assert i18n.negotiate(header) == expected[header]


def _lang(html: str) -> str:
    return soup(html).html["lang"]


@pytest.mark.parametrize("code", i18n.LANGUAGES)
async def test_customers_and_agents_read_the_workspace_language(person: Person, code):
    """The public page, the ticket page, the customer's mail, the agent's ticket list and the
    admin's agent list, each in the workspace's language (the agent has not chosen their own)."""
    workspace, _ann = await factories.workspace()
    workspace = await update_settings(workspace["id"], lang=code)
    subject_label, post_button, my_tickets, mail_subject, agents = KNOWN[code]

    public = await person.page(f"/{workspace['key']}")
    assert _lang(public) == code
    assert subject_label in [label.get_text(strip=True) for label in soup(public).select("label.field > span")]
    ticket = await open_ticket(person, workspace)
    page = await person.page(f"/{workspace['key']}/ticket/show/{ticket['hash']}")
    assert _lang(page) == code and post_button in [b.get_text(strip=True) for b in soup(page).select("button")]

    [mail] = await OutboxMail.select().where(OutboxMail.purpose == "ticket_created")
    assert mail["subject"].startswith(mail_subject) and mail["subject"].endswith(f"[ID:{ticket['hash']}]")
    assert f'<html lang="{code}">' in mail["body_html"]

    await login(person)
    tickets_page = soup(await person.page("/tickets"))
    assert tickets_page.html["lang"] == code
    assert tickets_page.select_one("nav.sidebar a[data-view=mine]").get_text(strip=True) == my_tickets
    agent_list = soup(await person.page("/admin/agents"))
    assert agent_list.html["lang"] == code and agent_list.h1.get_text(strip=True) == agents


async def test_an_agent_reads_their_own_language_while_customers_keep_the_workspace_one(person: Person):
    workspace, ann = await factories.workspace()
    workspace = await update_settings(workspace["id"], lang="cs", notify_admins_on_new_ticket=True)
    await Agent.update({Agent.lang: "uk", Agent.time_zone: "Asia/Tokyo"}).where(Agent.id == ann["id"])
    ticket = await open_ticket(person, workspace)  # the customer's request: Czech

    mails = {m["purpose"]: m for m in await OutboxMail.select()}
    assert mails["ticket_created"]["subject"].startswith("Váš požadavek:")  # to the customer
    assert mails["admin_new_ticket"]["subject"].startswith("Нова заявка")  # to Ann, in her Ukrainian
    assert '<html lang="uk">' in mails["admin_new_ticket"]["body_html"]

    await login(person)
    dashboard = soup(await person.page("/dashboard"))
    assert dashboard.html["lang"] == "uk"
    # Her times are shown in her time zone, as Ukrainian writes them.
    page = soup(await person.page(f"/tickets/{ticket['number']}"))
    with i18n.use_locale("uk"), formats.use_time_zone("Asia/Tokyo"):
        assert page.select_one("time")["title"] == formats.exact(ticket["created_at"])

    # Ann (Ukrainian) closes the ticket: the customer's mail is Czech all the same.
    with i18n.use_locale("uk"):
        await tickets.update_fields(await factories.viewer(ann), ticket["number"], FieldChanges(status=Status.CLOSED))
    [closed] = await OutboxMail.select().where(OutboxMail.purpose == "status_changed")
    assert closed["subject"].startswith("Uzavřený") and '<html lang="cs">' in closed["body_html"]


async def test_visitors_get_their_browser_language_or_the_one_they_pick(person: Person):
    login_page = await person.page("/login", headers={"Accept-Language": "de-CH,de;q=0.9,en;q=0.8"})
    assert _lang(login_page) == "de" and soup(login_page).h1.get_text() == "Anmelden"
    switcher = soup(login_page).select("nav.language-switcher a")
    assert len(switcher) == 15 and soup(login_page).select_one("nav.language-switcher a[aria-current]")["lang"] == "de"
    assert "Čeština" in [a.get_text() for a in switcher] and "中文" in [a.get_text() for a in switcher]

    picked = await person.client.get("/language/pl?next=/signup", follow_redirects=False)
    assert picked.status_code == 303 and picked.headers["location"] == "/signup"
    assert "hr_lang=pl" in picked.headers["set-cookie"] and "HttpOnly" in picked.headers["set-cookie"]
    signup = await person.page("/signup", headers={"Accept-Language": "de"})  # the choice wins
    assert _lang(signup) == "pl"

    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        away = await person.client.get("/language/fr", params={"next": target}, follow_redirects=False)
        assert away.headers["location"] == "/login"
    assert (await person.client.get("/language/xx", follow_redirects=False)).status_code == 404


async def test_a_new_workspace_starts_in_the_language_it_was_created_in(person: Person):
    await person.client.get("/language/es", follow_redirects=False)
    response = await person.submit("/signup", "/signup", {
        "company": "Tienda", "fullname": "Ana Ruiz", "email": "ana@tienda.test",
        "password": "correct horse battery", "password_confirmation": "correct horse battery"}, captcha=True)
    assert response.status_code == 200, response.text[:300]
    [mail] = await OutboxMail.select().where(OutboxMail.purpose == "account_confirm")
    assert '<html lang="es">' in mail["body_html"]
    assert (await Workspace.select(Workspace.lang).first())["lang"] == "es"


async def test_concurrent_requests_each_keep_their_own_language(person: Person):
    """Pages for a Czech workspace and a Ukrainian visitor rendered at the same time, interleaved
    on one event loop: each in its own language, never the other's."""
    workspace, _ann = await factories.workspace()
    workspace = await update_settings(workspace["id"], lang="cs")

    async def czech() -> str:
        return _lang(await person.page(f"/{workspace['key']}"))

    async def ukrainian() -> str:
        return _lang(await person.page("/login", headers={"Accept-Language": "uk"}))

    results = await asyncio.gather(*[czech() if i % 2 else ukrainian() for i in range(20)])
    assert results == ["uk" if i % 2 == 0 else "cs" for i in range(20)]
    assert i18n.current_locale() == "en" and str(formats.current_time_zone()) == "UTC"  # nothing leaked into the test


async def test_the_public_page_default_texts_follow_the_workspace_language_until_an_admin_writes_their_own(
        person: Person):
    workspace, _ann = await factories.workspace()  # created in English: the English defaults are stored
    workspace = await update_settings(workspace["id"], lang="de")
    page = soup(await person.page(f"/{workspace['key']}"))
    assert page.h1.get_text() == "Neues Ticket erstellen"
    workspace = await update_settings(workspace["id"], form_title="Wie können wir helfen?", lang="fr")
    assert soup(await person.page(f"/{workspace['key']}")).h1.get_text() == "Wie können wir helfen?"


def test_a_reader_with_a_language_or_zone_we_do_not_have_gets_english_and_utc():
    """A stored code from an older version or a hand edit must not break a mail (its ticket's
    transaction would roll back)."""
    moment = datetime(2026, 11, 24, 22, 5, tzinfo=UTC)
    with formats.reading(formats.Reader("xx", "Not/AZone")):
        assert i18n.current_locale() == "en"
        assert formats.exact(moment) == "Nov 24, 2026, 10:05\u202fPM" and formats.number(12345) == "12,345"


def test_length_messages_inflect_the_noun_after_the_number():
    from app.validation import FieldErrors

    with i18n.use_locale("pl"):
        errors = FieldErrors()
        errors.line({"subject": "ab"}, "subject", "Temat", min_len=3, max_len=10)
        errors.line({"name": "x" * 30}, "name", "Nazwa", min_len=1, max_len=22)
        assert errors["subject"] == "Pole „Temat” musi mieć co najmniej 3 znaki."
        assert errors["name"] == "Pole „Nazwa” może mieć maksymalnie 22 znaki."


async def test_switching_the_workspace_language_renames_the_default_types_and_group_but_not_own_names(
        person: Person):
    workspace, ann = await factories.workspace()  # English defaults
    await TicketType.update({TicketType.name: "Printers"}).where(TicketType.name == "Change")
    viewer = await factories.viewer(ann)
    general = {"name": "Acme", "lang": "de", "time_zone": "Europe/Berlin"}
    await save_section(viewer, "general", general, ceiling=MB)
    assert sorted(t["name"] for t in await ticket_types(workspace["id"])) == ["Printers", "Serviceanfrage", "Störung"]
    page = soup(await person.page(f"/{workspace['key']}"))
    assert sorted(o.get_text() for o in page.select("select[name=type] option")) == [
        "Printers", "Serviceanfrage", "Störung"]
    await save_section(viewer, "general", {**general, "lang": "cs"}, ceiling=MB)
    group = await AgentGroup.select(AgentGroup.name).first()
    assert group["name"] == i18n.translations_for("cs").gettext("1st level group") != "1st level group"
