"""Partial deliveries: a delivery stays open until every unit is received or recorded as
not delivered; each receipt writes its own ledger rows; missing units lower the amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from nrhub.campaigns.models import CampaignState
from nrhub.consolidation import services
from nrhub.consolidation.models import Delivery, DeliveryStatus, PurchaseOrder
from nrhub.errors import ConflictError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from tests.conftest import login
from tests.consolidation import factories as f
from tests.consolidation.test_delivery_services import delivery_of, lines_of

SHIPPED = dt.date(2026, 10, 12)
FIRST = dt.date(2026, 10, 14)
SECOND = dt.date(2026, 10, 20)


@pytest.fixture
def shipped(world):
    """Buyer 1's delivery from refurbisher A (laptop 3 × 210,00, monitor 5 × 120,00), shipped."""
    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator, at=f.CONFIRMED_AT)
    db.session.expire_all()
    delivery = delivery_of(world, world.refurbisher_a, 0)
    f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_a"])
    return world, delivery


def _ledger() -> list[tuple[int | None, int, Decimal, dt.date]]:
    return [
        (r.delivery_line_id, r.quantity, r.amount, r.spent_on)
        for r in db.session.execute(select(SpendEntry).order_by(SpendEntry.id)).scalars()
    ]


def test_partial_receipt_stays_open_and_a_later_receipt_completes_it(shipped):
    world, delivery = shipped
    laptop, monitor = lines_of(delivery)
    buyer = world.people["buyer1"]
    f.run(services.confirm_receipt, delivery, FIRST, {laptop.id: 2, monitor.id: 5}, None, by=buyer)
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.PARTIAL
    assert (laptop.received_quantity, laptop.expected_quantity) == (2, 1)
    assert (monitor.received_quantity, monitor.expected_quantity) == (5, 0)

    # The fully received line is not asked again; the later receipt adds to the first.
    f.run(services.confirm_receipt, delivery, SECOND, {laptop.id: 1}, "Le dernier", by=buyer)
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.RECEIVED
    assert delivery.received_on == SECOND
    assert (laptop.received_quantity, laptop.expected_quantity) == (3, 0)
    assert _ledger() == [
        (laptop.id, 2, Decimal("420.00"), FIRST),
        (monitor.id, 5, Decimal("600.00"), FIRST),
        (laptop.id, 1, Decimal("210.00"), SECOND),
    ]
    assert world.campaign.state == CampaignState.IN_DELIVERY  # other deliveries outstanding


def test_a_later_receipt_never_exceeds_the_units_still_expected(shipped):
    world, delivery = shipped
    laptop, monitor = lines_of(delivery)
    buyer = world.people["buyer1"]
    f.run(services.confirm_receipt, delivery, FIRST, {laptop.id: 3, monitor.id: 4}, None, by=buyer)
    with pytest.raises(ValidationError) as caught:
        f.run(services.confirm_receipt, delivery, SECOND, {monitor.id: 2}, None, by=buyer)
    assert "entre 0 et 1" in str(caught.value)
    db.session.expire_all()
    assert monitor.received_quantity == 4
    assert delivery.status == DeliveryStatus.PARTIAL
    assert len(_ledger()) == 2


def test_missing_units_recorded_as_not_delivered_close_and_lower_the_amounts(shipped, outbox):
    world, delivery = shipped
    laptop, monitor = lines_of(delivery)
    buyer = world.people["buyer1"]
    purchase_order = db.session.get(PurchaseOrder, delivery.purchase_order_id)
    order_total = purchase_order.total_ht
    assert delivery.total_ht == Decimal("1230.00")
    f.run(services.confirm_receipt, delivery, FIRST, {laptop.id: 3, monitor.id: 3}, None, by=buyer)
    with pytest.raises(ValidationError):
        f.run(services.record_not_delivered, delivery, "non", by=buyer)  # reason too short
    f.run(
        services.record_not_delivered,
        delivery,
        "Deux écrans en rupture chez le reconditionneur.",
        by=buyer,
    )
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.RECEIVED
    assert delivery.not_delivered_reason == "Deux écrans en rupture chez le reconditionneur."
    assert (monitor.received_quantity, monitor.not_delivered_quantity) == (3, 2)
    assert monitor.expected_quantity == 0
    assert delivery.total_ht == Decimal("990.00")  # 1 230,00 − 2 × 120,00
    assert purchase_order.total_ht == order_total - Decimal("240.00")
    # The ledger keeps what was received, nothing for the missing units.
    assert sum(row[2] for row in _ledger()) == Decimal("990.00")
    with pytest.raises(ConflictError):
        f.run(services.confirm_receipt, delivery, SECOND, {monitor.id: 1}, None, by=buyer)
    with pytest.raises(ConflictError):
        f.run(services.record_not_delivered, delivery, "Encore une fois", by=buyer)


