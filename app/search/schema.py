"""What the search index holds per ticket. SQLite is the truth; the index can always be rebuilt
from it (`helprealm reindex`)."""

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, NUMERIC, TEXT, Schema

ANALYZER = StemmingAnalyzer()


def ticket_schema() -> Schema:
    return Schema(
        ticket_id=ID(stored=True, unique=True),
        workspace=ID(),  # every query is filtered by it: tenants never see each other's hits
        number=NUMERIC(stored=True),
        subject=TEXT(analyzer=ANALYZER, stored=True, field_boost=2.0),
        # Ticket text, customer messages, replies and internal notes (only agents search).
        body=TEXT(analyzer=ANALYZER),
    )
