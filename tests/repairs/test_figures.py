"""Repair figures worked out by hand: counts by status, repaired share, median days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from nrhub.extensions import db
from nrhub.repairs import queries
from nrhub.repairs.models import RepairRequest, RepairStatus
from tests.repairs.conftest import delivery_of, lines_of

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def add(
    world,
    refurbisher,
    buyer_index: int,
    status: RepairStatus,
    days: float | None,
    opened_at: dt.datetime = T0,
):
    delivery = delivery_of(world, refurbisher, buyer_index)
    line = lines_of(delivery)[0]
    db.session.add(
        RepairRequest(
            buyer_id=delivery.buyer_id,
            refurbisher_id=delivery.refurbisher_id,
            delivery_id=delivery.id,
            delivery_line_id=line.id,
            quantity=1,
            description="Panne.",
            status=status,
            opened_at=opened_at,
            resolved_at=None if days is None else opened_at + dt.timedelta(days=days),
        )
    )


def test_median_with_odd_and_even_counts():
    assert queries.median([]) is None
    assert queries.median([Decimal(1), Decimal(2), Decimal(10)]) == Decimal(2)
    assert queries.median([Decimal(1), Decimal(4)]) == Decimal("2.5")


def test_figures_by_refurbisher(received):
    world = received
    a, b = world.refurbisher_a, world.refurbisher_b
    # Atelier A: 3 resolved in 1, 2 and 10 days (odd count: median 2), 1 open, 1 in progress.
    add(world, a, 0, RepairStatus.REPAIRED, 10)
    add(world, a, 1, RepairStatus.REPLACED, 1)
    add(world, a, 2, RepairStatus.REFUSED, 2)
    add(world, a, 0, RepairStatus.OPEN, None)
    add(world, a, 1, RepairStatus.IN_PROGRESS, None)
    # Atelier B: 2 resolved in 1 and 4.5 days (even count: median 2.75 → 2.8).
    add(world, b, 1, RepairStatus.REPAIRED, 4.5)
    add(world, b, 2, RepairStatus.REPAIRED, 1)
    db.session.commit()

    rows = {r.refurbisher_name: r for r in queries.repair_figures()}
    row_a, row_b = rows["Atelier A"], rows["Atelier B"]
    assert (row_a.total, row_a.open, row_a.in_progress) == (5, 1, 1)
    assert (row_a.repaired, row_a.replaced, row_a.refused, row_a.resolved) == (1, 1, 1, 3)
    assert row_a.repaired_share == Decimal(2) / Decimal(3)
    assert row_a.median_days == Decimal("2.0")
    assert (row_b.total, row_b.repaired, row_b.resolved) == (2, 2, 2)
    assert row_b.repaired_share == Decimal(1)
    assert row_b.median_days == Decimal("2.8")
    # All resolved durations: 1, 1, 2, 4.5, 10 → 2.
    assert queries.overall_median_days() == Decimal("2.0")
    total = queries.total_figures(list(rows.values()), queries.overall_median_days())
    assert (total.total, total.resolved, total.repaired_share) == (7, 5, Decimal(4) / Decimal(5))
    # The dashboards' one call: the same rows, and the total's median from their durations.
    assert queries.repair_figures_with_total() == (list(rows.values()), total)
    assert total.median_days == Decimal("2.0")


def test_figures_scoped_to_a_refurbisher_or_a_buyer(received):
    world = received
    add(world, world.refurbisher_a, 0, RepairStatus.REPAIRED, 3)
    add(world, world.refurbisher_a, 1, RepairStatus.REFUSED, 5)
    add(world, world.refurbisher_b, 1, RepairStatus.OPEN, None)
    db.session.commit()
    only_a = queries.repair_figures(refurbisher_id=world.refurbisher_a.id)
    assert [(r.refurbisher_name, r.total, r.median_days) for r in only_a] == [
        ("Atelier A", 2, Decimal("4.0"))
    ]
    buyer2 = queries.repair_figures(buyer_id=world.buyers[1].id)
    assert [(r.refurbisher_name, r.total, r.refused, r.repaired_share) for r in buyer2] == [
        ("Atelier A", 1, 1, Decimal(0)),
        ("Atelier B", 1, 0, None),
    ]
    assert queries.overall_median_days(buyer_id=world.buyers[0].id) == Decimal("3.0")
    assert queries.repair_figures(buyer_id=world.buyers[2].id) == []


def test_figures_of_a_year_count_the_requests_opened_that_paris_year(received):
    world = received
    a = world.refurbisher_a
    # 31 December 2025 at 23:30 UTC is already 1 January 2026 in Paris.
    new_year = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)
    add(world, a, 0, RepairStatus.REPAIRED, 2, opened_at=new_year)
    add(world, a, 1, RepairStatus.REFUSED, 6, opened_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))
    add(
        world,
        a,
        2,
        RepairStatus.OPEN,
        None,
        opened_at=dt.datetime(2025, 12, 31, 22, 59, tzinfo=dt.UTC),
    )
    db.session.commit()

    [of_2026] = queries.repair_figures(year=2026)
    assert (of_2026.total, of_2026.repaired, of_2026.refused) == (1, 1, 0)
    assert queries.overall_median_days(year=2026) == Decimal("2.0")
    [of_2025] = queries.repair_figures(year=2025)
    assert (of_2025.total, of_2025.open, of_2025.refused, of_2025.repaired_share) == (
        2,
        1,
        1,
        Decimal(0),
    )
    assert queries.overall_median_days(year=2025) == Decimal("6.0")
    rows, total = queries.repair_figures_with_total(year=2025)
    assert (rows, total.total, total.median_days) == ([of_2025], 2, Decimal("6.0"))
    assert queries.repair_figures_with_total(year=2024)[1].median_days is None
    assert queries.repair_figures(year=2024) == []
    [all_years] = queries.repair_figures()
    assert all_years.total == 3
