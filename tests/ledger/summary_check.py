"""The check shared by the summary tests: stored summary == recomputation."""

from __future__ import annotations

from sqlalchemy import select

from nrhub.extensions import db
from nrhub.ledger.models import (
    BUYER_SUMMARY_KEY,
    DEPARTMENT_SUMMARY_KEY,
    SUMMARY_KEY,
    SUMMARY_MEASURES,
    SpendBuyerSummary,
    SpendDepartmentSummary,
    SpendSummary,
)
from nrhub.ledger.summary import rollup_selects, summary_select


def rows_of(query, key):  # type: ignore[no-untyped-def]
    return {
        tuple(row[: len(key)]): tuple(int(v) for v in row[len(key) :])
        for row in db.session.execute(query)
        if int(row[len(key)]) != 0
    }


def assert_summary_matches_ledger() -> None:
    detailed = summary_select().subquery()
    rollups = rollup_selects(detailed)
    for model, key, expected in (
        (SpendSummary, SUMMARY_KEY, select(detailed)),
        (SpendBuyerSummary, BUYER_SUMMARY_KEY, rollups["spend_summary_buyer"]),
        (SpendDepartmentSummary, DEPARTMENT_SUMMARY_KEY, rollups["spend_summary_department"]),
    ):
        table = model.__table__
        stored = select(*(table.c[c] for c in (*key, *SUMMARY_MEASURES)))
        assert rows_of(stored, key) == rows_of(expected, key), model.__tablename__
        # no leftover rows at zero
        assert all(r.entries > 0 for r in db.session.execute(select(table)))
