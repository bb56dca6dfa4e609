"""The consolidation demo: past campaigns end done, with hub spend in 2025 and 2026."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.consolidation.models import Delivery, DeliveryStatus, PurchaseOrder
from nrhub.demo import consolidation as demo
from nrhub.demo import organisations
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from tests import factories
from tests.consolidation import factories as f


def demo_campaign(title: str, closes_at: dt.datetime) -> Campaign:
    campaign = f.campaign(title, closes_at=closes_at)
    ordi = organisations.organisation("ordi-breizh")
    coop = organisations.organisation("coop-ouest")
    laptop = f.offer(campaign, factories.ListingFactory(refurbisher=ordi, quantity=3), 12)
    phone = f.offer(campaign, factories.ListingFactory(refurbisher=coop, quantity=0), 4)
    buyers = [organisations.organisation(k) for k in ("vitre", "lannion", "quimperle")]
    f.order(campaign, buyers[0], [(laptop, 6), (phone, 2)], f.at(0))
    f.order(campaign, buyers[1], [(laptop, 6)], f.at(5))
    f.order(campaign, buyers[2], [(laptop, 3), (phone, 3)], f.at(9))
    return campaign


def test_demo_skips_missing_campaigns(app):
    organisations.load()
    demo.load()
    assert db.session.execute(select(func.count(PurchaseOrder.id))).scalar_one() == 0


def test_demo_consolidates_ships_and_receives_idempotently(app):
    organisations.load()
    autumn = demo_campaign(demo.AUTUMN_2025, dt.datetime(2025, 9, 30, 16, tzinfo=dt.UTC))
    spring = demo_campaign(demo.SPRING_2026, dt.datetime(2026, 3, 27, 17, tzinfo=dt.UTC))
    db.session.commit()
    demo.load()
    demo.load()
    db.session.expire_all()
    assert autumn.state == spring.state == CampaignState.DONE
    numbers = sorted(db.session.execute(select(PurchaseOrder.number)).scalars())
    assert numbers == ["BC-2025-0001", "BC-2025-0002", "BC-2026-0001", "BC-2026-0002"]
    statuses = set(db.session.execute(select(Delivery.status)).scalars())
    assert statuses == {DeliveryStatus.RECEIVED}
    years = dict(
        db.session.execute(
            select(SpendEntry.year, func.sum(SpendEntry.quantity)).group_by(SpendEntry.year)
        ).all()
    )
    # 15 laptops asked for 12 committed, 5 phones for 4: 16 units a campaign,
    # one unit short in the autumn's partial receipt.
    assert years == {2025: 15, 2026: 16}
    months = {(d.year, d.month) for d in db.session.execute(select(SpendEntry.spent_on)).scalars()}
    assert months <= {(2025, 11), (2025, 12), (2026, 4), (2026, 5)}
    comments = (
        db.session.execute(
            select(Delivery.receipt_comment).where(Delivery.receipt_comment.is_not(None))
        )
        .scalars()
        .all()
    )
    assert len(comments) == 1
    assert all(
        amount > Decimal(0) for amount in db.session.execute(select(SpendEntry.amount)).scalars()
    )
    # Consolidated three days after the close, at 10:00 in Paris.
    assert autumn.consolidated_at == dt.datetime(2025, 10, 3, 8, tzinfo=dt.UTC)
