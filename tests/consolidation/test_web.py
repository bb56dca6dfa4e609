"""Pages of the consolidation area: preview, override, confirmation, documents, deliveries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from nrhub.campaigns.models import CampaignState
from nrhub.consolidation import services
from nrhub.consolidation.models import (
    Allocation,
    AllocationOverride,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    PurchaseOrder,
)
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from tests.conftest import login
from tests.consolidation import factories as f
from tests.queries import count_queries


def consolidate(world) -> list[PurchaseOrder]:
    f.run(
        services.confirm_consolidation,
        world.campaign,
        by=world.coordinator,
        at=f.CONFIRMED_AT,
    )
    db.session.expire_all()
    return list(db.session.execute(select(PurchaseOrder).order_by(PurchaseOrder.id)).scalars())


def test_preview_page_shows_allocations_prices_and_totals(world, client):
    login(client, "coordination@test.fr")
    response = client.get(f"/campagnes/{world.campaign.id}/consolidation")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Demande supérieure à l" in html
    assert "210,00\xa0€" in html  # the laptop's pooled price at 10 units
    assert "4\xa0139,94\xa0€" in html  # total HT
    assert 'value="proportional" checked' in html
    # The method, ties included, is written on the page.
    assert '<h2 id="methode">Méthode</h2>' in html
    assert (
        "À reste égal, l'unité va à la commande envoyée la première (son heure d'envoi "
        "est celle de sa dernière modification par l'acheteur), puis, à la même heure, à "
        "l'acheteur de plus petit numéro d'identifiant."
    ) in html


def test_preview_first_come_first_served_by_query(world, client):
    login(client, "coordination@test.fr")
    html = client.get(f"/campagnes/{world.campaign.id}/consolidation?regle=fifo").get_data(
        as_text=True
    )
    assert 'value="fifo" checked' in html
    assert 'name="rule" type="hidden" value="fifo"' in html


def test_preview_of_an_open_campaign_is_refused(world, client):
    world.campaign.state = CampaignState.OPEN
    db.session.commit()
    login(client, "coordination@test.fr")
    assert client.get(f"/campagnes/{world.campaign.id}/consolidation").status_code == 409


def test_override_form_records_and_shows_the_override(world, client):
    login(client, "coordination@test.fr")
    url = (
        f"/campagnes/{world.campaign.id}/consolidation/lignes/"
        f"{world.lines[('laptop', 1)]}/ajustement"
    )
    assert client.get(url).status_code == 200
    response = client.post(url, data={"quantity": "1", "reason": "Besoin révisé", "rule": ""})
    assert response.status_code == 302
    override = db.session.execute(select(AllocationOverride)).scalar_one()
    assert (override.quantity, override.computed_quantity) == (1, 3)
    html = client.get(f"/campagnes/{world.campaign.id}/consolidation").get_data(as_text=True)
    assert "Besoin révisé" in html


def test_override_form_errors_are_shown_next_to_fields(world, client):
    login(client, "coordination@test.fr")
    url = (
        f"/campagnes/{world.campaign.id}/consolidation/lignes/"
        f"{world.lines[('laptop', 1)]}/ajustement"
    )
    response = client.post(url, data={"quantity": "", "reason": ""})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    response = client.post(url, data={"quantity": "9", "reason": "Trop demandé"})
    assert response.status_code == 422
    assert "entre 0 et 4" in response.get_data(as_text=True)
    assert db.session.execute(select(AllocationOverride)).first() is None


def test_unknown_line_override_is_404(world, client):
    login(client, "coordination@test.fr")
    url = f"/campagnes/{world.campaign.id}/consolidation/lignes/999999/ajustement"
    assert client.get(url).status_code == 404


def test_confirmation_page_asks_before_consolidating(world, client, outbox):
    login(client, "coordination@test.fr")
    preview = client.get(f"/campagnes/{world.campaign.id}/consolidation?regle=fifo")
    assert 'method="get"' in preview.get_data(as_text=True)
    url = f"/campagnes/{world.campaign.id}/consolidation/confirmation"
    page = client.get(url + "?rule=fifo")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Premier arrivé, premier servi" in html
    assert 'name="rule" value="fifo"' in html
    assert 'method="post"' in html and "Revenir sans rien changer" in html
    assert db.session.execute(select(Allocation)).first() is None  # asking changes nothing
    assert world.campaign.state == CampaignState.CLOSED


def test_confirm_then_confirm_again(world, client, outbox):
    login(client, "coordination@test.fr")
    url = f"/campagnes/{world.campaign.id}/consolidation/confirmation"
    response = client.post(url, data={"rule": "fifo"}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "BC-2026-0001" in html and "BC-2026-0002" in html
    allocations = len(db.session.execute(select(Allocation)).all())
    sent = len(outbox)
    response = client.post(url, data={"rule": "proportional"}, follow_redirects=True)
    assert "déjà consolidée" in response.get_data(as_text=True)
    assert len(db.session.execute(select(Allocation)).all()) == allocations
    assert len(outbox) == sent
    rules = set(db.session.execute(select(Allocation.rule)).scalars())
    assert rules == {"fifo"}


def test_purchase_order_page_has_ht_vat_ttc_rounded_per_line(world, client):
    _a, po_b = consolidate(world)
    login(client, "atelier-b@test.fr")
    response = client.get(f"/bons-de-commande/{po_b.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # 6 × 179.99 = 1 079,94 HT; VAT 5.5 % = 59,3967 → 59,40; TTC 1 139,34.
    assert "1\xa0079,94\xa0€" in html
    assert "59,40\xa0€" in html
    assert "1\xa0139,34\xa0€" in html
    # Per-buyer breakdown: Commune 2 (5 × 179.99 = 899,95; VAT 49,50) and Commune 3.
    assert "Commune 2" in html and "899,95\xa0€" in html and "49,50\xa0€" in html
    assert "consolidation.css" in html


def test_purchase_order_csv(world, client):
    po_a, _b = consolidate(world)
    login(client, "atelier-a@test.fr")
    response = client.get(f"/bons-de-commande/{po_a.id}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    rows = [line.split(";") for line in text.strip().split("\r\n")]
    assert rows[0][:3] == ["bon_de_commande", "campagne", "reconditionneur"]
    assert len(rows) == 1 + 5  # Commune 1: laptop + monitor, 2: laptop, 3: laptop + monitor
    assert rows[1] == [
        "BC-2026-0001",
        "Campagne automne 2026",
        "Atelier A",
        "Commune 1",
        "LAP-1",
        "Lenovo ThinkPad T480",
        "3",
        "210,00",
        "630,00",
        "20,00",
        "126,00",
        "756,00",
        "",  # no framework agreement
        "",
        "",
    ]


def test_purchase_order_page_runs_a_constant_number_of_queries(world, client):
    po_a, _b = consolidate(world)
    login(client, "coordination@test.fr")
    client.get(f"/bons-de-commande/{po_a.id}")
    with count_queries() as statements:
        assert client.get(f"/bons-de-commande/{po_a.id}").status_code == 200
    assert len(statements) <= 8


def test_refurbisher_ships_then_buyer_confirms_receipt(world, client, outbox):
    consolidate(world)
    delivery = db.session.execute(
        select(Delivery).where(
            Delivery.buyer_id == world.buyers[0].id,
            Delivery.refurbisher_id == world.refurbisher_a.id,
        )
    ).scalar_one()
    login(client, "atelier-a@test.fr")
    page = client.get(f"/livraisons/{delivery.id}").get_data(as_text=True)
    assert "Marquer comme expédiée" in page
    response = client.post(
        f"/livraisons/{delivery.id}/expedition",
        data={"shipped_on": "2026-10-12", "serials": "SN-1"},
    )
    assert response.status_code == 302
    client.post("/deconnexion")

    client.get("/")
    login(client, "acheteur1@test.fr")
    page = client.get(f"/livraisons/{delivery.id}").get_data(as_text=True)
    assert "Confirmer la réception" in page
    assert "SN-1" in page
    laptop, monitor = db.session.execute(
        select(DeliveryLine)
        .where(DeliveryLine.delivery_id == delivery.id)
        .order_by(DeliveryLine.id)
    ).scalars()
    response = client.post(
        f"/livraisons/{delivery.id}/reception",
        data={
            "received_on": "2026-10-14",
            f"line_{laptop.id}": "3",
            f"line_{monitor.id}": "5",
            "comment": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert delivery.status == DeliveryStatus.RECEIVED
    amounts = sorted(r.amount for r in db.session.execute(select(SpendEntry)).scalars())
    assert amounts == [Decimal("600.00"), Decimal("630.00")]
    page = client.get(f"/livraisons/{delivery.id}").get_data(as_text=True)
    assert "Reçue le" in page and "14/10/2026" in page


def test_receipt_form_errors_are_422_and_write_nothing(world, client):
    consolidate(world)
    delivery = db.session.execute(
        select(Delivery).where(
            Delivery.buyer_id == world.buyers[0].id,
            Delivery.refurbisher_id == world.refurbisher_a.id,
        )
    ).scalar_one()
    f.run(
        services.ship_delivery,
        delivery,
        dt.date(2026, 10, 12),
        None,
        by=world.people["refurbisher_a"],
    )
    laptop, monitor = db.session.execute(
        select(DeliveryLine)
        .where(DeliveryLine.delivery_id == delivery.id)
        .order_by(DeliveryLine.id)
    ).scalars()
    login(client, "acheteur1@test.fr")
    url = f"/livraisons/{delivery.id}/reception"
    too_many = {"received_on": "2026-10-14", f"line_{laptop.id}": "4", f"line_{monitor.id}": "5"}
    response = client.post(url, data=too_many)
    assert response.status_code == 422
    assert "Entre 0 et 3" in response.get_data(as_text=True)
    nothing = {"received_on": "2026-10-14", f"line_{laptop.id}": "0", f"line_{monitor.id}": "0"}
    response = client.post(url, data=nothing)
    assert response.status_code == 422
    assert "au moins une unité reçue" in response.get_data(as_text=True)
    bad_date = {"received_on": "14/13/2026", f"line_{laptop.id}": "3", f"line_{monitor.id}": "5"}
    assert client.post(url, data=bad_date).status_code == 422
    assert db.session.execute(select(SpendEntry)).first() is None


def test_delivery_csv_for_the_buyer(world, client):
    consolidate(world)
    delivery = db.session.execute(
        select(Delivery).where(
            Delivery.buyer_id == world.buyers[1].id,
            Delivery.refurbisher_id == world.refurbisher_b.id,
        )
    ).scalar_one()
    login(client, "acheteur2@test.fr")
    text = client.get(f"/livraisons/{delivery.id}.csv").get_data().decode("utf-8-sig")
    rows = [line.split(";") for line in text.strip().split("\r\n")]
    assert rows[1][3:15] == [
        "Commune 2",
        "PHO-1",
        "Fairphone 4",
        "5",
        "179,99",
        "899,95",
        "5,50",
        "49,50",
        "949,45",
        "À expédier",
        "",
        "",
    ]


def test_lists_show_only_what_is_visible(world, client):
    consolidate(world)
    login(client, "acheteur3@test.fr")
    html = client.get("/livraisons").get_data(as_text=True)
    assert html.count("Voir<span") == 2  # Commune 3 gets from both workshops
    client.post("/deconnexion")
    login(client, "atelier-b@test.fr")
    html = client.get("/bons-de-commande").get_data(as_text=True)
    assert "BC-2026-0002" in html and "BC-2026-0001" not in html
    html = client.get("/livraisons").get_data(as_text=True)
    assert html.count("Voir<span") == 2


def test_a_confirmation_refused_midway_leaves_the_campaign_closed(world, client, outbox):
    # An override no longer possible (more than the line asked) is only found once the
    # campaign is claimed: the refusal undoes the claim although the page redirects.
    line_id = world.lines[("laptop", 1)]
    db.session.add(
        AllocationOverride(
            campaign_id=world.campaign.id,
            order_line_id=line_id,
            quantity=9,
            computed_quantity=3,
            rule="proportional",
            reason="Ajustement devenu impossible",
        )
    )
    db.session.commit()
    login(client, "coordination@test.fr")
    response = client.post(f"/campagnes/{world.campaign.id}/consolidation/confirmation", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert world.campaign.state == CampaignState.CLOSED
    assert world.campaign.consolidated_at is None
    assert db.session.execute(select(Allocation)).first() is None
    assert db.session.execute(select(PurchaseOrder)).first() is None
    assert outbox == []
    page = client.get(f"/campagnes/{world.campaign.id}/consolidation")
    assert page.status_code == 409
    assert "ne sont plus possibles" in page.get_data(as_text=True)


def test_a_cancelled_campaign_is_not_consolidated(world, client):
    world.campaign.state = CampaignState.CANCELLED
    db.session.commit()
    login(client, "coordination@test.fr")
    response = client.post(
        f"/campagnes/{world.campaign.id}/consolidation/confirmation",
        data={},
        follow_redirects=True,
    )
    assert "La campagne a été annulée : elle ne peut pas être consolidée." in response.get_data(
        as_text=True
    ).replace("&#39;", "'")
    db.session.expire_all()
    assert world.campaign.state == CampaignState.CANCELLED
    assert db.session.execute(select(PurchaseOrder)).first() is None
