"""API reads: pages by cursor of listings, campaigns, purchase orders and ledger rows,
each with the web pages' own visibility rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import selectinload

from nrhub.auth.models import User
from nrhub.campaigns import queries as campaign_queries
from nrhub.campaigns.models import Campaign, CampaignOffer, CampaignState
from nrhub.catalog import queries as catalog_queries
from nrhub.catalog.models import Category, Listing
from nrhub.clauses.models import Clause
from nrhub.consolidation.models import Delivery, DeliveryLine, PurchaseOrder
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.ledger import queries as ledger_queries
from nrhub.ledger.models import SpendEntry
from nrhub.security import Role


def published_listings(
    filters: catalog_queries.CatalogueFilters, after_id: int | None, limit: int
) -> tuple[list[Listing], bool]:
    """One page of published listings of active refurbishers, by increasing id, with
    refurbisher, category and tiers loaded (4 statements); and whether more follow."""
    # The catalogue's filter conditions (same meaning of category, department, q, in_stock).
    conditions: list[Any] = catalog_queries._conditions(filters)
    if after_id is not None:
        conditions.append(Listing.id > after_id)
    stmt = (
        select(Listing)
        .options(
            selectinload(Listing.refurbisher),
            selectinload(Listing.category),
            selectinload(Listing.tiers),
        )
        .where(and_(*conditions))
        .order_by(Listing.id)
        .limit(limit + 1)
    )
    listings = list(db.session.execute(stmt).scalars())
    return listings[:limit], len(listings) > limit


def categories() -> Sequence[Category]:
    return catalog_queries.list_categories()


def campaigns_page(
    user: User, state: CampaignState | None, after_id: int | None, limit: int
) -> tuple[list[Campaign], bool]:
    """One page of the campaigns this person may see (the campaigns pages' own rule), by
    increasing id, with categories and clauses loaded; and whether more follow."""
    stmt = campaign_queries._visible(user).options(
        selectinload(Campaign.categories), selectinload(Campaign.clauses)
    )
    if state is not None:
        stmt = stmt.where(Campaign.state == state)
    if after_id is not None:
        stmt = stmt.where(Campaign.id > after_id)
    rows = list(db.session.execute(stmt.order_by(Campaign.id).limit(limit + 1)).scalars())
    return rows[:limit], len(rows) > limit


def _purchase_orders_visible_to(user: User) -> Select[PurchaseOrder]:
    """Coordinators: every purchase order; a refurbisher: its own; a buyer: those that
    deliver to it (the web pages' rule, widened to the buyer's deliveries)."""
    query = select(PurchaseOrder)
    if user.role == Role.COORDINATOR:
        return query
    if user.role == Role.REFURBISHER:
        return query.where(PurchaseOrder.refurbisher_id == user.organisation_id)
    return query.where(
        exists().where(
            Delivery.purchase_order_id == PurchaseOrder.id,
            Delivery.buyer_id == user.organisation_id,
        )
    )


def _purchase_order_options() -> list[Any]:
    return [
        selectinload(PurchaseOrder.refurbisher),
        selectinload(PurchaseOrder.lines),
        selectinload(PurchaseOrder.deliveries).selectinload(Delivery.buyer),
        selectinload(PurchaseOrder.deliveries)
        .selectinload(Delivery.lines)
        .selectinload(DeliveryLine.purchase_order_line),
    ]


def purchase_orders_page(
    user: User, after_id: int | None, limit: int, campaign_id: int | None = None
) -> tuple[list[PurchaseOrder], bool]:
    """One page of the purchase orders this person may see, by increasing id, with lines
    and deliveries loaded (a constant number of statements); and whether more follow."""
    stmt = _purchase_orders_visible_to(user).options(*_purchase_order_options())
    if campaign_id is not None:
        stmt = stmt.where(PurchaseOrder.campaign_id == campaign_id)
    if after_id is not None:
        stmt = stmt.where(PurchaseOrder.id > after_id)
    rows = list(db.session.execute(stmt.order_by(PurchaseOrder.id).limit(limit + 1)).scalars())
    return rows[:limit], len(rows) > limit


def get_purchase_order(user: User, purchase_order_id: int) -> PurchaseOrder:
    """One purchase order this person may see, else 404."""
    item = db.session.execute(
        _purchase_orders_visible_to(user)
        .options(*_purchase_order_options())
        .where(PurchaseOrder.id == purchase_order_id)
    ).scalar_one_or_none()
    if item is None:
        raise NotFoundError(_("Ce bon de commande n'existe pas ou ne vous est pas accessible."))
    return item


def purchase_orders_by_ids(ids: Sequence[int]) -> list[PurchaseOrder]:
    if not ids:
        return []
    stmt = (
        select(PurchaseOrder)
        .options(*_purchase_order_options())
        .where(PurchaseOrder.id.in_(ids))
        .order_by(PurchaseOrder.id)
    )
    return list(db.session.execute(stmt).scalars())


def get_offer(offer_id: int) -> CampaignOffer:
    offer = db.session.get(CampaignOffer, offer_id)
    if offer is None:
        raise NotFoundError(_("Offre de campagne introuvable."))
    return offer


def expenses_page(
    buyer_id: int, year: int, after_id: int | None, limit: int
) -> tuple[list[SpendEntry], bool]:
    """One page of a buyer's ledger rows of one year, by increasing id, with category and
    clauses loaded; and whether more follow."""
    stmt = (
        select(SpendEntry)
        .options(selectinload(SpendEntry.category), selectinload(SpendEntry.clauses))
        .where(SpendEntry.buyer_id == buyer_id, SpendEntry.year == year)
    )
    if after_id is not None:
        stmt = stmt.where(SpendEntry.id > after_id)
    rows = list(db.session.execute(stmt.order_by(SpendEntry.id).limit(limit + 1)).scalars())
    return rows[:limit], len(rows) > limit


def get_expense(buyer_id: int, entry_id: int) -> SpendEntry:
    return ledger_queries.get_entry_for(buyer_id, entry_id)


def category_ids_by_code(codes: Sequence[str]) -> dict[str, int]:
    return dict(
        db.session.execute(select(Category.code, Category.id).where(Category.code.in_(codes))).all()
    )


def unknown_clause_ids(ids: Sequence[int]) -> list[int]:
    """The ids among ``ids`` that name no clause of the library."""
    if not ids:
        return []
    known = set(db.session.execute(select(Clause.id).where(Clause.id.in_(ids))).scalars())
    return [i for i in ids if i not in known]
