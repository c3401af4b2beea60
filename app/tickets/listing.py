"""The ticket list's state: which view, filters, sort, page size and page, read from the URL.

A list URL is the whole state (`/tickets?view=overdue&status=1&status=4&sort=deadline&dir=asc`),
so a link, the back button and a reload show the same rows. `ListQuery.parse()` never fails:
an unknown value is dropped and named in `notices` (the page shows them), so a hand-edited or
stale URL answers the nearest sane list instead of an error. `href()` writes the URL back with
the view and the values that differ from the defaults, which keeps pager and sort links short.

The SQL for a ListQuery is in app/tickets/list_rows.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from app.i18n import _
from app.tickets.status import PRIORITIES, Status
from app.validation import parse_int
from app.web.params import MAX_PAGE

VIEWS = ("mine", "groups", "unassigned", "overdue", "all", "closed")
DEFAULT_VIEW = "groups"
# The dashboard's older links say `?scope=mine|groups|all`: the same views.
LEGACY_SCOPES = {"mine": "mine", "groups": "groups", "all": "all"}

# Sortable columns: URL name -> what list_rows.py orders by. Only these reach ORDER BY.
SORTS = ("number", "subject", "customer", "updated", "group", "assignee", "status", "prio", "type", "deadline")
DEFAULT_SORT = "updated"
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PER_PAGE = 25
NOBODY = "nobody"  # assignee filter: tickets nobody works
MAX_TEXT = 200  # search box and tag filter


@dataclass(frozen=True)
class ListQuery:
    view: str = DEFAULT_VIEW
    q: str = ""
    statuses: tuple[int, ...] = ()
    prio: int | None = None
    type_id: int | None = None
    group_id: int | None = None
    assignee: int | str | None = None  # an agent id, NOBODY, or None (anyone)
    tag: str = ""
    sort: str | None = None  # None: newest activity first, or relevance when searching
    desc: bool = True
    per_page: int = DEFAULT_PER_PAGE
    page: int = 1
    notices: tuple[str, ...] = field(default=(), compare=False)

    # -- reading the URL -----------------------------------------------------------------------

    @classmethod
    def parse(cls, params: Mapping[str, Any]) -> ListQuery:
        """From query parameters (a MultiDict: `getall` for repeated keys, else single values)."""
        notices: list[str] = []

        def one(name: str) -> str:
            values = _all(params, name)
            return values[-1].strip() if values else ""

        def number(name: str, label: str, allowed: set[int] | None = None) -> int | None:
            raw = one(name)
            if not raw:
                return None
            value = parse_int(raw)
            if value is None or (allowed is not None and value not in allowed):
                notices.append(_("Ignored an unknown %(what)s: “%(value)s”.", what=label, value=raw[:40]))
                return None
            return value

        view = one("view") or LEGACY_SCOPES.get(one("scope"), "")
        if view not in VIEWS:
            if view:
                notices.append(_("Ignored an unknown view: “%(value)s”.", value=view[:40]))
            view = DEFAULT_VIEW
        statuses: list[int] = []
        for raw in _all(params, "status")[:20]:
            code = parse_int(raw.strip())
            if code is None or code not in Status._value2member_map_:
                notices.append(_("Ignored an unknown %(what)s: “%(value)s”.", what=_("status"), value=raw[:40]))
            elif code not in statuses:
                statuses.append(code)
        assignee: int | str | None = one("assignee").lower() or None
        if assignee is not None and assignee != NOBODY:
            assignee = number("assignee", _("assignee"))
        sort: str | None = one("sort") or None
        if sort is not None and sort not in SORTS:
            notices.append(_("Ignored an unknown sort order: “%(value)s”.", value=sort[:40]))
            sort = None
        direction = one("dir").lower()
        per_page = number("per_page", _("page size"), set(PAGE_SIZES)) or DEFAULT_PER_PAGE
        page = parse_int(one("page")) or 1
        return cls(
            view=view,
            q=one("q")[:MAX_TEXT],
            statuses=tuple(sorted(statuses)),
            prio=number("prio", _("priority"), set(PRIORITIES)),
            type_id=number("type", _("ticket type")),
            group_id=number("group", _("group")),
            assignee=assignee,
            tag=one("tag")[:MAX_TEXT],
            sort=sort,
            desc=direction != "asc" if sort else True,
            per_page=per_page,
            page=min(max(page, 1), MAX_PAGE),
            notices=tuple(notices),
        )

    # -- writing the URL -----------------------------------------------------------------------

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query string's pairs for this state with `changes` applied (page drops back to 1
        unless it is among them); defaults are left out."""
        lq = replace(self, **({"page": 1} | changes))
        pairs: list[tuple[str, str]] = [("view", lq.view)]  # always: the link says which list it is
        if lq.q:
            pairs.append(("q", lq.q))
        pairs += [("status", str(code)) for code in lq.statuses]
        for name, value in (("prio", lq.prio), ("type", lq.type_id), ("group", lq.group_id),
                            ("assignee", lq.assignee)):
            if value is not None:
                pairs.append((name, str(value)))
        if lq.tag:
            pairs.append(("tag", lq.tag))
        if lq.sort:
            pairs += [("sort", lq.sort), ("dir", "desc" if lq.desc else "asc")]
        if lq.per_page != DEFAULT_PER_PAGE:
            pairs.append(("per_page", str(lq.per_page)))
        if lq.page != 1:
            pairs.append(("page", str(lq.page)))
        return pairs

    def href(self, base: str, **changes: Any) -> str:
        return f"{base}?{urlencode(self.params(**changes))}"

    def query_string(self) -> str:
        """This exact state (page included), for the bulk form to come back to."""
        return urlencode(self.params(page=self.page))

    def sort_href(self, base: str, column: str) -> str:
        """A column header's link: sort by it; clicking the sorted column again turns it round.
        Text columns start A→Z, times and numbers newest/highest first."""
        if self.sort_key == column:
            return self.href(base, sort=column, desc=not self.desc)
        return self.href(base, sort=column, desc=column not in ("subject", "customer", "group", "assignee", "type"))

    @property
    def sort_key(self) -> str | None:
        """The column the rows are ordered by (None: search relevance)."""
        if self.sort:
            return self.sort
        return None if self.q else DEFAULT_SORT

    @property
    def filtered(self) -> bool:
        """Any filter besides the view and the search words."""
        return bool(self.statuses or self.prio is not None or self.type_id is not None
                    or self.group_id is not None or self.assignee is not None or self.tag)


def _all(params: Mapping[str, Any], name: str) -> list[str]:
    getall = getattr(params, "getall", None)
    if getall is not None:
        values = getall(name, [])
    else:
        value = params.get(name)
        values = value if isinstance(value, list) else ([] if value is None else [value])
    return [v for v in values if isinstance(v, str)][:50]
