"""What the search index holds per ticket. SQLite is the truth; the index can always be rebuilt
from it (`helprealm reindex`)."""

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, NUMERIC, TEXT, Schema

ANALYZER = StemmingAnalyzer()


def ticket_schema() -> Schema:
    return Schema(
        ticket_id=ID(stored=True, unique=True),
        workspace=ID(),  # every query is filtered by it: tenants never see each other's hits
        # The list's scopes ("my tickets", "my groups' tickets") filter inside the index, so a page
        # of hits is a page of rows (no over-fetching and filtering in SQL afterwards).
        group=ID(),
        assignee=ID(),
        number=NUMERIC(stored=True),
        subject=TEXT(analyzer=ANALYZER, stored=True, field_boost=2.0),
        # Ticket text, customer messages, replies and internal notes (only agents search).
        body=TEXT(analyzer=ANALYZER),
    )


def is_current(schema: Schema) -> bool:
    """False for an index written by an older version (it is rebuilt on start)."""
    return sorted(schema.names()) == sorted(ticket_schema().names())
