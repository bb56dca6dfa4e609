"""The JSON API (``/api/v1``): personal tokens, conventions, OpenAPI document."""
