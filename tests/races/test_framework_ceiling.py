"""Orders of several buyers under one framework lot, raced over HTTP on gunicorn workers:
together they never pass the agreement's maximum (the counter moves by conditional UPDATE),
the losers are told 409 with the French message, never a 5xx."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from nrhub.agreements import frameworks
from nrhub.agreements.models import Ccag, FrameworkAgreement, FrameworkLot, Procedure
from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import services
from nrhub.campaigns.models import Campaign, Order, OrderLine, OrderStatus
from nrhub.catalog.models import Category
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests.factories import (
    BuyerFactory,
    HubFactory,
    ListingFactory,
    RefurbisherFactory,
    UserFactory,
)
from tests.races.conftest import api_call, commit_setup, race, statuses, token_for

BUYERS = 10
UNIT_PRICE = Decimal("250.00")
MAXIMUM = Decimal("1000.00")  # room for 4 of the 10 one-unit orders


def test_concurrent_orders_never_pass_the_agreement_maximum(app, race_server):  # type: ignore[no-untyped-def]
    coordinator = UserFactory(organisation=HubFactory())
    refurbisher = UserFactory(organisation=RefurbisherFactory())
    buyers = [UserFactory(organisation=BuyerFactory()) for _ in range(BUYERS)]
    listing = ListingFactory(
        refurbisher=refurbisher.organisation, quantity=50, unit_price=UNIT_PRICE
    )
    commit_setup()
    now = utcnow()
    laptops = db.session.execute(select(Category.id).where(Category.code == "laptop")).scalar()
    with unit_of_work():
        agreement = frameworks.create_framework(
            frameworks.FrameworkData(
                title="Matériel reconditionné",
                reference="AC-RACE",
                procedure=Procedure.ADAPTED,
                awarded_on=dt.date(2026, 1, 5),
                duration_months=12,
                maximum_amount=MAXIMUM,
                ccag=Ccag.TIC,
            ),
            by=coordinator,
        )
        lot = frameworks.add_lot(
            agreement,
            frameworks.LotData(1, "Portables", "30213100-6", None, (laptops,)),  # type: ignore[arg-type]
            by=coordinator,
        )
        frameworks.add_holder(lot, refurbisher.organisation_id, "M-1", by=coordinator)
        campaign = services.create_campaign(
            services.CampaignData(
                title="Portables sous accord-cadre",
                opens_at=now - dt.timedelta(days=1),
                closes_at=now + dt.timedelta(days=10),
                category_ids=[laptops],  # type: ignore[list-item]
                framework_lot_id=lot.id,
            ),
            by=coordinator,
        )
        services.open_campaign(campaign, by=coordinator)
        offer = offer_services.commit_offer(campaign, listing.id, 20, by=refurbisher)
        offer_services.decide_offer(offer, True, by=coordinator)
    agreement_id, lot_id, campaign_id, offer_id = agreement.id, lot.id, campaign.id, offer.id
    tokens = [token_for(buyer) for buyer in buyers]

    responses = race(
        [
            api_call(
                race_server,
                token,
                "PUT",
                f"/campaigns/{campaign_id}/order",
                json={"lines": [{"offer_id": offer_id, "quantity": 1}]},
            )
            for token in tokens
        ]
    )

    codes = statuses(responses)
    assert all(code < 500 for code in codes), codes
    winners = [r for r in responses if r.status_code in (200, 201)]
    losers = [r for r in responses if r.status_code == 409]
    assert len(winners) == 4 and len(losers) == BUYERS - 4, codes
    assert all("montant maximum" in r.json()["detail"] for r in losers)
    db.session.expire_all()
    assert db.session.get(FrameworkAgreement, agreement_id).ordered_amount == MAXIMUM  # type: ignore[union-attr]
    assert db.session.get(FrameworkLot, lot_id).ordered_amount == MAXIMUM  # type: ignore[union-attr]
    ordered_units = db.session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.campaign_id == campaign_id, Order.status == OrderStatus.ACTIVE)
    )
    assert ordered_units == 4
    assert db.session.get(Campaign, campaign_id) is not None