def test_a_lost_parcel_is_recorded_as_not_delivered_without_any_receipt(world):
    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator, at=f.CONFIRMED_AT)
    db.session.expire_all()
    delivery = delivery_of(world, world.refurbisher_b, 2)  # phone 1 × 179,99
    f.run(services.ship_delivery, delivery, SHIPPED, None, by=world.people["refurbisher_b"])
    f.run(services.record_not_delivered, delivery, "Colis perdu", by=world.people["buyer3"])
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.RECEIVED
    assert delivery.total_ht == Decimal("0.00")
    assert _ledger() == []


def test_only_the_recipient_records_units_as_not_delivered(shipped):
    world, delivery = shipped
    for intruder in ("buyer2", "refurbisher_a", "coordinator"):
        with pytest.raises(PermissionDeniedError):
            f.run(services.record_not_delivered, delivery, "Colis perdu", by=world.people[intruder])
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.SHIPPED


def test_web_partial_receipt_then_not_delivered_and_wording_per_role(shipped, client):
    _world, delivery = shipped
    laptop, monitor = lines_of(delivery)
    login(client, "atelier-a@test.fr")
    page = client.get(f"/livraisons/{delivery.id}").get_data(as_text=True)
    assert "Ce que vous livrez et facturez" in page
    assert "Ce que vous recevez et payez" not in page
    client.post("/deconnexion")
    client.get("/")
    login(client, "acheteur1@test.fr")
    page = client.get(f"/livraisons/{delivery.id}").get_data(as_text=True)
    assert "Ce que vous recevez et payez" in page
    response = client.post(
        f"/livraisons/{delivery.id}/reception",
        data={"received_on": "2026-10-14", f"line_{laptop.id}": "3", f"line_{monitor.id}": "4"},
    )
    assert response.status_code == 302
    page = client.get(f"/livraisons/{delivery.id}").get_data(as_text=True)
    assert "Reçue en partie" in page
    assert "encore attendu : 1" in page
    assert f'name="line_{laptop.id}"' not in page  # nothing left to receive on that line
    assert "Enregistrer comme non livrées" in page
    response = client.post(f"/livraisons/{delivery.id}/non-livre", data={"reason": ""})
    assert response.status_code == 422
    response = client.post(
        f"/livraisons/{delivery.id}/non-livre", data={"reason": "Écran jamais expédié"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.RECEIVED
    assert delivery.total_ht == Decimal("1110.00")
    page = client.get(f"/livraisons/{delivery.id}").get_data(as_text=True)
    assert "Écran jamais expédié" in page


def test_refurbishers_have_a_deliveries_entry_in_the_menu(shipped, client):
    login(client, "atelier-a@test.fr")
    html = client.get("/livraisons").get_data(as_text=True)
    assert 'href="/livraisons"' in html
    assert Delivery.__tablename__ == "delivery"


def test_purchase_order_page_shows_the_amount_adjusted_for_units_not_delivered(shipped, client):
    world, delivery = shipped
    laptop, monitor = lines_of(delivery)
    buyer = world.people["buyer1"]
    f.run(services.confirm_receipt, delivery, FIRST, {laptop.id: 3, monitor.id: 4}, None, by=buyer)
    f.run(services.record_not_delivered, delivery, "Écran jamais arrivé", by=buyer)
    purchase_order = db.session.get(PurchaseOrder, delivery.purchase_order_id)
    login(client, "atelier-a@test.fr")
    html = client.get(f"/bons-de-commande/{purchase_order.id}").get_data(as_text=True)
    assert "120,00\xa0€ HT déduits" in html
    total = f"{purchase_order.total_ht:,.2f}".replace(",", "\xa0").replace(".", ",")
    assert f"montant du matériel ajusté : {total}\xa0€ HT" in html
