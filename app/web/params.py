"""Typed, bounded path and query parameters. Litestar answers a value outside the bounds with
400 before the handler runs, so `99999999999999999999` never reaches SQLite (which overflows
at 2**63) and a page number cannot ask for an absurd OFFSET."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.params import MultipartBody, PathParameter, QueryParameter, URLEncodedBody

from app.validation import MAX_DIGITS

MAX_ID = 10**MAX_DIGITS - 1
MAX_PAGE = 100_000

Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
EntryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]  # an optional id in the query (?edit=)
PageNumber = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_PAGE)]
Text = Annotated[str, QueryParameter(max_length=1000)]  # a query value (search box, token in a link)
OptionalText = Annotated[str | None, QueryParameter(max_length=1000)]
PathText = Annotated[str, PathParameter(max_length=200)]
Form = URLEncodedBody[dict[str, Any]]
Multipart = MultipartBody[dict[str, Any]]

__all__ = ["MAX_ID", "MAX_PAGE", "EntryId", "Form", "Id", "Multipart", "OptionalText", "PageNumber", "PathText", "Text"]
