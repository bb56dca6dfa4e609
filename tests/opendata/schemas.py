"""The JSON Schemas the exports are checked against, with a format checker that checks."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
from jsonschema.validators import validator_for
from referencing import Registry, Resource

DATA = Path(__file__).resolve().parent.parent / "data"
OCDS = DATA / "ocds-1.1.5"
DECP = DATA / "decp-2024" / "marches-schema.json"

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def format_checker(schema: dict[str, Any]) -> jsonschema.FormatChecker:
    """The schema draft's checker, plus date-time, date and uri checks.

    jsonschema checks those formats only when optional packages are installed; these
    checks make an offset-less date or a relative URI fail whatever is installed.
    """
    checker = validator_for(schema).FORMAT_CHECKER
    checker = jsonschema.FormatChecker(checker.checkers)  # a copy: never patch the global one

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            return False
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    @checker.checks("date", raises=ValueError)
    def _date(value: object) -> bool:
        if isinstance(value, str):
            dt.date.fromisoformat(value)
        return True

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and (parts.netloc or parts.path)) and " " not in value

    return checker


def _validator(schema: dict[str, Any], registry: Registry | None = None) -> Any:
    cls = validator_for(schema)
    cls.check_schema(schema)
    kwargs: dict[str, Any] = {"format_checker": format_checker(schema)}
    if registry is not None:
        kwargs["registry"] = registry
    return cls(schema, **kwargs)


@cache
def release_schema() -> dict[str, Any]:
    return _load(OCDS / "dereferenced-release-schema.json")


def package_validator() -> Any:
    """release-package-schema.json, its release reference resolved to the local file."""
    release = release_schema()
    registry = Registry().with_resource(
        release["id"], Resource.from_contents(release, default_specification=_draft4())
    )
    return _validator(_load(OCDS / "release-package-schema.json"), registry)


def release_validator() -> Any:
    return _validator(release_schema())


def decp_validator() -> Any:
    return _validator(_load(DECP))


def _draft4() -> Any:
    from referencing.jsonschema import DRAFT4

    return DRAFT4


def errors(validator: Any, instance: Any) -> list[str]:
    """Every validation error, with where it is, so that a failure says what is wrong."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(instance)
    ]
