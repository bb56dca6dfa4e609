"""Building scenarios around the consolidation one: clauses, other offers, maintenance."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, insert, select

from nrhub.campaigns.models import Campaign, OfferStatus, OrderLine, campaign_clause
from nrhub.clauses.models import Clause
from nrhub.consolidation.models import PurchaseOrder
from nrhub.extensions import db
from nrhub.organisations.models import Organisation
from tests import factories
from tests.consolidation import factories as f
from tests.consolidation.factories import Scenario


def set_clauses(campaign: Campaign, clauses: list[Clause]) -> None:
    """Replace the campaign's clauses (the relationship never loads implicitly)."""
    db.session.execute(delete(campaign_clause).where(campaign_clause.c.campaign_id == campaign.id))
    for clause in clauses:
        db.session.execute(
            insert(campaign_clause).values(campaign_id=campaign.id, clause_id=clause.id)
        )
    db.session.commit()


def other_offer(world: Scenario, name: str, status: OfferStatus) -> Organisation:
    """A refurbisher whose offer on the campaign ended with ``status`` and no order."""
    refurbisher = factories.RefurbisherFactory(name=name)
    listing = factories.ListingFactory(refurbisher=refurbisher, quantity=5)
    f.offer(world.campaign, listing, 3, status=status)
    db.session.commit()
    return refurbisher


def add_maintenance(world: Scenario, buyer_number: int, months: int, price: str) -> None:
    """Buyer ``buyer_number`` adds maintenance to its laptop line (Atelier A's listing)."""
    offer = factories.MaintenanceOfferFactory(
        listing=world.listings["laptop"], duration_months=months, unit_price=Decimal(price)
    )
    line = db.session.get(OrderLine, world.lines[("laptop", buyer_number)])
    assert line is not None
    line.maintenance_offer_id = offer.id
    line.maintenance_unit_price = Decimal(price)
    db.session.commit()


def purchase_orders(campaign_id: int) -> list[PurchaseOrder]:
    return list(
        db.session.execute(
            select(PurchaseOrder)
            .where(PurchaseOrder.campaign_id == campaign_id)
            .order_by(PurchaseOrder.id)
        ).scalars()
    )
