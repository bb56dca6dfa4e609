"""What a preview and an apply produce: lines, issues, changes, results."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from nrhub.catalog.rules import ListingData


def line_key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


@dataclass(frozen=True)
class ImportIssue:
    line: int
    column: str
    message: str


class FieldChange(NamedTuple):
    """One field an import line changes: its French label, the old and the new value."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ImportLine:
    line: int
    sku: str
    title: str
    changes: tuple[FieldChange, ...] = ()


@dataclass
class ImportPreview:
    filename: str
    total_lines: int
    creates: list[ImportLine] = field(default_factory=list)
    updates: list[ImportLine] = field(default_factory=list)
    unchanged: list[ImportLine] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    # Not errors, but worth a look: unknown columns (ignored), cells beyond the header.
    warnings: list[ImportIssue] = field(default_factory=list)
    token: str | None = None

    @property
    def can_apply(self) -> bool:
        return not self.errors and bool(self.creates or self.updates) and self.token is not None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@dataclass
class ParsedLine:
    line: int
    data: ListingData
    category_id: int
    status: str
    existing: dict[str, Any] | None
    changes: tuple[FieldChange, ...] = ()
