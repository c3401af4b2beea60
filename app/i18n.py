"""Translation plumbing: every user-visible string goes through the functions here (CONVENTIONS rule 6).

The language is a property of the request (or background task) being served, never of the process:
it lives in a context variable, so two concurrent requests can render in two languages, and a task
started inside `use_locale(...)` inherits it. Catalogs are compiled `.mo` files inside the package
(`app/locale/<code>/LC_MESSAGES/messages.mo`), which works from a checkout, an editable install and
the zipapp alike. The `.mo` files are build outputs (`make catalogs`, `build/build.sh`); when one is
missing, as in a checkout nobody compiled, every string falls back to its English msgid.

Formatting follows Jinja's newstyle gettext: named `%`-style variables, `gettext("Hi %(name)s",
name=x)`, and `num` for plurals, so a msgid reads the same in Python and in templates.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import jinja2
import jinja2.runtime
from babel import Locale
from babel.support import LazyProxy, NullTranslations, Translations
from markupsafe import Markup

DEFAULT_LOCALE = "en"
# The manual's fifteen languages: a catalog each (app/locale/<code>/), and the choices of the
# workspace setting and the agent's profile.
LANGUAGES = ("cs", "da", "de", "el", "en", "es", "fr", "hi", "it", "nl", "pl", "pt", "ru", "uk", "zh")
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).parent / "locale"

_current_locale: ContextVar[str] = ContextVar("helprealm_locale", default=DEFAULT_LOCALE)


def current_locale() -> str:
    """The locale code of the request or task running now (DEFAULT_LOCALE outside any)."""
    return _current_locale.get()


def set_locale(code: str) -> None:
    """For the rest of this request (app/web/locale.py's middleware gives the previous locale back
    when the request ends); an unknown code means English."""
    _current_locale.set(code if code in LANGUAGES else DEFAULT_LOCALE)


@contextmanager
def use_locale(code: str) -> Iterator[str]:
    """Translate into `code` inside the block, for this task only; the previous locale comes back
    afterwards, even when the block raises."""
    token = _current_locale.set(code)
    try:
        yield code
    finally:
        _current_locale.reset(token)


@functools.cache
def language_names() -> tuple[tuple[str, str], ...]:
    """(code, the language's own name): "de" is "Deutsch" whatever the reader's language, so
    everybody finds their own in a list."""
    names = ((code, Locale.parse(code).get_display_name(code) or code) for code in LANGUAGES)
    return tuple((code, name[:1].upper() + name[1:]) for code, name in names)  # "français" -> "Français"


def language_name(code: str) -> str:
    """The language's own name ("Čeština"); the code itself for one we do not have."""
    return dict(language_names()).get(code, code)


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an Accept-Language header ("de-CH,de;q=0.9,en;q=0.8" -> "de"),
    English when none fits. Malformed parts are skipped, not fatal."""
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "")[:1000].split(",")[:50]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            wanted.append((-quality, position, tag.strip().lower()))
    for _quality, _position, tag in sorted(wanted):
        code = tag.replace("_", "-").split("-")[0]
        if code in LANGUAGES:
            return code
    return DEFAULT_LOCALE


# Bounded, because a locale code may one day come from a request header: 15 languages fit easily.
@functools.lru_cache(maxsize=32)
def translations_for(code: str) -> NullTranslations:
    """The catalog of `code`, read from disk once per process. A missing catalog gives
    NullTranslations (English msgids) rather than an error: an uncompiled checkout still runs."""
    return Translations.load(str(LOCALE_DIR), [code], DOMAIN)


def reload_catalogs() -> None:
    """Forget the catalogs read so far (tests that write catalogs; a catalog updated on disk)."""
    translations_for.cache_clear()
    _catalog_text.cache_clear()


def _translations() -> NullTranslations:
    return translations_for(current_locale())


# The raw lookups, without formatting: Jinja's newstyle callables format the result themselves
# (after marking it safe, so that the variables, not the translation, get escaped).
def _raw_gettext(message: str) -> str:
    return _catalog_text(current_locale(), message)


@functools.lru_cache(maxsize=8192)
def _catalog_text(code: str, message: str) -> str:
    # Catalogs do not change while the process runs, and every list row asks for the same few
    # labels (status, priority): remember each (language, message) pair.
    return translations_for(code).gettext(message)


def _raw_ngettext(singular: str, plural: str, n: int) -> str:
    return _translations().ngettext(singular, plural, n)


def _raw_pgettext(context: str, message: str) -> str:
    return _translations().pgettext(context, message)


def _raw_npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return _translations().npgettext(context, singular, plural, n)


def gettext(message: str, **variables: object) -> str:
    """`message` in the current locale, with `%(name)s` placeholders filled when variables are given."""
    text = _raw_gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    """The form for `n` in the current locale (languages have one to six plural forms); `%(num)d`
    is `n` unless given."""
    variables.setdefault("num", n)
    return _raw_ngettext(singular, plural, n) % variables


def pgettext(context: str, message: str, **variables: object) -> str:
    """Like gettext, for a short msgid whose meaning needs a hint ("Open" a ticket vs. status "Open")."""
    text = _raw_pgettext(context, message)
    return text % variables if variables else text


def npgettext(context: str, singular: str, plural: str, n: int, **variables: object) -> str:
    variables.setdefault("num", n)
    return _raw_npgettext(context, singular, plural, n) % variables


def lazy_gettext(message: str, **variables: object) -> LazyProxy:
    """For strings defined at import time (labels, choices): translated each time it is turned into
    text, in the locale current at that moment. No caching, or the first request's language would
    stick. Convert with str() before handing it to JSON encoders or the database."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext


def msgid_translations(lazy: LazyProxy) -> set[str]:
    """A lazy string's msgid and its translation in every language (to recognise a default text
    that was stored in whichever language was current then)."""
    message = lazy._args[0]  # LazyProxy(gettext, message): Babel keeps the arguments here
    return {message} | {translations_for(code).gettext(message) for code in LANGUAGES}


def install(env: jinja2.Environment) -> None:
    """Make `_()`, `gettext()`, `ngettext()`, `pgettext()`, `npgettext()` and `{% trans %}` work in
    `env`'s templates, in the locale of the request rendering them.

    `ext.i18n.trimmed` collapses the whitespace inside `{% trans %}` blocks, so reindenting a
    template does not change its msgids (babel.cfg extracts with the same setting); use
    `{% trans notrimmed %}` where line breaks matter, as in a plain-text mail. Safe to call twice.

    The callables are Jinja's "newstyle" ones (variables as keyword arguments, the translation
    marked safe before the variables are escaped into it), written out here rather than made by
    `install_gettext_callables`: Jinja's go through two more context calls per `_()` (its `_` is an
    alias that looks `gettext` up and wraps it again), and always apply `%` even without
    variables; ~8.5 µs a call, and a ticket page makes hundreds (bench: ticket page +15%)."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.newstyle_gettext = True  # type: ignore[attr-defined]  ({% trans %} passes variables as keywords)
    env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
        current_locale=current_locale,
        language_name=language_name,
        language_names=language_names,
        LANGUAGES=LANGUAGES,
    )


def _formatted(context: jinja2.runtime.Context, text: str, variables: dict) -> str:
    """Jinja's newstyle rule: the translation is safe markup where autoescaping is on (the
    variables are escaped into it), and always a format string (`%%` is a percent sign)."""
    if context.eval_ctx.autoescape:
        text = Markup(text)
    if not variables and "%" not in text:
        return text  # what `text % {}` would give, without the cost
    return text % variables


@jinja2.pass_context
def _template_gettext(context: jinja2.runtime.Context, message: str, **variables: object) -> str:
    return _formatted(context, _raw_gettext(message), variables)


@jinja2.pass_context
def _template_ngettext(context: jinja2.runtime.Context, singular: str, plural: str, num: int,
                       **variables: object) -> str:
    variables.setdefault("num", num)
    return _formatted(context, _raw_ngettext(singular, plural, num), variables)


@jinja2.pass_context
def _template_pgettext(context: jinja2.runtime.Context, message_context: str, message: str,
                       **variables: object) -> str:
    return _formatted(context, _raw_pgettext(message_context, message), variables)


@jinja2.pass_context
def _template_npgettext(context: jinja2.runtime.Context, message_context: str, singular: str, plural: str,
                        num: int, **variables: object) -> str:
    variables.setdefault("num", num)
    return _formatted(context, _raw_npgettext(message_context, singular, plural, num), variables)
