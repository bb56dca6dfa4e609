"""Maintenance chosen on order lines: consolidated, priced, delivered and written to the ledger.

The scenario (tests/consolidation/factories.py) allocates laptops 3 / 4 / 3 at the pooled
210.00 € and monitors 5 / – / 3 at 120.00 €. Buyer 1 adds 24-month maintenance at 30.00 €
HT to its laptops; buyer 3 a 36-month extended warranty at 15.50 € HT to its monitors.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from nrhub.consolidation import queries as consolidation_queries
from nrhub.consolidation import services as consolidation
from nrhub.consolidation.amounts import Amounts
from nrhub.consolidation.exports import purchase_order_csv
from nrhub.consolidation.models import PurchaseOrder, PurchaseOrderMaintenanceLine
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry, SpendOrigin
from nrhub.stats.queries import indicators
from tests.repairs.conftest import (
    RECEIVED,
    SHIPPED,
    consolidate,
    delivery_of,
    lines_of,
    ship_and_receive,
)


def purchase_order_of(refurbisher) -> PurchaseOrder:
    return db.session.execute(
        select(PurchaseOrder).where(PurchaseOrder.refurbisher_id == refurbisher.id)
    ).scalar_one()


def test_maintenance_follows_the_allocated_units_on_the_purchase_order(world):
    consolidate(world)
    po_a = purchase_order_of(world.refurbisher_a)
    # 10 × 210 + 8 × 120 + 3 × 30.00 + 3 × 15.50
    assert po_a.total_ht == Decimal("3196.50")
    assert purchase_order_of(world.refurbisher_b).total_ht == Decimal("1079.94")
    rows = [
        (m.designation, m.quantity, m.unit_price, m.vat_rate)
        for m in db.session.execute(
            select(PurchaseOrderMaintenanceLine).order_by(PurchaseOrderMaintenanceLine.id)
        ).scalars()
    ]
    assert rows == [
        ("Maintenance 24 mois — Lenovo ThinkPad T480", 3, Decimal("30.00"), Decimal("20.00")),
        (
            "Extension de garantie 36 mois — Dell P2419H",
            3,
            Decimal("15.50"),
            Decimal("20.00"),
        ),
    ]


def test_purchase_order_document_and_csv_include_the_maintenance(world, request_ctx):
    consolidate(world)
    po = consolidation_queries.get_purchase_order_for(
        world.people["coordinator"], purchase_order_of(world.refurbisher_a).id
    )
    lines = consolidation_queries.purchase_order_lines(po)
    assert [(line.sku, line.quantity, line.amounts.ht) for line in lines] == [
        ("LAP-1", 10, Decimal("2100.00")),
        ("MAINT.", 3, Decimal("90.00")),
        ("MON-1", 8, Decimal("960.00")),
        ("MAINT.", 3, Decimal("46.50")),
    ]
    assert consolidation_queries.document_total(lines) == Amounts(
        Decimal("3196.50"), Decimal("639.30"), Decimal("3835.80")
    )
    breakdown = {
        d.buyer_id: total for d, _lines, total in consolidation_queries.purchase_order_breakdown(po)
    }
    assert breakdown[world.buyers[0].id].ht == Decimal("1320.00")  # 630 + 600 + 90
    assert breakdown[world.buyers[2].id].ht == Decimal("1036.50")  # 630 + 360 + 46.50
    assert sum((t.ht for t in breakdown.values()), Decimal("0")) == Decimal("3196.50")
    csv_text = purchase_order_csv(po).get_data(as_text=True)
    assert "Maintenance 24 mois — Lenovo ThinkPad T480" in csv_text
    assert "Extension de garantie 36 mois — Dell P2419H" in csv_text


def test_delivery_totals_include_the_maintenance(world):
    consolidate(world)
    delivery = delivery_of(world, world.refurbisher_a, 0)
    assert delivery.total_ht == Decimal("1320.00")
    lines = lines_of(delivery)
    assert [(line.quantity, line.maintenance_unit_price) for line in lines] == [
        (3, Decimal("30.00")),
        (5, None),
    ]
    assert delivery_of(world, world.refurbisher_a, 1).total_ht == Decimal("840.00")


def test_receipt_writes_maintenance_as_non_reuse_spend_with_the_clauses(world):
    consolidate(world)
    ship_and_receive(world)
    rows = (
        db.session.execute(
            select(SpendEntry)
            .where(SpendEntry.buyer_id == world.buyers[0].id)
            .order_by(SpendEntry.id)
        )
        .scalars()
        .all()
    )
    assert [(r.amount, r.is_reuse, r.quantity) for r in rows] == [
        (Decimal("630.00"), True, 3),
        (Decimal("90.00"), False, 3),
        (Decimal("600.00"), True, 5),
    ]
    equipment, maintenance = rows[0], rows[1]
    assert maintenance.origin == SpendOrigin.HUB
    assert maintenance.campaign_id == world.campaign.id
    assert maintenance.category_id == equipment.category_id
    assert maintenance.delivery_line_id is None
    assert (maintenance.social_consideration, maintenance.environmental_consideration) == (
        equipment.social_consideration,
        equipment.environmental_consideration,
    )
    assert maintenance.social_consideration == "Clause sociale"
    figures = indicators(RECEIVED.year, buyer_id=world.buyers[0].id)
    assert figures.it_spend == Decimal("1320.00")
    assert figures.reuse_spend == Decimal("1230.00")
    assert figures.spend_with_clause == Decimal("1320.00")
    assert figures.spend_with_clause_share == Decimal("1")
    assert figures.clauses_count == 2  # the campaign's two clauses, counted once
    # A buyer without maintenance has only reuse rows.
    other = indicators(RECEIVED.year, buyer_id=world.buyers[1].id)
    assert other.it_spend == other.reuse_spend


def test_partial_receipt_bills_maintenance_of_the_received_units_only(world):
    consolidate(world)
    delivery = delivery_of(world, world.refurbisher_a, 0)
    consolidation.ship_delivery(
        delivery, SHIPPED, None, by=world.people["refurbisher_a"], notify=False
    )
    laptop, monitor = lines_of(delivery)
    consolidation.confirm_receipt(
        delivery,
        RECEIVED,
        {laptop.id: 2, monitor.id: 5},
        "Un portable manquant.",
        by=world.people["buyer1"],
        notify=False,
    )
    maintenance = db.session.execute(
        select(SpendEntry).where(
            SpendEntry.buyer_id == world.buyers[0].id, SpendEntry.is_reuse.is_(False)
        )
    ).scalar_one()
    assert (maintenance.quantity, maintenance.amount) == (2, Decimal("60.00"))


def test_without_maintenance_the_consolidation_is_unchanged(world):
    from nrhub.campaigns.models import OrderLine

    for line in db.session.execute(select(OrderLine)).scalars():
        line.maintenance_offer_id = None
        line.maintenance_unit_price = None
    db.session.commit()
    consolidate(world)
    assert purchase_order_of(world.refurbisher_a).total_ht == Decimal("3060.00")
    assert db.session.execute(select(PurchaseOrderMaintenanceLine)).first() is None


def test_consolidation_mails_list_the_maintenance(world, outbox):
    consolidation.confirm_consolidation(world.campaign, by=world.coordinator)
    bodies = {m.to[0]: m.body for m in outbox}
    buyer = bodies["acheteur1@test.fr"]
    assert "Maintenance 24 mois — Lenovo ThinkPad T480" in buyer
    assert "1 320,00" in buyer.replace("\u202f", " ").replace("\xa0", " ")  # total HT
    refurbisher = bodies["atelier-a@test.fr"]
    assert "Maintenance 24 mois — Lenovo ThinkPad T480 : 3 unité(s) à 30,00" in refurbisher.replace(
        "\u202f", " "
    ).replace("\xa0", " ")
    assert "Extension de garantie 36 mois — Dell P2419H : 3 unité(s)" in refurbisher
    assert "Maintenance" not in bodies["acheteur2@test.fr"]


def test_preview_shows_the_maintenance_the_purchase_orders_will_carry(world):
    preview = consolidation.preview_consolidation(world.campaign)
    assert preview.maintenance_ht == Decimal("136.50")  # 3 × 30.00 + 3 × 15.50
    chosen = {
        (b.buyer_name, o.offer.sku): (b.maintenance.label, b.maintenance_ht)
        for o in preview.offers
        for b in o.buyers
        if b.maintenance is not None
    }
    assert sorted(chosen.values()) == [
        ("Extension de garantie 36 mois", Decimal("46.50")),
        ("Maintenance 24 mois", Decimal("90.00")),
    ]
    expected_total = preview.total_with_maintenance_ht
    assert expected_total == preview.total_ht + Decimal("136.50")
    consolidate(world)
    totals = db.session.execute(select(PurchaseOrder.total_ht)).scalars().all()
    assert sum(totals, Decimal("0")) == expected_total


def test_preview_page_and_api_show_the_maintenance(world, client):
    from tests.api.conftest import bearer
    from tests.conftest import login

    login(client, "coordination@test.fr")
    page = client.get(f"/campagnes/{world.campaign.id}/consolidation").get_data(as_text=True)
    assert "Total HT, maintenance comprise" in page
    assert 'Maintenance 24 mois : <span class="nowrap">90,00' in page
    assert "<dt>Maintenance HT</dt><dd>136,50" in page
    answer = client.post(
        f"/api/v1/campaigns/{world.campaign.id}/consolidation",
        json={"confirm": False},
        headers=bearer(world.coordinator),
    ).get_json()
    assert answer["maintenance_ht"] == "136.50"
    by_line = {
        a["line_id"]: a["maintenance_ht"] for o in answer["offers"] for a in o["allocations"]
    }
    laptop_line = world.lines[("laptop", 1)]
    assert by_line[laptop_line] == "90.00"
    assert sorted(by_line.values()).count("0.00") == len(by_line) - 2
