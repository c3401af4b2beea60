"""How the ticket service tells the search index about a change, without importing it.

The running server registers its writer task's `enqueue`; in other processes (the CLI) nobody
listens and the change is picked up by the next server start (it indexes what is missing) or by
`helprealm reindex`."""

from __future__ import annotations

from collections.abc import Callable

_listener: Callable[[int], None] | None = None


def register(listener: Callable[[int], None] | None) -> None:
    global _listener
    _listener = listener


def ticket_changed(ticket_id: int) -> None:
    if _listener is not None:
        _listener(ticket_id)


# The FAQ index (app/search/faq.py) hears of a workspace's FAQ changes the same way.
_faq_listener: Callable[[int], None] | None = None


def register_faq(listener: Callable[[int], None] | None) -> None:
    global _faq_listener
    _faq_listener = listener


def faq_changed(workspace_id: int) -> None:
    if _faq_listener is not None:
        _faq_listener(workspace_id)
