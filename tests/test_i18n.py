"""Translation plumbing (app/i18n.py, babel.cfg, the catalogs) and the guard that keeps visible text in
templates inside gettext (CONVENTIONS rule 6).

Translations are exercised with a small German catalog compiled into a temporary folder, since the
product ships English only for now."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from app import i18n
from tests.conftest import IN_CI
from tests.template_text import Finding, blocks_inside_attributes, find_untranslated_text

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
POT = ROOT / "app" / "locale" / "messages.pot"
ENGLISH_PO = ROOT / "app" / "locale" / "en" / "LC_MESSAGES" / "messages.po"

# Defined at import time, like a label in a module: must still follow the locale of each render.
GREETING = i18n.lazy_gettext("Hello")

GERMAN = {
    "Hello": "Hallo",
    "Hello %(name)s": "Hallo %(name)s",
    'Read the <a href="%(url)s">guide</a>': 'Lies die <a href="%(url)s">Anleitung</a>',
    ("%(num)d ticket", "%(num)d tickets"): ("%(num)d Ticket", "%(num)d Tickets"),
    ("%(count)s ticket", "%(count)s tickets"): ("%(count)s Ticket", "%(count)s Tickets"),
    "Your request was received.": "Ihre Anfrage ist eingegangen.",
}
GERMAN_WITH_CONTEXT = {("status", "Open"): "Offen", ("verb", "Open"): "Öffnen"}


def write_catalog(folder: Path, code: str, messages: dict, with_context: dict | None = None) -> None:
    catalog = Catalog(locale=code, domain=i18n.DOMAIN)
    for msgid, text in messages.items():
        catalog.add(msgid, text)
    for (context, msgid), text in (with_context or {}).items():
        catalog.add(msgid, text, context=context)
    target = folder / code / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    target.parent.mkdir(parents=True)
    with target.open("wb") as out:
        write_mo(out, catalog)


@pytest.fixture
def locale_dir(tmp_path, monkeypatch) -> Iterator[Path]:
    """An empty folder in place of app/locale; catalogs cached before or after are dropped."""
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.reload_catalogs()
    yield tmp_path
    i18n.reload_catalogs()


@pytest.fixture
def german(locale_dir) -> None:
    write_catalog(locale_dir, "de", GERMAN, GERMAN_WITH_CONTEXT)


def environment(autoescape: bool = True) -> jinja2.Environment:
    env = jinja2.Environment(autoescape=autoescape, trim_blocks=True, lstrip_blocks=True)
    i18n.install(env)
    return env


# --- gettext, ngettext, lazy strings, use_locale ---------------------------------------------------


def test_outside_any_request_the_locale_is_english_and_strings_are_their_msgid(german):
    assert i18n.current_locale() == i18n.DEFAULT_LOCALE == "en"
    assert i18n._("Hello %(name)s", name="Ann") == "Hello Ann"
    assert i18n.gettext("Saved 100%") == "Saved 100%"  # no variables: nothing to format


def test_gettext_translates_into_the_current_locale_and_fills_named_variables(german):
    with i18n.use_locale("de"):
        assert i18n.gettext("Hello") == "Hallo"
        assert i18n._("Hello %(name)s", name="Ann") == "Hallo Ann"
        assert i18n.gettext("Not in the catalog") == "Not in the catalog"


def test_ngettext_picks_the_plural_form_and_offers_num(german):
    with i18n.use_locale("de"):
        assert i18n.ngettext("%(num)d ticket", "%(num)d tickets", 1) == "1 Ticket"
        assert i18n.ngettext("%(num)d ticket", "%(num)d tickets", 3) == "3 Tickets"
    assert i18n.ngettext("%(num)d ticket", "%(num)d tickets", 0) == "0 tickets"


def test_pgettext_tells_two_meanings_of_one_word_apart(german):
    with i18n.use_locale("de"):
        assert i18n.pgettext("status", "Open") == "Offen"
        assert i18n.pgettext("verb", "Open") == "Öffnen"
        assert i18n.npgettext("status", "%(num)d open", "%(num)d open", 2) == "2 open"


def test_a_missing_catalog_falls_back_to_the_english_msgid(german):
    with i18n.use_locale("fr"):
        assert i18n.gettext("Hello") == "Hello"
        assert i18n.ngettext("%(num)d ticket", "%(num)d tickets", 2) == "2 tickets"


def test_use_locale_gives_back_the_previous_locale_even_when_the_block_raises(german):
    with i18n.use_locale("de"):
        with pytest.raises(RuntimeError), i18n.use_locale("fr"):
            assert i18n.current_locale() == "fr"
            raise RuntimeError
        assert i18n.current_locale() == "de"
    assert i18n.current_locale() == "en"


async def test_a_locale_set_in_one_task_does_not_leak_into_a_concurrent_one(german):
    german_inside, english_done = asyncio.Event(), asyncio.Event()

    async def german_request() -> tuple[str, str]:
        with i18n.use_locale("de"):
            german_inside.set()
            await english_done.wait()  # the other request runs while this one is inside its locale
            return i18n.current_locale(), i18n._("Hello")

    async def english_request() -> tuple[str, str]:
        await german_inside.wait()
        seen = i18n.current_locale(), i18n._("Hello")
        english_done.set()
        return seen

    assert await asyncio.gather(german_request(), english_request()) == [("de", "Hallo"), ("en", "Hello")]
    assert i18n.current_locale() == "en"


def test_lazy_strings_translate_when_rendered_in_the_locale_of_that_moment(german):
    greeting = i18n.lazy_gettext("Hello %(name)s", name="<Ann>")
    assert str(GREETING) == "Hello" and str(greeting) == "Hello <Ann>"
    page = environment().from_string("{{ greeting }} / {{ plain }}")
    with i18n.use_locale("de"):
        assert str(GREETING) == "Hallo"
        assert page.render(greeting=greeting, plain=GREETING) == "Hallo &lt;Ann&gt; / Hallo"
    assert page.render(greeting=greeting, plain=GREETING) == "Hello &lt;Ann&gt; / Hello"


def test_the_compiled_english_catalog_is_found_inside_the_package():
    compiled = i18n.LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.mo"
    if not compiled.exists():
        if IN_CI:
            pytest.fail(f"{compiled} is missing: `make test` compiles it (`make catalogs`)")
        pytest.skip("catalogs not compiled (run `make catalogs`)")
    i18n.reload_catalogs()
    assert isinstance(i18n.translations_for("en"), Translations)  # not the NullTranslations fallback


# --- Jinja ------------------------------------------------------------------------------------------


def test_templates_translate_calls_and_escape_the_variables_but_not_the_translation(german):
    page = environment().from_string(
        '{{ _("Hello %(name)s", name=name) }}|{{ gettext(\'Read the <a href="%(url)s">guide</a>\', url=url) }}'
    )
    with i18n.use_locale("de"):
        assert page.render(name="<Ann>", url='x" onclick="y') == (
            'Hallo &lt;Ann&gt;|Lies die <a href="x&#34; onclick=&#34;y">Anleitung</a>'
        )


def test_trans_blocks_translate_with_variables_plurals_and_trimmed_whitespace(german):
    page = environment().from_string(
        "{% trans name=name %}Hello {{ name }}{% endtrans %}|"
        "{% trans count=n %}{{ count }} ticket{% pluralize %}{{ count }} tickets{% endtrans %}|"
        '{{ ngettext("%(num)d ticket", "%(num)d tickets", n) }}|'
        "{% trans %}\n    Your request\n    was received.\n{% endtrans %}|"
        '{{ pgettext("status", "Open") }}|{{ current_locale() }}'
    )
    with i18n.use_locale("de"):
        assert page.render(name="<Ann>", n=1) == (
            "Hallo &lt;Ann&gt;|1 Ticket|1 Ticket|Ihre Anfrage ist eingegangen.|Offen|de"
        )
        assert page.render(name="Ann", n=4).startswith("Hallo Ann|4 Tickets|4 Tickets|")


def test_plain_text_templates_keep_variables_as_they_are(german):
    mail = environment(autoescape=False).from_string("{% trans name=name %}Hello {{ name }}{% endtrans %},")
    with i18n.use_locale("de"):
        assert mail.render(name="Ann <ann@example.test>") == "Hallo Ann <ann@example.test>,"


def test_install_twice_keeps_one_working_setup(german):
    env = environment()
    i18n.install(env)
    with i18n.use_locale("de"):
        assert env.from_string('{{ _("Hello") }}').render() == "Hallo"


# --- extraction and the checked-in catalogs ---------------------------------------------------------


def babel_mapping() -> tuple[list, dict]:
    with (ROOT / "babel.cfg").open() as cfg:
        return parse_mapping_cfg(cfg, "babel.cfg")


def extract_msgids(folder: Path) -> dict[tuple, list[str]]:
    """(msgid, context) -> where it was found, extracted the way `make messages` does it."""
    method_map, options_map = babel_mapping()
    found: dict[tuple, list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(str(folder), method_map, options_map):
        found.setdefault((message, context), []).append(f"{filename}:{lineno}")
    return found


def catalog_msgids(path: Path) -> set[tuple]:
    with path.open("rb") as po:
        return {(message.id, message.context) for message in read_po(po) if message.id}


def test_babel_cfg_finds_every_keyword_in_code_and_both_kinds_of_template(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "labels.py").write_text(
        'A = _("underscore")\nB = gettext("gettext")\nC = ngettext("one", "many", 2)\n'
        'D = lazy_gettext("lazy")\nE = pgettext("status", "Open")\nF = _l("lazy, as modules import it")\n'
    )
    (tmp_path / "templates" / "mail").mkdir(parents=True)
    (tmp_path / "templates" / "page.html").write_text(
        '{{ _("in html") }}{% trans n=2 %}\n  {{ n }} item\n{% pluralize %}{{ n }} items{% endtrans %}'
    )
    (tmp_path / "templates" / "mail" / "note.txt").write_text("{% trans %}in a mail{% endtrans %}\n")
    assert set(extract_msgids(tmp_path)) == {
        ("underscore", None),
        ("gettext", None),
        (("one", "many"), None),
        ("lazy", None),
        ("Open", "status"),
        ("lazy, as modules import it", None),
        ("in html", None),
        (("%(n)s item", "%(n)s items"), None),
        ("in a mail", None),
    }


def test_msgids_extracted_from_templates_are_the_ones_the_app_environment_looks_up(locale_dir):
    """babel.cfg's Jinja options must match app/web/templating.py and install(), or a msgid found by
    `make messages` would never be asked for at runtime (whitespace, %% escaping)."""
    from app.web.templating import build_environment

    source = (
        "{% if true %}\n  {% trans n=3 %}\n    Done: 100%\n    of {{ n }}\n  {% endtrans %}\n{% endif %}\n"
        "|{% trans %}Saved 100%{% endtrans %}"
    )
    _methods, options_map = babel_mapping()
    extracted = [
        message
        for _line, message, _comments, _context in extract(
            "jinja2", io.BytesIO(source.encode()), options=options_map["templates/**.html"]
        )
    ]
    assert len(extracted) == 2
    write_catalog(locale_dir, "xx", {msgid: f"[xx] {msgid}" for msgid in extracted})
    env = build_environment()
    i18n.install(env)
    with i18n.use_locale("xx"):
        assert env.from_string(source).render().strip() == "[xx] Done: 100% of 3|[xx] Saved 100%"


def test_every_name_modules_import_the_translation_functions_as_is_a_keyword_of_babel_cfg():
    """`from app.i18n import lazy_gettext as _l` only works if babel.cfg extracts `_l(...)`: the
    status names were once missing from every catalog that way."""
    keywords = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        if line.startswith("keywords ="):
            keywords |= set(line.split("=", 1)[1].split())
    aliases = set()
    for path in (ROOT / "app").rglob("*.py"):
        for match in re.finditer(r"from app\.i18n import ([^\n]+)", path.read_text()):
            for name in match.group(1).split(","):
                imported, _as, alias = name.strip().partition(" as ")
                if "gettext" in imported or imported == "_":
                    aliases.add(alias or imported)
    assert aliases <= keywords, f"add to babel.cfg's keywords: {sorted(aliases - keywords)}"


def test_every_translatable_string_is_in_the_checked_in_pot():
    missing = {key: where for key, where in extract_msgids(ROOT).items() if key not in catalog_msgids(POT)}
    assert not missing, "run `make messages`; strings missing from app/locale/messages.pot:\n" + "\n".join(
        f"  {msgid!r} ({', '.join(where)})" for (msgid, _context), where in missing.items()
    )


def test_the_english_catalog_has_every_msgid_of_the_pot():
    assert catalog_msgids(POT) <= catalog_msgids(ENGLISH_PO), "run `make messages` to update the .po files"


@pytest.mark.parametrize(
    "source",
    [
        '<p>{{ _("Hello") }}</p>',
        "<p>{% trans name=name %}Hello <b>{{ name }}</b>{% endtrans %}</p>",
        '<input type="search" placeholder="{{ _("Search") }}" aria-label="{{ _("Search tickets") }}">',
        "<p>{{ value }}</p>",
        '<span title="{{ when }}">{{ n }}</span>',
        "<p>&nbsp;·&nbsp;#{{ n }}: ({{ x }}) – → &lt;{{ email }}&gt;</p>",
        '<a href="/login" class="primary button" hx-target="#ticket" {{ hx | safe }}>{{ _("Log in") }}</a>',
        '<!-- a note for developers --><script>var label = "not shown";</script><style>p { color: red }</style>',
        '<input type="{{ type }}" name="{{ name }}"{% if required %} required{% endif %}>{{ label }}',
        "{% block title %}HelpRealm{% endblock %}",
        '<a class="brand" href="/">HR</a>',
        "{# a Jinja comment #}{% if x %}{{ _('Yes') }}{% else %}{{ _('No') }}{% endif %}",
    ],
)
def test_the_checker_accepts_translated_or_wordless_html(source):
    assert find_untranslated_text(source, "page.html") == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<p>Hello</p>", Finding(1, "Hello")),
        ('<div>\n  <p>{{ _("Fine") }}</p>\n  <p>Not {{ "fine" }}</p>\n</div>', Finding(3, "Not")),
        ('<input type="search" placeholder="Search">', Finding(1, 'placeholder="Search"')),
        ('<nav aria-label="Main">{{ x }}</nav>', Finding(1, 'aria-label="Main"')),
        ('<img src="/logo.png" alt="Logo">', Finding(1, 'alt="Logo"')),
        ('<abbr title="{{ x }} more">', Finding(1, 'title="{{…}} more"')),
        ("{% block title %}Log in · HelpRealm{% endblock %}", Finding(1, "Log in · HelpRealm")),
        ("{% if x %}\n<b>{{ x }}</b>\n{% else %}\n<i>Nothing yet</i>\n{% endif %}", Finding(4, "Nothing yet")),
        ("<p>{{ n }}&nbsp;Tickets</p>", Finding(1, "Tickets")),
        ("<p>Привет</p>", Finding(1, "Привет")),
    ],
)
def test_the_checker_reports_visible_words_outside_gettext(source, expected):
    assert find_untranslated_text(source, "page.html") == [expected]


def test_the_checker_reads_every_literal_word_of_a_plain_text_mail():
    mail = "{% trans name=name %}Hello {{ name }},{% endtrans %}\n\nRead it here:\n{{ link }}\n\n-- \n{{ team }}\n"
    assert find_untranslated_text(mail, "mail/reply.txt") == [Finding(3, "Read it here:")]
    assert find_untranslated_text("{{ a }}\n-- \n{{ b }} · #{{ c }}\n", "mail/ok.txt") == []


def test_the_checker_reads_a_block_that_a_layout_puts_in_an_attribute_as_that_attribute():
    layout = '<body class="{% block body_class %}{% endblock %}"><abbr title="{%- block tip %}{% endblock %}">'
    blocks = blocks_inside_attributes([layout])
    assert blocks == {"body_class": "class", "tip": "title"}
    page = '{% extends "layout.html" %}\n{% block body_class %}plain{% endblock %}\n{% block tip %}More{% endblock %}'
    assert find_untranslated_text(page, "page.html", blocks) == [Finding(3, 'title="More"')]


def test_templates_show_no_text_outside_gettext():
    sources = {path: path.read_text() for path in sorted(TEMPLATES.rglob("*")) if path.suffix in (".html", ".txt")}
    assert sources, f"no templates under {TEMPLATES}"
    attribute_blocks = blocks_inside_attributes(sources.values())
    findings = [
        f"{path.relative_to(ROOT)}:{finding.line}: {finding.text}"
        for path, source in sources.items()
        for finding in find_untranslated_text(source, path.name, attribute_blocks)
    ]
    assert not findings, "wrap these in _() or {% trans %} (CONVENTIONS rule 6):\n" + "\n".join(findings)
