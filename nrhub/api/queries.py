"""API reads: the published listings by cursor (filters are the catalogue's own)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from nrhub.auth.models import User
from nrhub.campaigns import queries as campaign_queries
from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.catalog import queries as catalog_queries
from nrhub.catalog.models import Category, Listing
from nrhub.extensions import db


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
