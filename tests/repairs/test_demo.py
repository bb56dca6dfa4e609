"""The repairs demo: maintenance offers, maintenance in the open campaign, a request in
each state; loading twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from nrhub.campaigns.models import Campaign, Order, OrderLine
from nrhub.catalog.models import MaintenanceOffer
from nrhub.demo import load_demo
from nrhub.demo import repairs as demo
from nrhub.extensions import db
from nrhub.repairs import queries
from nrhub.repairs.models import RepairMessage, RepairRequest, RepairStatus


def counts() -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (MaintenanceOffer, RepairRequest, RepairMessage, OrderLine)
    )


def test_demo_loads_twice_without_duplicates(app):
    load_demo()
    first = counts()
    demo.load()
    load_demo()
    assert counts() == first
    offers, requests, _messages, _lines = first
    assert offers >= 8
    assert requests == len(demo.REPAIR_SPECS)
    statuses = set(db.session.execute(select(RepairRequest.status)).scalars())
    assert statuses == set(RepairStatus)
    open_campaign = db.session.execute(
        select(Campaign).where(Campaign.title == demo.OPEN_CAMPAIGN)
    ).scalar_one()
    chosen = db.session.execute(
        select(func.count(OrderLine.id))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.campaign_id == open_campaign.id, OrderLine.maintenance_offer_id.is_not(None))
    ).scalar_one()
    assert chosen >= 2
    # The past campaigns were consolidated without maintenance (their amounts unchanged).
    past = db.session.execute(
        select(func.count(OrderLine.id))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.campaign_id != open_campaign.id, OrderLine.maintenance_offer_id.is_not(None))
    ).scalar_one()
    assert past == 0
    figures = queries.repair_figures()
    assert sum(r.total for r in figures) == len(demo.REPAIR_SPECS)
    assert any(r.median_days is not None for r in figures)
    for request in db.session.execute(select(RepairRequest)).scalars():
        assert request.status != RepairStatus.REFUSED or request.resolved_at is not None
