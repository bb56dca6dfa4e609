"""Framework agreements: only a lot's holders commit stock to its call-offs, the amounts
ordered under the lot are kept against the maximum (warning at 80 %, refusal above)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from nrhub.campaigns import calloffs
from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import orders as order_services
from nrhub.campaigns import services as campaign_services
from nrhub.campaigns.models import Campaign, CampaignOffer, CampaignState, Order
from nrhub.consolidation import services as consolidation_services
from nrhub.consolidation.models import PurchaseOrder
from nrhub.errors import ConflictError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests import factories
from tests.agreements.conftest import amounts, attach, category_ids, make_framework
from tests.conftest import login


def _order(campaign, offer, buyer, quantity):  # type: ignore[no-untyped-def]
    with unit_of_work():
        return order_services.place_order(campaign, {offer.id: quantity}, by=buyer)


def test_only_the_lot_holders_commit_stock(app, people, call_off, listing):  # type: ignore[no-untyped-def]
    other_listing = factories.ListingFactory(refurbisher=people.other_refurbisher.organisation)
    db.session.commit()
    with pytest.raises(PermissionDeniedError, match="seuls ses titulaires"), unit_of_work():
        offer_services.commit_offer(call_off, other_listing.id, 3, by=people.other_refurbisher)
    assert db.session.scalar(select(func.count()).select_from(CampaignOffer)) == 0
    with unit_of_work():
        offer_services.commit_offer(call_off, listing.id, 3, by=people.refurbisher)
    assert db.session.scalar(select(func.count()).select_from(CampaignOffer)) == 1


def test_orders_move_the_amount_ordered_under_the_lot(  # type: ignore[no-untyped-def]
    app, people, framework, call_off, listing, make_offer
):
    agreement, lot = framework
    offer = make_offer(call_off, listing)  # 300.00 HT a unit
    order = _order(call_off, offer, people.buyer, 3)
    assert amounts(agreement.id, lot.id) == (Decimal("900.00"), Decimal("900.00"))
    _order(call_off, offer, people.buyer, 1)
    assert amounts(agreement.id, lot.id) == (Decimal("300.00"), Decimal("300.00"))
    _order(call_off, offer, people.other_buyer, 2)
    assert amounts(agreement.id, lot.id) == (Decimal("900.00"), Decimal("900.00"))
    with unit_of_work():
        order_services.cancel_order(db.session.get(Order, order.id), by=people.buyer)
    assert amounts(agreement.id, lot.id) == (Decimal("600.00"), Decimal("600.00"))
    with unit_of_work():
        campaign_services.cancel_campaign(
            call_off, "Plus de budget cette année", by=people.coordinator
        )
    assert amounts(agreement.id, lot.id) == (Decimal("0.00"), Decimal("0.00"))


def test_an_order_above_the_agreement_maximum_is_refused(  # type: ignore[no-untyped-def]
    app, people, make_campaign, listing, make_offer
):
    agreement, lot = make_framework(people, maximum="1000.00")
    campaign = attach(make_campaign(CampaignState.OPEN), lot)
    offer = make_offer(campaign, listing)
    _order(campaign, offer, people.buyer, 3)  # 900.00: 90 %, allowed
    with pytest.raises(ConflictError, match="montant maximum de l'accord-cadre"):
        _order(campaign, offer, people.other_buyer, 1)  # 1 200.00 > 1 000.00
    assert amounts(agreement.id, lot.id) == (Decimal("900.00"), Decimal("900.00"))
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Order)
            .where(Order.buyer_id == people.other_buyer.organisation_id)
        )
        == 0
    )
    # Exactly the maximum is still allowed.
    with pytest.raises(ConflictError):
        _order(campaign, offer, people.buyer, 4)
    factories_price = Decimal("100.00")
    cheap = factories.ListingFactory(
        refurbisher=people.refurbisher.organisation, unit_price=factories_price
    )
    db.session.commit()
    cheap_offer = make_offer(campaign, cheap)
    _order(campaign, cheap_offer, people.other_buyer, 1)
    assert amounts(agreement.id, lot.id) == (Decimal("1000.00"), Decimal("1000.00"))


def test_a_lot_maximum_of_its_own_bounds_its_orders(  # type: ignore[no-untyped-def]
    app, people, make_campaign, listing, make_offer
):
    agreement, lot = make_framework(people, maximum="5000.00", lot_maximum="500.00")
    campaign = attach(make_campaign(CampaignState.OPEN), lot)
    offer = make_offer(campaign, listing)
    with pytest.raises(ConflictError, match="montant maximum du lot"):
        _order(campaign, offer, people.buyer, 2)
    assert amounts(agreement.id, lot.id) == (Decimal("0.00"), Decimal("0.00"))


def test_consolidation_replaces_the_orders_by_the_purchase_orders(  # type: ignore[no-untyped-def]
    app, people, framework, call_off, listing, make_offer
):
    agreement, lot = framework
    offer = make_offer(call_off, listing, quantity=4)
    _order(call_off, offer, people.buyer, 3)
    _order(call_off, offer, people.other_buyer, 3)  # 6 asked, 4 committed
    assert amounts(agreement.id, lot.id)[1] == Decimal("1800.00")
    with unit_of_work():
        campaign_services.close_campaign(call_off, by=people.coordinator)
        consolidation_services.confirm_consolidation(call_off, by=people.coordinator, notify=False)
    assert db.session.scalar(select(func.sum(PurchaseOrder.total_ht))) == Decimal("1200.00")
    assert amounts(agreement.id, lot.id) == (Decimal("1200.00"), Decimal("1200.00"))


def test_consolidation_above_the_maximum_is_refused(  # type: ignore[no-untyped-def]
    app, people, framework, call_off, listing, make_offer, monkeypatch
):
    agreement, lot = framework
    offer = make_offer(call_off, listing, quantity=4)
    _order(call_off, offer, people.buyer, 2)
    with unit_of_work():
        campaign_services.close_campaign(call_off, by=people.coordinator)
    # Another campaign of the agreement took all but 100.00 meanwhile, and the purchase
    # orders (600.00) weigh more than this campaign's orders were counted for (none).
    db.session.execute(
        db.update(type(agreement))
        .where(type(agreement).id == agreement.id)
        .values(ordered_amount=Decimal("9900.00"))
    )
    db.session.commit()
    monkeypatch.setattr(calloffs, "campaign_orders_amount", lambda campaign_id: Decimal("0"))
    refused = pytest.raises(ConflictError, match="montant maximum de l'accord-cadre")
    with refused, unit_of_work():
        consolidation_services.confirm_consolidation(call_off, by=people.coordinator, notify=False)
    assert db.session.scalar(select(func.count()).select_from(PurchaseOrder)) == 0
    assert amounts(agreement.id, lot.id)[0] == Decimal("9900.00")


def test_campaign_lot_rules(app, people, framework, make_campaign):  # type: ignore[no-untyped-def]
    _agreement, lot = framework
    campaign = make_campaign(CampaignState.DRAFT, codes=("laptop", "monitor"))
    data = campaign_services.CampaignData(
        title=campaign.title,
        opens_at=campaign.opens_at,
        closes_at=campaign.closes_at,
        category_ids=tuple(category_ids("laptop", "monitor")),
        framework_lot_id=lot.id,
    )
    with pytest.raises(ValidationError, match="relever du lot"), unit_of_work():
        campaign_services.update_campaign(campaign, data, by=people.coordinator)
    laptops = campaign_services.CampaignData(
        title=campaign.title,
        opens_at=campaign.opens_at,
        closes_at=campaign.closes_at,
        category_ids=tuple(category_ids("laptop")),
        framework_lot_id=lot.id,
    )
    with unit_of_work():
        campaign_services.update_campaign(campaign, laptops, by=people.coordinator)
    assert campaign.framework_lot_id == lot.id
    with unit_of_work():
        campaign_services.open_campaign(campaign, by=people.coordinator)
    outside = campaign_services.CampaignData(
        title=campaign.title,
        opens_at=campaign.opens_at,
        closes_at=campaign.closes_at,
        category_ids=tuple(category_ids("laptop")),
    )
    with pytest.raises(ValidationError, match="ne se change plus"), unit_of_work():
        campaign_services.update_campaign(campaign, outside, by=people.coordinator)


def test_coordinator_sees_the_80_percent_warning_buyers_do_not(  # type: ignore[no-untyped-def]
    app, client, people, make_campaign, listing, make_offer
):
    agreement, lot = make_framework(people, maximum="1000.00")
    campaign = attach(make_campaign(CampaignState.OPEN), lot)
    offer = make_offer(campaign, listing)
    _order(campaign, offer, people.buyer, 2)  # 60 %: no warning yet
    login(client, people.coordinator.email)
    warning = "plus de 80 %"
    assert warning not in client.get(f"/accords-cadres/{agreement.id}").get_data(as_text=True)
    _order(campaign, offer, people.buyer, 3)  # 90 %
    page = client.get(f"/accords-cadres/{agreement.id}").get_data(as_text=True)
    assert warning in page and "900,00" in page
    assert warning in client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    client.get("/deconnexion")
    login(client, people.buyer.email)
    assert warning not in client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert warning not in client.get(f"/accords-cadres/{agreement.id}").get_data(as_text=True)


def test_framework_pages_by_role(app, client, people, framework):  # type: ignore[no-untyped-def]
    agreement, lot = framework
    login(client, people.buyer.email)
    assert "AC-2026-01" in client.get("/accords-cadres/").get_data(as_text=True)
    assert client.get(f"/accords-cadres/{agreement.id}").status_code == 200
    assert client.get("/accords-cadres/nouveau").status_code == 403
    assert client.get(f"/accords-cadres/{agreement.id}/modifier").status_code == 403
    client.get("/deconnexion")
    login(client, people.other_refurbisher.email)  # holds no lot
    assert "AC-2026-01" not in client.get("/accords-cadres/").get_data(as_text=True)
    assert client.get(f"/accords-cadres/{agreement.id}").status_code == 404
    client.get("/deconnexion")
    login(client, people.refurbisher.email)  # holds lot 1
    assert client.get(f"/accords-cadres/{agreement.id}").status_code == 200
    response = client.post(
        f"/accords-cadres/{agreement.id}/lots/{lot.id}/titulaires",
        data={f"lot{lot.id}-refurbisher_id": people.refurbisher.organisation_id},
    )
    assert response.status_code == 403


def test_coordinator_creates_an_agreement_its_lot_and_holders(app, client, people):  # type: ignore[no-untyped-def]
    login(client, people.coordinator.email)
    bad = client.post(
        "/accords-cadres/nouveau",
        data={
            "title": "Matériel",
            "reference": "AC 2027 à rallonge trop longue",
            "procedure": "Appel d'offres ouvert",
            "awarded_on": "2027-01-04",
            "duration_months": "36",
            "maximum_amount": "250 000,00",
            "ccag": "Techniques de l'information et de la communication",
        },
    )
    assert bad.status_code == 422
    created = client.post(
        "/accords-cadres/nouveau",
        data={
            "title": "Matériel",
            "reference": "AC-2027-01",
            "procedure": "Appel d'offres ouvert",
            "awarded_on": "2027-01-04",
            "duration_months": "36",
            "maximum_amount": "250 000,00",
            "ccag": "Techniques de l'information et de la communication",
        },
    )
    assert created.status_code == 302
    path = created.headers["Location"]
    agreement_id = int(path.rstrip("/").split("/")[-1])
    lot = client.post(
        f"/accords-cadres/{agreement_id}/lots/nouveau",
        data={
            "number": "2",
            "title": "Écrans",
            "cpv_code": "30231000-7",
            "category_ids": category_ids("monitor"),
        },
    )
    assert lot.status_code == 302
    page = client.get(f"/accords-cadres/{agreement_id}").get_data(as_text=True)
    assert "Lot 2 : Écrans" in page and "31/12/2029" not in page and "03/01/2030" in page
    from nrhub.agreements.models import FrameworkLot

    lot_id = db.session.execute(
        select(FrameworkLot.id).where(FrameworkLot.agreement_id == agreement_id)
    ).scalar_one()
    added = client.post(
        f"/accords-cadres/{agreement_id}/lots/{lot_id}/titulaires",
        data={
            f"lot{lot_id}-refurbisher_id": people.other_refurbisher.organisation_id,
            f"lot{lot_id}-reference": "MARCHE-42",
        },
    )
    assert added.status_code == 302
    page = client.get(f"/accords-cadres/{agreement_id}").get_data(as_text=True)
    assert "Atelier Beta" in page and "MARCHE-42" in page


def test_campaign_form_offers_the_lots(app, client, people, framework):  # type: ignore[no-untyped-def]
    _agreement, lot = framework
    login(client, people.coordinator.email)
    page = client.get("/campagnes/nouvelle").get_data(as_text=True)
    assert "Hors accord-cadre" in page and "AC-2026-01 — lot 1 : Postes de travail" in page
    response = client.post(
        "/campagnes/nouvelle",
        data={
            "title": "Portables sous accord-cadre",
            "opens_at": "2027-03-01T09:00",
            "closes_at": "2027-03-31T18:00",
            "category_ids": category_ids("laptop"),
            "framework_lot_id": str(lot.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    campaign = db.session.execute(
        select(Campaign).where(Campaign.title == "Portables sous accord-cadre")
    ).scalar_one()
    assert campaign.framework_lot_id == lot.id
    detail = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert "AC-2026-01" in detail and "Atelier Alpha" in detail
