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
