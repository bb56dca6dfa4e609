"""Reference data of the ledger area: the legal targets (``nrhub/data/targets.json``)
and the flat-rate grid of donations received (``nrhub/data/donation_values.json``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from nrhub.db import utcnow
from nrhub.ledger.models import LegalTarget, TargetKind
from nrhub.reference_files import insert_rows, read_data, reference_loader


@reference_loader
def load_targets(session: Session) -> None:
    """Insert the seeded targets that are missing (a coordinator's corrections are kept)."""
    existing_codes = set(session.execute(select(LegalTarget.code)).scalars())
    existing_keys = {
        (kind, category, year)
        for kind, category, year in session.execute(
            select(LegalTarget.kind, LegalTarget.legal_category, LegalTarget.first_year)
        )
    }
    missing = []
    for row in read_data("targets.json"):
        key = (row["kind"], row["legal_category"], row["first_year"])
        if row["code"] in existing_codes or key in existing_keys:
            continue
        missing.append({**row, "kind": TargetKind(row["kind"]).value, "updated_at": utcnow()})
    insert_rows(session, LegalTarget.__table__, missing)


@dataclass(frozen=True)
class AgeBracket:
    code: str
    label_fr: str
    label_en: str

    def label(self, locale: str = "fr") -> str:
        return self.label_en if locale == "en" else self.label_fr


@dataclass(frozen=True)
class DonationGrid:
    source: str
    brackets: tuple[AgeBracket, ...]
    values: dict[str, dict[str, Decimal]]

    def value(self, category_code: str, bracket: str) -> Decimal | None:
        """Flat-rate value of one donated unit, or None when the grid has no entry."""
        return self.values.get(category_code, {}).get(bracket)


@lru_cache(maxsize=1)
def donation_grid() -> DonationGrid:
    raw = read_data("donation_values.json")
    return DonationGrid(
        source=raw["source"],
        brackets=tuple(AgeBracket(**b) for b in raw["brackets"]),
        values={
            code: {bracket: Decimal(v) for bracket, v in by_bracket.items()}
            for code, by_bracket in raw["values"].items()
        },
    )
