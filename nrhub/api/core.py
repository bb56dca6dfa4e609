"""The API conventions, one module each, gathered here for the views.

- :mod:`nrhub.api.blueprint`: the blueprint;
- :mod:`nrhub.api.problems`: problem+json errors;
- :mod:`nrhub.api.validation`: request bodies and query strings through pydantic;
- :mod:`nrhub.api.auth`: Bearer authentication and the rate limit;
- :mod:`nrhub.api.idempotency`: ``Idempotency-Key`` replay;
- :mod:`nrhub.api.registry`: the route registry the OpenAPI document is built from;
- :mod:`nrhub.api.formats`: money, decimals, dates, the id range;
- :mod:`nrhub.api.pagination`: cursor pagination.
"""

from __future__ import annotations

from nrhub.api.auth import api_user
from nrhub.api.blueprint import bp
from nrhub.api.formats import MAX_ID, day, decimal_text, money, share_text, timestamp
from nrhub.api.idempotency import KEY_PATTERN, MAX_KEY
from nrhub.api.pagination import (
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PAGINATION_PARAMS,
    decode_cursor,
    encode_cursor,
    page_limit,
)
from nrhub.api.problems import PROBLEM, ApiProblem, problem
from nrhub.api.registry import REGISTRY, Answer, Param, Route, route
from nrhub.api.validation import (
    NO_NUL_PATTERN,
    NUL_MESSAGE,
    check_echoed_campaign,
    fields_renamed,
    invalid,
    parse_body,
    parse_query,
    validation_errors,
)

__all__ = [
    "CURSOR_PATTERN",
    "DEFAULT_LIMIT",
    "KEY_PATTERN",
    "MAX_ID",
    "MAX_KEY",
    "MAX_LIMIT",
    "NO_NUL_PATTERN",
    "NUL_MESSAGE",
    "PAGINATION_PARAMS",
    "PROBLEM",
    "REGISTRY",
    "Answer",
    "ApiProblem",
    "Param",
    "Route",
    "api_user",
    "bp",
    "check_echoed_campaign",
    "day",
    "decimal_text",
    "decode_cursor",
    "encode_cursor",
    "fields_renamed",
    "invalid",
    "money",
    "page_limit",
    "parse_body",
    "parse_query",
    "problem",
    "route",
    "share_text",
    "timestamp",
    "validation_errors",
]
