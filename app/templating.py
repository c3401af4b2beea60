"""The Jinja environment every page and mail renders with (no Litestar here: mail uses it too).

Filters and globals every template may use live here; `app/web/templating.py` hands the same
environment to Litestar, which adds `url_for`, `csrf_input` and `csrf_token` for pages.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from app import i18n
from app.formats import day, exact, number, percent, timeago
from app.paths import resource_dir
from app.tickets.status import PRIORITIES, STATUS_LABELS, Status
from app.tickets.timeline import event_text
from app.workspaces.service import public_text


def isoformat(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def status_label(code: int) -> str:
    return str(STATUS_LABELS[Status(code)])


def status_slug(code: int) -> str:
    return Status(code).slug


def priority_label(code: int) -> str:
    label = PRIORITIES.get(code)
    return str(label) if label is not None else str(code)


def choices(rows: list[dict], value_key: str, label_key: str) -> list[tuple]:
    """Rows as (value, label) pairs for the select macro."""
    return [(row[value_key], row[label_key]) for row in rows]


# The small pieces of markup every list row and thread entry repeats are Python filters, not
# macros or globals: a filter is bound when the template compiles and called directly, while a
# macro or global goes through Jinja's Context.call each time (~4-7 µs; the list fragment went
# from 1.1 to 2.0 ms with macros, the ticket page from 1.4 to 2.9 ms).


# (f-strings and markupsafe's C `escape`: Markup.format's escaping formatter costs ~8 µs a call.)


def status_badge(code: int) -> Markup:
    status = Status(code)
    return Markup(f'<span class="badge status-{status.slug}">{escape(status.label)}</span>')


def prio_badge(code: int) -> Markup:
    return Markup(f'<span class="badge prio-{int(code)}">{escape(priority_label(code))}</span>')


def when(value: datetime | None) -> Markup:
    """A time as people read it ("3 minutes ago"), the exact time (reader's language and time zone)
    on hover."""
    if value is None:
        return Markup("")
    return Markup(f'<time datetime="{escape(isoformat(value))}" title="{escape(exact(value))}">'
                  f'{escape(timeago(value))}</time>')


def post_header(entry: dict, agent_view: bool) -> Markup:
    """A post's header: author, the agents' badge (internal note, customer), time, "edited"."""
    badge = ""
    if agent_view and entry["kind"] == "note":
        badge = f' <span class="badge note">{escape(i18n.gettext("Internal note"))}</span>'
    elif agent_view and entry["kind"] == "customer":
        badge = f' <span class="badge">{escape(i18n.gettext("Customer"))}</span>'
    merged = (entry["data"] or {}).get("merged_from")
    if merged:  # moved here by a merge
        badge += f' <span class="badge merged">{escape(i18n.gettext("from #%(number)s", number=merged))}</span>'
    edited = ""
    if entry["edited_at"]:
        edited = (f' <span class="badge edited" title="{escape(exact(entry["edited_at"]))}">'
                  f'{escape(i18n.gettext("edited"))}</span>')
    return Markup(f'<header><strong>{escape(entry["author_name"])}</strong>{badge} {when(entry["created_at"])}'
                  f'{edited}</header>')


def edit_link(entry_id: int, page_url: str) -> Markup:
    """The "Edit" link under a post: the page with that post's form open (htmx swaps #ticket)."""
    href = escape(f"{page_url}?edit={int(entry_id)}")
    return Markup(f'<p class="edit-link"><a href="{href}#post-{int(entry_id)}" hx-get="{href}" hx-target="#ticket" '
                  f'hx-swap="outerHTML">{escape(i18n.gettext("Edit"))}</a></p>')


# The avatar route's path (agent router, app/profile/web.py; a test checks they agree). Filters
# cannot call url_for (mail renders without the app), and this one runs once per post.
AVATAR_PATH = "/avatars/{id}?v={version}"


def initials(name: str) -> str:
    words = name.split()
    return "".join(word[0] for word in words[:2]).upper() or "?"


@lru_cache(maxsize=4096)  # a thread repeats the same few authors: their markup is made once
def _avatar(agent_id: int | None, name: str, version: int, size: int, cls: str = "") -> str:
    classes = f"avatar {escape(cls)}".strip()
    if agent_id and version:
        src = AVATAR_PATH.format(id=int(agent_id), version=int(version))
        return f'<img class="{classes}" src="{src}" alt="" width="{int(size)}" height="{int(size)}">'
    return f'<span class="{classes} initials" aria-hidden="true">{escape(initials(name))}</span>'


def avatar(agent: dict, size: int = 32, cls: str = "") -> Markup:
    """An agent's avatar, or their initials: `{{ agent | avatar }}` for a row with id, first_name,
    last_name (or name) and avatar_version, as app/accounts/queries.py's agents_with_groups has."""
    name = agent.get("name") or f"{agent.get('first_name', '')} {agent.get('last_name', '')}"
    return Markup(_avatar(agent.get("id"), name, agent.get("avatar_version") or 0, size, cls))


def post_avatar(entry: dict, avatars: dict) -> Markup:
    """A post's avatar in the thread: `avatars` maps agent id -> avatar version (from the cached
    agent list, so no query per post); customers and agents without one get initials."""
    agent_id = entry["author_agent"] if entry["kind"] != "customer" else None
    return Markup(_avatar(agent_id, entry["author_name"] or "", avatars.get(agent_id, 0) if agent_id else 0, 32))


def field_error(errors: dict, name: str) -> Markup:
    """A form field's message, where tests and screen readers find it: id err-<name>."""
    message = errors.get(name) if errors else None
    if not message:
        return Markup("")
    return Markup(f'<small class="error" id="err-{escape(name)}">{escape(message)}</small>')


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(resource_dir("templates"))),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
        # Templates ship with the code: a restart picks up an edit. Checking every template file's
        # time on every render (Jinja's default) was a few percent of a page's cost.
        auto_reload=False,
    )
    i18n.install(env)
    env.filters.update(
        timeago=timeago, isoformat=isoformat, exact=exact, day=day, number=number, percent=percent,
        status_label=status_label, status_slug=status_slug,
        priority_label=priority_label, choices=choices, status_badge=status_badge, prio_badge=prio_badge,
        when=when, event_text=event_text, field_error=field_error, post_header=post_header, edit_link=edit_link,
        avatar=avatar, post_avatar=post_avatar,
    )
    env.globals.update(PRIORITIES=PRIORITIES, public_text=public_text)
    # The macro files, loaded once: `{{ forms.field(...) }}`, `{{ ui.pager(...) }}`,
    # `{{ timeline.thread(...) }}`. A `{% from ... import %}` in each page re-derives the
    # template's globals on every render (~17 µs an import, two or three a page).
    env.globals.update(
        forms=env.get_template("macros/forms.html").module,
        ui=env.get_template("macros/ui.html").module,
        timeline=env.get_template("macros/thread.html").module,
    )
    return env


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The shared environment for rendering outside a request (mail)."""
    return build_environment()
