"""Small figures helpers shared by the bench modules."""

from __future__ import annotations

import statistics


def median(values: list) -> float | None:
    values = [v for v in values if isinstance(v, (int, float))]
    return round(statistics.median(values), 2) if values else None
