"""Keeping ``spend_summary`` equal to the ledger's aggregate.

Every ledger write adds the row's contribution (+1) and every delete or edit removes
the old one (-1), with an upsert in the caller's transaction. ``summary_select`` is the
same aggregate recomputed from the ledger in one statement: ``rebuild_summary`` uses
it, and the tests compare it with the incrementally maintained table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Select, and_, case, delete, func, select, type_coerce
from sqlalchemy.dialects import postgresql, sqlite

from nrhub.clauses.models import Clause, ClauseKind
from nrhub.clauses.services import NO_ENVIRONMENTAL, NO_SOCIAL
from nrhub.db import to_cents
from nrhub.extensions import db
from nrhub.ledger.models import (
    BUYER_SUMMARY_KEY,
    DEPARTMENT_SUMMARY_KEY,
    SUMMARY_KEY,
    SUMMARY_MEASURES,
    SpendBuyerSummary,
    SpendDepartmentSummary,
    SpendEntry,
    SpendOrigin,
    SpendSummary,
    spend_entry_clause,
)
from nrhub.organisations.models import Organisation

# (table, key columns): the detailed summary and its two rollups.
TABLES = (
    (SpendSummary.__table__, SUMMARY_KEY),
    (SpendBuyerSummary.__table__, BUYER_SUMMARY_KEY),
    (SpendDepartmentSummary.__table__, DEPARTMENT_SUMMARY_KEY),
)


@dataclass(frozen=True)
class Contribution:
    key: dict[str, object]
    measures: dict[str, int]


def contract_clause_counts(entry: SpendEntry, clause_kinds: Iterable[str]) -> tuple[int, int]:
    """(social, environmental) clauses of a declared external contract.

    Per kind: the library clauses attached to the row, or, when none of that kind is
    attached, 1 if the row's DECP value for that kind is not "Pas de considération".
    Hub rows count 0 here: their campaign's clauses are counted once per campaign.
    """
    if entry.campaign_id is not None:
        return 0, 0
    kinds = list(clause_kinds)
    social = kinds.count(ClauseKind.SOCIAL)
    environmental = kinds.count(ClauseKind.ENVIRONMENTAL)
    if not social and entry.social_consideration != NO_SOCIAL:
        social = 1
    if not environmental and entry.environmental_consideration != NO_ENVIRONMENTAL:
        environmental = 1
    return social, environmental


def contribution(
    entry: SpendEntry, buyer: Organisation, clause_kinds: Iterable[str]
) -> Contribution:
    """What one ledger row adds to the summary."""
    cents = to_cents(entry.amount)
    reuse = bool(entry.is_reuse)
    social = entry.social_consideration != NO_SOCIAL
    environmental = entry.environmental_consideration != NO_ENVIRONMENTAL
    social_clauses, environmental_clauses = contract_clause_counts(entry, clause_kinds)
    local_department = reuse and entry.supplier_department_code == buyer.department_code
    local_region = reuse and entry.supplier_region_code == buyer.region_code
    return Contribution(
        key={
            "buyer_id": entry.buyer_id,
            "year": entry.year,
            "category_id": entry.category_id,
            "origin": str(entry.origin),
            "campaign_id": entry.campaign_id or 0,
            "department_code": buyer.department_code,
        },
        measures={
            "entries": 1,
            "quantity": entry.quantity,
            "amount_cents": cents,
            "reuse_cents": cents if reuse else 0,
            "reuse_quantity": entry.quantity if reuse else 0,
            "donation_cents": cents if entry.origin == SpendOrigin.DONATION else 0,
            "recycled_cents": cents if entry.has_recycled_materials else 0,
            "clause_cents": cents if (social or environmental) else 0,
            "social_cents": cents if social else 0,
            "environmental_cents": cents if environmental else 0,
            "reuse_local_department_cents": cents if local_department else 0,
            "reuse_local_region_cents": cents if local_region else 0,
            "reuse_ess_cents": cents if (reuse and entry.supplier_is_ess) else 0,
            "social_clauses": social_clauses,
            "environmental_clauses": environmental_clauses,
        },
    )


def apply(change: Contribution, sign: int) -> None:
    """Add (sign=1) or remove (sign=-1) a contribution to the summary and its rollups,
    in the current transaction (upserts: safe under concurrent writers)."""
    measures = {k: sign * v for k, v in change.measures.items()}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for table, key_columns in TABLES:
        key = {k: change.key[k] for k in key_columns}
        statement = insert(table).values(**key, **measures)
        statement = statement.on_conflict_do_update(
            index_elements=list(key_columns),
            set_={m: table.c[m] + statement.excluded[m] for m in SUMMARY_MEASURES},
        )
        db.session.execute(statement)
        if sign < 0:
            db.session.execute(
                delete(table).where(
                    and_(*(table.c[k] == v for k, v in key.items())), table.c.entries <= 0
                )
            )


def summary_select() -> Select[tuple[object, ...]]:
    """The summary recomputed from the ledger (one row per key), in SUMMARY columns order."""
    e = SpendEntry.__table__
    o = Organisation.__table__
    cents = type_coerce(e.c.amount, BigInteger)
    reuse = e.c.is_reuse == True  # noqa: E712  (SQL boolean)
    social = e.c.social_consideration != NO_SOCIAL
    environmental = e.c.environmental_consideration != NO_ENVIRONMENTAL
    attached = (
        select(
            spend_entry_clause.c.spend_entry_id.label("entry_id"),
            func.sum(case((Clause.kind == ClauseKind.SOCIAL, 1), else_=0)).label("social"),
            func.sum(case((Clause.kind == ClauseKind.ENVIRONMENTAL, 1), else_=0)).label(
                "environmental"
            ),
        )
        .join(Clause, Clause.id == spend_entry_clause.c.clause_id)
        .group_by(spend_entry_clause.c.spend_entry_id)
        .subquery()
    )
    external = e.c.campaign_id.is_(None)

    def clause_count(attached_count, has_value):  # type: ignore[no-untyped-def]
        return func.sum(
            case(
                (external & (func.coalesce(attached_count, 0) > 0), attached_count),
                (external & has_value, 1),
                else_=0,
            )
        )

    def when(condition, value=cents):  # type: ignore[no-untyped-def]
        return func.sum(case((condition, value), else_=0))

    return (
        select(
            e.c.year,
            e.c.buyer_id,
            e.c.category_id,
            e.c.origin,
            func.coalesce(e.c.campaign_id, 0).label("campaign_id"),
            func.count().label("entries"),
            func.sum(e.c.quantity).label("quantity"),
            func.sum(cents).label("amount_cents"),
            when(reuse).label("reuse_cents"),
            when(reuse, e.c.quantity).label("reuse_quantity"),
            when(e.c.origin == SpendOrigin.DONATION.value).label("donation_cents"),
            when(e.c.has_recycled_materials == True).label("recycled_cents"),  # noqa: E712
            when(social | environmental).label("clause_cents"),
            when(social).label("social_cents"),
            when(environmental).label("environmental_cents"),
            when(reuse & (e.c.supplier_department_code == o.c.department_code)).label(
                "reuse_local_department_cents"
            ),
            when(reuse & (e.c.supplier_region_code == o.c.region_code)).label(
                "reuse_local_region_cents"
            ),
            when(reuse & (e.c.supplier_is_ess == True)).label("reuse_ess_cents"),  # noqa: E712
            clause_count(attached.c.social, social).label("social_clauses"),
            clause_count(attached.c.environmental, environmental).label("environmental_clauses"),
        )
        .select_from(e)
        .join(o, o.c.id == e.c.buyer_id)
        .outerjoin(attached, attached.c.entry_id == e.c.id)
        .group_by(e.c.year, e.c.buyer_id, e.c.category_id, e.c.origin, e.c.campaign_id)
    )


def rollup_selects(detailed: Any) -> dict[str, Select[tuple[object, ...]]]:
    """The two rollups, summed from ``detailed`` (the summary table or summary_select())."""
    o = Organisation.__table__
    sums = [func.sum(detailed.c[m]).label(m) for m in SUMMARY_MEASURES]
    return {
        "spend_summary_buyer": select(detailed.c.year, detailed.c.buyer_id, *sums).group_by(
            detailed.c.year, detailed.c.buyer_id
        ),
        "spend_summary_department": select(
            detailed.c.year, o.c.department_code, detailed.c.category_id, *sums
        )
        .join(o, o.c.id == detailed.c.buyer_id)
        .group_by(detailed.c.year, o.c.department_code, detailed.c.category_id),
    }


def rebuild_summary() -> None:
    """Recompute the summary and its rollups from the ledger (the caller commits)."""
    for table, _key in TABLES:
        db.session.execute(delete(table))
    detailed = SpendSummary.__table__
    db.session.execute(
        detailed.insert().from_select([*SUMMARY_KEY, *SUMMARY_MEASURES], summary_select())
    )
    for table, key_columns in TABLES[1:]:
        db.session.execute(
            table.insert().from_select(
                [*key_columns, *SUMMARY_MEASURES], rollup_selects(detailed)[table.name]
            )
        )
