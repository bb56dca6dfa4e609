"""Keeping ``spend_summary`` and its two rollups equal to the ledger's aggregate.

A ledger write does not compute its own share of the summary: it names the summary keys
it touched (:func:`touch`), and just before the commit the summary rows of the touched
buyers and years are recomputed from the ledger (:func:`summary_select` restricted to
them). The buyers' organisation rows are locked first (``FOR NO KEY UPDATE`` on
PostgreSQL; SQLite writers are serialised by ``BEGIN IMMEDIATE``), so two transactions
writing one buyer's ledger recompute one after the other, each seeing the other's rows.

The rollups (per buyer; per department of the buyer, its current one) receive the
difference between the new and the old detailed rows as increments: buyers of one
department may write at once. A buyer that changes department or region
(:func:`track_buyer_location`, called by the organisation's profile update before the
change) has every detailed row recomputed (local shares depend on the buyer's department
and region) and its rows moved from its old department's rollup to the new one.

``rebuild_summary`` recomputes everything; the tests compare the tables with
``summary_select`` after every step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite

from nrhub.clauses.models import Clause, ClauseKind
from nrhub.clauses.services import NO_ENVIRONMENTAL, NO_SOCIAL
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
from nrhub.transactions import before_commit, unit_state

# (table, key columns): the detailed summary and its two rollups.
TABLES = (
    (SpendSummary.__table__, SUMMARY_KEY),
    (SpendBuyerSummary.__table__, BUYER_SUMMARY_KEY),
    (SpendDepartmentSummary.__table__, DEPARTMENT_SUMMARY_KEY),
)

# A detailed summary key, in SUMMARY_KEY order: (year, buyer_id, category_id, origin,
# campaign_id or 0).
SummaryKey = tuple[int, int, int, str, int]
Measures = tuple[int, ...]

_STATE_KEY = "ledger_summary"


@dataclass
class _Pending:
    """What the current unit of work changed, settled once just before its commit."""

    pairs: set[tuple[int, int]] = field(default_factory=set)  # (buyer id, year)
    # buyer id -> (department, region) read under lock before a change of its profile
    locations: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    clause_ids: set[int] = field(default_factory=set)


def _pending() -> _Pending | None:
    state = unit_state()
    if state is None:
        return None
    pending: _Pending | None = state.get(_STATE_KEY)
    if pending is None:
        pending = state[_STATE_KEY] = _Pending()
        before_commit(lambda: _settle(pending))
    return pending


def touch(buyer_id: int, *years: int) -> None:
    """The buyer's summary rows of these years must follow its ledger: recomputed before
    the commit of the current unit of work (at once outside one)."""
    pairs = {(buyer_id, year) for year in years}
    pending = _pending()
    if pending is None:
        _refresh(pairs, {})
        return
    pending.pairs |= pairs


def track_buyer_location(organisation: Organisation) -> None:
    """Call before an organisation's department or region may change (profile update).

    Locks the organisation's row and remembers its department and region as committed;
    if they differ at the end of the unit of work, the buyer's whole summary is
    recomputed and moved to its new department. Outside a unit of work nothing is
    tracked: call :func:`rebuild_summary` after such a change.
    """
    pending = _pending()
    if pending is None or organisation.id is None or organisation.id in pending.locations:
        return
    o = Organisation.__table__
    row = db.session.execute(
        select(o.c.department_code, o.c.region_code)
        .where(o.c.id == organisation.id)
        .with_for_update(key_share=True)
    ).one()
    pending.locations[organisation.id] = (row.department_code, row.region_code)


def clause_changed(clause_id: int) -> None:
    """A library clause changed kind: the rows it is attached to count it differently."""
    pending = _pending()
    if pending is None:
        _refresh(_pairs_with_clause({clause_id}), {})
        return
    pending.clause_ids.add(clause_id)


def _pairs_with_clause(clause_ids: set[int]) -> set[tuple[int, int]]:
    e = SpendEntry.__table__
    rows = db.session.execute(
        select(e.c.buyer_id, e.c.year)
        .join(spend_entry_clause, spend_entry_clause.c.spend_entry_id == e.c.id)
        .where(spend_entry_clause.c.clause_id.in_(sorted(clause_ids)))
        .distinct()
    )
    return {(int(b), int(y)) for b, y in rows}


def _settle(pending: _Pending) -> None:
    pairs = set(pending.pairs)
    if pending.clause_ids:
        pairs |= _pairs_with_clause(pending.clause_ids)
    moved: dict[int, str | None] = {}
    if pending.locations:
        o = Organisation.__table__
        db.session.flush()
        now = {
            int(i): (d, r)
            for i, d, r in db.session.execute(
                select(o.c.id, o.c.department_code, o.c.region_code).where(
                    o.c.id.in_(sorted(pending.locations))
                )
            )
        }
        moved = {
            buyer_id: before[0]
            for buyer_id, before in pending.locations.items()
            if now.get(buyer_id, before) != before
        }
    if pairs or moved:
        _refresh(pairs, moved)


def _scope(table: Any, pairs: set[tuple[int, int]], whole: set[int]) -> ColumnElement[bool]:
    """Rows of ``table`` (ledger or detailed summary) of these (buyer, year) pairs or of
    these buyers, every year."""
    conditions: list[ColumnElement[bool]] = []
    if whole:
        conditions.append(table.c.buyer_id.in_(sorted(whole)))
    by_buyer: dict[int, set[int]] = defaultdict(set)
    for buyer_id, year in pairs:
        if buyer_id not in whole:
            by_buyer[buyer_id].add(year)
    for buyer_id, years in sorted(by_buyer.items()):
        conditions.append(and_(table.c.buyer_id == buyer_id, table.c.year.in_(sorted(years))))
    return or_(*conditions) if conditions else false()


def _measures(query: Select[Any]) -> dict[SummaryKey, Measures]:
    width = len(SUMMARY_KEY)
    found: dict[SummaryKey, Measures] = {}
    for row in db.session.execute(query):
        year, buyer_id, category_id, origin, campaign_id = row[:width]
        key = (int(year), int(buyer_id), int(category_id), str(origin), int(campaign_id))
        found[key] = tuple(int(v or 0) for v in row[width:])
    return found


def _refresh(pairs: set[tuple[int, int]], moved: dict[int, str | None]) -> None:
    """Recompute the detailed rows of these (buyer, year) pairs and of the ``moved``
    buyers (id -> department before the move), and carry the differences to the rollups."""
    db.session.flush()
    o = Organisation.__table__
    buyers = sorted({b for b, _y in pairs} | set(moved))
    if not buyers:
        return
    # One writer per buyer at a time; FOR NO KEY UPDATE does not block the rows that
    # merely reference the organisation (a foreign key takes FOR KEY SHARE).
    department = {
        int(i): d
        for i, d in db.session.execute(
            select(o.c.id, o.c.department_code)
            .where(o.c.id.in_(buyers))
            .order_by(o.c.id)
            .with_for_update(key_share=True)
        )
    }
    whole = set(moved)
    s = SpendSummary.__table__
    columns = [s.c[c] for c in (*SUMMARY_KEY, *SUMMARY_MEASURES)]
    old = _measures(select(*columns).where(_scope(s, pairs, whole)))
    new = _measures(summary_select(_scope(SpendEntry.__table__, pairs, whole)))
    changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))
    if not changed and not moved:
        return
    _write_detailed(changed, old, new)
    buyer_delta: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(SUMMARY_MEASURES))
    department_delta: dict[tuple[Any, ...], list[int]] = defaultdict(
        lambda: [0] * len(SUMMARY_MEASURES)
    )
    for rows, sign in ((old, -1), (new, 1)):
        for key, measures in rows.items():
            year, buyer_id, category_id = key[0], key[1], key[2]
            counted_in = department[buyer_id]
            if sign < 0 and buyer_id in moved:
                counted_in = moved[buyer_id]
            for target in (
                buyer_delta[(year, buyer_id)],
                department_delta[(year, counted_in, category_id)],
            ):
                for i, value in enumerate(measures):
                    target[i] += sign * value
    _increment(TABLES[1], buyer_delta)
    _increment(TABLES[2], department_delta)


def _key_params(key_columns: Iterable[str], key: tuple[Any, ...]) -> dict[str, Any]:
    return {f"k_{c}": v for c, v in zip(key_columns, key, strict=True)}


def _write_detailed(
    changed: list[SummaryKey], old: dict[SummaryKey, Measures], new: dict[SummaryKey, Measures]
) -> None:
    s = SpendSummary.__table__
    stale = [_key_params(SUMMARY_KEY, k) for k in changed if k in old]
    if stale:
        db.session.execute(
            delete(s).where(*(s.c[c] == bindparam(f"k_{c}") for c in SUMMARY_KEY)), stale
        )
    fresh = [
        dict(zip((*SUMMARY_KEY, *SUMMARY_MEASURES), (*k, *new[k]), strict=True))
        for k in changed
        if k in new
    ]
    if fresh:
        db.session.execute(s.insert(), fresh)


def _increment(
    target: tuple[Any, tuple[str, ...]], deltas: dict[tuple[Any, ...], list[int]]
) -> None:
    """Add the deltas to a rollup (upserts in key order), then drop its emptied rows."""
    table, key_columns = target
    rows = [
        dict(zip((*key_columns, *SUMMARY_MEASURES), (*key, *delta), strict=True))
        for key, delta in sorted(deltas.items(), key=lambda item: tuple(map(str, item[0])))
        if any(delta)
    ]
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={m: table.c[m] + statement.excluded[m] for m in SUMMARY_MEASURES},
    )
    db.session.execute(statement, rows)
    shrunk = [
        _key_params(key_columns, tuple(r[c] for c in key_columns)) for r in rows if r["entries"] < 0
    ]
    if shrunk:
        db.session.execute(
            delete(table).where(
                *(table.c[c] == bindparam(f"k_{c}") for c in key_columns), table.c.entries <= 0
            ),
            shrunk,
        )


def summary_select(
    where: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """The summary recomputed from the ledger (one row per key), in SUMMARY columns order;
    ``where`` restricts the ledger rows (of a few buyers and years)."""
    e = SpendEntry.__table__
    o = Organisation.__table__
    cents = type_coerce(e.c.amount, BigInteger)
    reuse = e.c.is_reuse == True  # noqa: E712  (SQL boolean)
    social = e.c.social_consideration != NO_SOCIAL
    environmental = e.c.environmental_consideration != NO_ENVIRONMENTAL
    links = (
        select(
            spend_entry_clause.c.spend_entry_id.label("entry_id"),
            func.sum(case((Clause.kind == ClauseKind.SOCIAL, 1), else_=0)).label("social"),
            func.sum(case((Clause.kind == ClauseKind.ENVIRONMENTAL, 1), else_=0)).label(
                "environmental"
            ),
        )
        .join(Clause, Clause.id == spend_entry_clause.c.clause_id)
        .group_by(spend_entry_clause.c.spend_entry_id)
    )
    if where is not None:  # only the clauses of the rows recomputed
        links = links.where(spend_entry_clause.c.spend_entry_id.in_(select(e.c.id).where(where)))
    attached = links.subquery()
    # A declared contract's clauses count once: on the first row (lowest id) of the buyer's
    # year under that contract reference; a row without a reference is its own contract.
    same = e.alias("same_contract")
    first_of_contract = or_(
        e.c.contract_reference.is_(None),
        e.c.id
        == select(func.min(same.c.id))
        .where(
            same.c.buyer_id == e.c.buyer_id,
            same.c.year == e.c.year,
            same.c.contract_reference == e.c.contract_reference,
        )
        .scalar_subquery(),
    )
    external = e.c.campaign_id.is_(None) & first_of_contract

    def clause_count(attached_count: Any, has_value: Any) -> ColumnElement[Any]:
        return func.sum(
            case(
                (external & (func.coalesce(attached_count, 0) > 0), attached_count),
                (external & has_value, 1),
                else_=0,
            )
        )

    def when(condition: Any, value: Any = cents) -> ColumnElement[Any]:
        return func.sum(case((condition, value), else_=0))

    query = (
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
    return query if where is None else query.where(where)


def rollup_selects(detailed: Any) -> dict[str, Select[Any]]:
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
    """Recompute the summary and its rollups from the ledger, in the current transaction."""
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
