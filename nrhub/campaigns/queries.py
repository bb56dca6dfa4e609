"""Reading campaigns, offers and orders; eager loading is chosen here.

:func:`offer_figures` is the one definition of the pooled figures of a campaign (pooled
quantity, pooled price, units to the next tier) for the pages and the API.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, partial
from typing import NamedTuple

from flask import current_app
from sqlalchemy import Select, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from nrhub import caching
from nrhub.auth.models import User
from nrhub.campaigns.messages import _
from nrhub.campaigns.models import (
    HOLDING_STATUSES,
    Campaign,
    CampaignOffer,
    CampaignOfferTier,
    CampaignState,
    OfferDemand,
    OfferStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    campaign_category,
    campaign_clause,
)
from nrhub.campaigns.pricing import Tier, pooled_figures
from nrhub.catalog.maintenance import MaintenanceChoice, active_by_listing
from nrhub.catalog.models import Category, Listing, ListingStatus, PriceTier
from nrhub.clauses.models import Clause
from nrhub.consolidation.amounts import Amounts, line_amounts, total
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.organisations.models import Organisation
from nrhub.security import Role

# What each role does not see yet: a draft is the hub's; the call for stock is the
# refurbishers' (buyers see a campaign once ordering opens).
HIDDEN_STATES = {
    Role.REFURBISHER: (CampaignState.DRAFT,),
    Role.BUYER: (CampaignState.DRAFT, CampaignState.CALL_FOR_STOCK),
}


def _hidden_states(user: User) -> tuple[CampaignState, ...]:
    """The states of the campaigns this person does not see (none for the coordination)."""
    if user.role == Role.COORDINATOR:
        return ()
    return HIDDEN_STATES.get(user.role, HIDDEN_STATES[Role.BUYER])


def _visible(user: User) -> Select[Campaign]:
    query = select(Campaign)
    if hidden := _hidden_states(user):
        query = query.where(Campaign.state.not_in(hidden))
    return query


def state_visible_to(user: User, state: str) -> bool:
    """Whether this person sees a campaign in ``state`` (the rule of the queries here, for
    a campaign row read otherwise)."""
    return state not in _hidden_states(user)


def campaign_not_found() -> NotFoundError:
    """The 404 of a campaign that does not exist or that this person may not see."""
    return NotFoundError(_("Campagne introuvable."))


def list_campaigns_for(user: User) -> Sequence[Campaign]:
    """Coordinators see every campaign; refurbishers once its call for stock is published;
    buyers once ordering opens."""
    return (
        db.session.execute(
            _visible(user)
            .options(selectinload(Campaign.categories))
            .order_by(Campaign.opens_at.desc(), Campaign.id.desc())
        )
        .scalars()
        .all()
    )


@dataclass(frozen=True)
class CampaignCounts:
    accepted_offers: int = 0
    committed_units: int = 0
    active_orders: int = 0


def counts_by_campaign(campaign_ids: Sequence[int]) -> dict[int, CampaignCounts]:
    """Accepted offers, committed units and active orders per campaign (two aggregates)."""
    offers = db.session.execute(
        select(
            CampaignOffer.campaign_id,
            func.count(CampaignOffer.id),
            func.coalesce(func.sum(CampaignOffer.committed_quantity), 0),
        )
        .where(
            CampaignOffer.campaign_id.in_(campaign_ids),
            CampaignOffer.status == OfferStatus.ACCEPTED,
        )
        .group_by(CampaignOffer.campaign_id)
    ).all()
    orders = dict(
        db.session.execute(
            select(Order.campaign_id, func.count(Order.id))
            .where(Order.campaign_id.in_(campaign_ids), Order.status == OrderStatus.ACTIVE)
            .group_by(Order.campaign_id)
        ).all()
    )
    result = {cid: CampaignCounts(active_orders=orders.get(cid, 0)) for cid in campaign_ids}
    for cid, count, units in offers:
        result[cid] = CampaignCounts(int(count), int(units), orders.get(cid, 0))
    return result


def get_campaign_for(user: User, campaign_id: int) -> Campaign:
    """The campaign with its categories and clauses, or 404 if this person may not see it
    (one statement: a campaign has a few of each)."""
    query = (
        _visible(user)
        .where(Campaign.id == campaign_id)
        .options(joinedload(Campaign.categories), joinedload(Campaign.clauses))
    )
    campaign = db.session.execute(query).unique().scalar_one_or_none()
    if campaign is None:
        raise campaign_not_found()
    return campaign


def shown_campaign_for(user: User, campaign_id: int) -> Campaign:
    """:func:`get_campaign_for` without details, for a page that only shows the campaign:
    kept by each worker until the next committed write to the campaign pages' data
    (``caching.Area.CAMPAIGNS``), as its page is read far more often than it changes."""
    campaign = caching.kept_instance(
        "campaigns",
        campaign_id,
        partial(_read_campaign, campaign_id=campaign_id),
        area=caching.Area.CAMPAIGNS,
        seconds=cache_seconds(),
    )
    if campaign is None or not state_visible_to(user, campaign.state):
        raise campaign_not_found()
    return campaign


def _read_campaign(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)


def cache_seconds() -> int:
    """How long the campaign pages' kept values may be kept (``CAMPAIGN_CACHE_SECONDS``)."""
    return int(current_app.config.get("CAMPAIGN_CACHE_SECONDS", 0))


class CategoryName(NamedTuple):
    label_fr: str
    label_en: str

    def label(self, locale: str = "fr") -> str:
        return self.label_en if locale == "en" else self.label_fr


class ClauseLink(NamedTuple):
    id: int
    title: str
    decp_value: str


class CampaignDetails(NamedTuple):
    """The eligible categories and the clauses of a campaign, as its page lists them."""

    categories: tuple[CategoryName, ...]
    clauses: tuple[ClauseLink, ...]


def campaign_details(campaign_id: int) -> CampaignDetails:
    """Kept by the application until the next committed write to a campaign (its categories
    and clauses are written as the campaign's), a category or a clause
    (``caching.Area.CAMPAIGNS``): the page of a campaign is read far more often."""
    return caching.remembered(
        "campaign_details",
        campaign_id,
        lambda: _read_details(campaign_id),
        area=caching.Area.CAMPAIGNS,
        seconds=cache_seconds(),
    )


_CAMPAIGN_CATEGORIES = (
    select(Category.label_fr, Category.label_en)
    .join(campaign_category, campaign_category.c.category_id == Category.id)
    .where(campaign_category.c.campaign_id == bindparam("campaign_id"))
    .order_by(Category.sort_order)
)
_CAMPAIGN_CLAUSES = (
    select(Clause)
    .join(campaign_clause, campaign_clause.c.clause_id == Clause.id)
    .where(campaign_clause.c.campaign_id == bindparam("campaign_id"))
    .order_by(Clause.id)
)


def _read_details(campaign_id: int) -> CampaignDetails:
    params = {"campaign_id": campaign_id}
    categories = db.session.execute(_CAMPAIGN_CATEGORIES, params)
    clauses = db.session.execute(_CAMPAIGN_CLAUSES, params).scalars()
    return CampaignDetails(
        tuple(CategoryName(*row) for row in categories),
        tuple(ClauseLink(c.id, c.title, c.decp_value) for c in clauses),
    )


@dataclass(frozen=True)
class OfferFigures:
    """One campaign offer with its pooled figures (never any buyer's name)."""

    offer_id: int
    status: str
    listing_id: int
    listing_title: str
    grade: str
    warranty_months: int
    vat_rate: Decimal
    category_id: int
    category_label: str
    refurbisher_id: int
    refurbisher_name: str
    committed: int
    ordered: int
    base_price: Decimal
    unit_price: Decimal
    tiers: tuple[Tier, ...]
    tiers_from_campaign: bool
    units_to_next_tier: int | None
    next_tier_price: Decimal | None
    free_stock: int
    # The best unit price the committed units can reach (the reachable tiers only).
    max_reachable_price: Decimal | None = None
    # Tiers of the listing above the committed units, never reachable in this campaign.
    unreachable_tiers: tuple[Tier, ...] = ()

    @property
    def is_pending(self) -> bool:
        """Waiting for the coordination's decision."""
        return self.status == OfferStatus.PENDING

    @property
    def holds_units(self) -> bool:
        """Pending or accepted: its committed units are out of the listing's free stock."""
        return self.status in HOLDING_STATUSES

    @property
    def remaining(self) -> int:
        """Committed units not yet asked for by any buyer."""
        return max(self.committed - self.ordered, 0)

    @property
    def oversubscribed(self) -> bool:
        return self.ordered > self.committed

    @property
    def tiers_text(self) -> str:
        """The tiers as ``<minimum>:<unit price>`` separated by spaces (the order form's
        script reads them to price a line as the buyer types)."""
        return " ".join(f"{t.min_quantity}:{t.unit_price}" for t in self.tiers)


class AppliedTiers(NamedTuple):
    tiers: tuple[Tier, ...]
    from_campaign: bool


class CampaignOfferRow(NamedTuple):
    """What an offer shows that no order changes: the offer, its listing and its tiers."""

    offer_id: int
    status: str
    refurbisher_id: int
    committed: int
    base_price: Decimal
    listing_id: int
    brand: str
    model: str
    grade: str
    warranty_months: int
    vat_rate: Decimal
    free_stock: int
    category_id: int
    category_label: str
    refurbisher_name: str
    tiers: AppliedTiers


def offer_rows(
    campaign_id: int,
    statuses: Sequence[OfferStatus] | None = (OfferStatus.ACCEPTED,),
    refurbisher_id: int | None = None,
) -> list[CampaignOfferRow]:
    """The offers of a campaign with their listings and tiers, without their orders (two
    statements: the offers joined to their listings, then the tiers). Plain values: the
    campaign page keeps them in the cache (see :func:`displayed_offer_figures`)."""
    query = (
        select(
            CampaignOffer.id,
            CampaignOffer.status,
            CampaignOffer.refurbisher_id,
            CampaignOffer.committed_quantity,
            CampaignOffer.unit_price,
            Listing.id,
            Listing.brand,
            Listing.model,
            Listing.grade,
            Listing.warranty_months,
            Listing.vat_rate,
            Listing.quantity,
            Category.id,
            Category.label_fr,
            Organisation.name,
        )
        .join(Listing, CampaignOffer.listing_id == Listing.id)
        .join(Category, Listing.category_id == Category.id)
        .join(Organisation, CampaignOffer.refurbisher_id == Organisation.id)
        .where(CampaignOffer.campaign_id == campaign_id)
        .order_by(Category.sort_order, Listing.brand, Listing.model, CampaignOffer.id)
    )
    if statuses is not None:
        query = query.where(CampaignOffer.status.in_(statuses))
    if refurbisher_id is not None:
        query = query.where(CampaignOffer.refurbisher_id == refurbisher_id)
    rows = db.session.execute(query).all()
    if not rows:
        return []
    tiers_by_offer = applicable_tiers(campaign_id)
    no_tiers = AppliedTiers((), False)
    return [CampaignOfferRow._make((*row, tiers_by_offer.get(row[0], no_tiers))) for row in rows]


def offer_figures(
    campaign_id: int,
    statuses: Sequence[OfferStatus] | None = (OfferStatus.ACCEPTED,),
    refurbisher_id: int | None = None,
) -> list[OfferFigures]:
    """Per offer: committed units, pooled quantity ordered by all buyers, pooled unit price.

    The pooled price is the tier reached by the quantity ordered so far, capped at the
    committed units (what consolidation can allocate), among the tiers the committed units
    can reach (the offer's own tiers, else the listing's); the next tier is given only when
    reachable. Three SQL statements whatever the number of offers and orders: the offers
    (:func:`offer_rows`: two), and their pooled quantities (:func:`pooled_quantities`: the
    demand the database keeps). Columns, not entities: a page reads a hundred offers.
    """
    rows = offer_rows(campaign_id, statuses, refurbisher_id)
    return with_pooled_figures(rows, pooled_quantities(campaign_id) if rows else {})


def displayed_offer_figures(
    campaign_id: int,
    statuses: Sequence[OfferStatus] | None = (OfferStatus.ACCEPTED,),
    refurbisher_id: int | None = None,
) -> list[OfferFigures]:
    """:func:`offer_figures` for the campaign page, the offers read from the cache (until
    the next committed write to an offer, a listing, a tier, a category or an
    organisation: ``caching.Area.CAMPAIGNS``); the pooled quantities always fresh, since
    every order changes them. Never for a write: the cached offers may lag a commit by the
    moment its generation takes to move."""
    seconds = cache_seconds()
    statuses_key = ",".join(sorted(statuses)) if statuses is not None else "*"
    rows = caching.remembered(
        "campaign_offers",
        (campaign_id, statuses_key, refurbisher_id),
        lambda: offer_rows(campaign_id, statuses, refurbisher_id),
        area=caching.Area.CAMPAIGNS,
        seconds=seconds,
    )
    ordered = pooled_quantities(campaign_id) if rows else {}
    # An offer's figures depend on its row and the units ordered: kept by both.
    kept = caching.memo("offer_figures", area=caching.Area.CAMPAIGNS, seconds=seconds)
    return [
        kept.get((row.offer_id, units), partial(offer_figures_of, row, units))
        for row in rows
        for units in (ordered.get(row.offer_id, 0),)
    ]


def with_pooled_figures(
    rows: Sequence[CampaignOfferRow], ordered: Mapping[int, int]
) -> list[OfferFigures]:
    """Each offer with its pooled figures, ``ordered`` being the units ordered per offer."""
    return [offer_figures_of(row, ordered.get(row.offer_id, 0)) for row in rows]


def offer_figures_of(row: CampaignOfferRow, ordered: int) -> OfferFigures:
    """One offer with its pooled figures, ``ordered`` units being ordered by all buyers."""
    applied = row.tiers
    pooled = pooled_figures(row.base_price, applied.tiers, row.committed, ordered)
    return OfferFigures(
        offer_id=row.offer_id,
        status=row.status,
        listing_id=row.listing_id,
        listing_title=f"{row.brand} {row.model}",
        grade=row.grade,
        warranty_months=row.warranty_months,
        vat_rate=row.vat_rate,
        category_id=row.category_id,
        category_label=row.category_label,
        refurbisher_id=row.refurbisher_id,
        refurbisher_name=row.refurbisher_name,
        committed=row.committed,
        ordered=ordered,
        base_price=row.base_price,
        unit_price=pooled.unit_price,
        tiers=pooled.tiers,
        tiers_from_campaign=applied.from_campaign,
        units_to_next_tier=pooled.units_to_next_tier,
        next_tier_price=pooled.next_tier_price,
        free_stock=row.free_stock,
        max_reachable_price=pooled.max_reachable_price,
        unreachable_tiers=tuple(t for t in applied.tiers if t not in pooled.tiers),
    )


@dataclass(frozen=True)
class OrderEstimate:
    """A buyer's order priced at the current pooled prices: per offer, then in total."""

    lines: dict[int, Amounts]
    total: Amounts


def estimate_order(offers: Sequence[OfferFigures], quantities: Mapping[int, int]) -> OrderEstimate:
    """Each line's HT, VAT and TTC at its offer's pooled unit price, rounded line by line
    like the purchase orders; the order total is the sum of the rounded lines (the order
    form's script computes the same figures as the buyer types)."""
    lines = {
        o.offer_id: line_amounts(quantities[o.offer_id], o.unit_price, o.vat_rate)
        for o in offers
        if quantities.get(o.offer_id)
    }
    return OrderEstimate(lines, total(lines.values()))


def applicable_tiers(campaign_id: int) -> dict[int, AppliedTiers]:
    """The volume prices of each offer of a campaign, by offer id, in increasing minimum:
    the offer's own campaign tiers, else its listing's tiers (one statement)."""
    own_tiers = (
        select(
            CampaignOfferTier.offer_id,
            CampaignOfferTier.min_quantity,
            CampaignOfferTier.unit_price,
            literal("own").label("source"),
        )
        .join(CampaignOffer, CampaignOfferTier.offer_id == CampaignOffer.id)
        .where(CampaignOffer.campaign_id == campaign_id)
    )
    listing_tiers = (
        select(
            CampaignOffer.id,
            PriceTier.min_quantity,
            PriceTier.unit_price,
            literal("listing").label("source"),
        )
        .join(PriceTier, PriceTier.listing_id == CampaignOffer.listing_id)
        .where(CampaignOffer.campaign_id == campaign_id)
    )
    own: dict[int, list[Tier]] = defaultdict(list)
    inherited: dict[int, list[Tier]] = defaultdict(list)
    for offer_id, minimum, price, source in db.session.execute(union_all(own_tiers, listing_tiers)):
        (own if source == "own" else inherited)[offer_id].append(Tier(minimum, price))
    return {
        offer_id: AppliedTiers(
            tuple(sorted(own.get(offer_id) or tiers, key=lambda t: t.min_quantity)),
            offer_id in own,
        )
        for offer_id, tiers in {**inherited, **own}.items()
    }


# Run on every campaign page and order: built once, the campaign as a parameter.
_POOLED_QUANTITIES = (
    select(OfferDemand.offer_id, OfferDemand.quantity)
    .join(CampaignOffer, CampaignOffer.id == OfferDemand.offer_id)
    .where(CampaignOffer.campaign_id == bindparam("campaign_id"), OfferDemand.quantity > 0)
)


def pooled_quantities(campaign_id: int) -> dict[int, int]:
    """Units ordered per offer by all buyers' active orders: the sums the database keeps
    (:mod:`nrhub.campaigns.demand`), one row per offer asked for."""
    rows = db.session.execute(_POOLED_QUANTITIES, {"campaign_id": campaign_id})
    return {offer_id: int(total) for offer_id, total in rows}


def group_by_category(figures: Sequence[OfferFigures]) -> list[tuple[str, list[OfferFigures]]]:
    groups: dict[str, list[OfferFigures]] = {}
    for row in figures:
        groups.setdefault(row.category_label, []).append(row)
    return list(groups.items())


_BUYER_ORDER = (
    select(Order)
    .options(joinedload(Order.lines))
    .where(Order.campaign_id == bindparam("campaign_id"), Order.buyer_id == bindparam("buyer_id"))
)


def buyer_order(campaign_id: int, buyer_id: int) -> Order | None:
    """The buyer's one order in the campaign with its lines, if any (one statement)."""
    return (
        db.session.execute(_BUYER_ORDER, {"campaign_id": campaign_id, "buyer_id": buyer_id})
        .unique()
        .scalar_one_or_none()
    )


class OrderedLine(NamedTuple):
    """What a campaign page shows of a line of the buyer's order."""

    offer_id: int
    quantity: int
    maintenance_offer_id: int | None


_BUYER_ORDER_LINES = (
    select(Order, OrderLine.offer_id, OrderLine.quantity, OrderLine.maintenance_offer_id)
    .outerjoin(OrderLine, OrderLine.order_id == Order.id)
    .where(Order.campaign_id == bindparam("campaign_id"), Order.buyer_id == bindparam("buyer_id"))
)


def buyer_order_lines(campaign_id: int, buyer_id: int) -> tuple[Order | None, list[OrderedLine]]:
    """:func:`buyer_order` for its page: the order, and its lines as plain rows (one
    statement; a page reads a few figures of each line, not the entity)."""
    rows = db.session.execute(
        _BUYER_ORDER_LINES, {"campaign_id": campaign_id, "buyer_id": buyer_id}
    ).all()
    if not rows:
        return None, []
    lines = [OrderedLine(*row[1:]) for row in rows if row.offer_id is not None]
    return rows[0][0], lines


def get_order_for(user: User, campaign: Campaign, order_id: int) -> Order:
    """An order with its lines: its buyer's people and coordinators only, else 404."""
    query = (
        select(Order)
        .options(selectinload(Order.lines), selectinload(Order.buyer))
        .where(Order.id == order_id, Order.campaign_id == campaign.id)
    )
    if user.role != Role.COORDINATOR:
        query = query.where(Order.buyer_id == user.organisation_id)
    order = db.session.execute(query).scalar_one_or_none()
    if order is None:
        raise NotFoundError(_("Commande introuvable."))
    return order


def order_history(order_id: int) -> Sequence[OrderEvent]:
    return (
        db.session.execute(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        )
        .scalars()
        .all()
    )


@dataclass(frozen=True)
class OrderSummary:
    order_id: int
    buyer_name: str
    status: str
    lines: int
    units: int
    updated_at: dt.datetime


def order_summaries(campaign_id: int) -> list[OrderSummary]:
    """Every order of the campaign with its size (coordinators only: names buyers)."""
    rows = db.session.execute(
        select(
            Order.id,
            Organisation.name,
            Order.status,
            func.count(OrderLine.id),
            func.coalesce(func.sum(OrderLine.quantity), 0),
            Order.updated_at,
        )
        .join(Organisation, Order.buyer_id == Organisation.id)
        .outerjoin(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.campaign_id == campaign_id)
        .group_by(Order.id, Organisation.name, Order.status, Order.updated_at)
        .order_by(Organisation.name)
    ).all()
    return [
        OrderSummary(oid, name, status, int(n), int(units), updated)
        for oid, name, status, n, units, updated in rows
    ]


def committable_listings(campaign: Campaign, refurbisher_id: int) -> Sequence[Listing]:
    """Published listings of the refurbisher, in an eligible category, not yet engaged."""
    engaged = select(CampaignOffer.listing_id).where(
        CampaignOffer.campaign_id == campaign.id,
        CampaignOffer.status.in_(HOLDING_STATUSES),
    )
    eligible = select(campaign_category.c.category_id).where(
        campaign_category.c.campaign_id == campaign.id
    )
    return (
        db.session.execute(
            select(Listing)
            .where(
                Listing.refurbisher_id == refurbisher_id,
                Listing.status == ListingStatus.PUBLISHED,
                Listing.quantity > 0,
                Listing.category_id.in_(eligible),
                Listing.id.not_in(engaged),
            )
            .order_by(Listing.brand, Listing.model)
        )
        .scalars()
        .all()
    )


def get_offer(
    campaign: Campaign, offer_id: int, refurbisher_id: int | None = None
) -> CampaignOffer:
    """An offer of this campaign (of this refurbisher when given), else 404."""
    query = select(CampaignOffer).where(
        CampaignOffer.id == offer_id, CampaignOffer.campaign_id == campaign.id
    )
    if refurbisher_id is not None:
        query = query.where(CampaignOffer.refurbisher_id == refurbisher_id)
    offer = db.session.execute(query).scalar_one_or_none()
    if offer is None:
        raise NotFoundError(_("Offre de campagne introuvable."))
    return offer


@dataclass
class CampaignPage:
    """What the campaign page shows to one person, by role."""

    campaign: Campaign
    details: CampaignDetails
    offers: list[OfferFigures]
    order: Order | None = None
    # The lines of ``order`` (the buyer's).
    order_lines: list[OrderedLine] = field(default_factory=list)
    orders: list[OrderSummary] | None = None
    listings: Sequence[Listing] = ()
    ordering_open: bool = False
    offers_open: bool = False
    # Active maintenance offers by listing id (shown with each campaign offer).
    maintenance: dict[int, list[MaintenanceChoice]] = field(default_factory=dict)

    # Computed once: the order form reads them for each of its (up to hundreds of) rows.
    @cached_property
    def groups(self) -> list[tuple[str, list[OfferFigures]]]:
        return group_by_category(self.offers)

    @cached_property
    def my_maintenance(self) -> dict[int, int | None]:
        if self.order is None or self.order.status != OrderStatus.ACTIVE:
            return {}
        return {line.offer_id: line.maintenance_offer_id for line in self.order_lines}

    @cached_property
    def estimate(self) -> OrderEstimate:
        return estimate_order(self.offers, self.my_quantities)

    @cached_property
    def my_quantities(self) -> dict[int, int]:
        if self.order is None or self.order.status != OrderStatus.ACTIVE:
            return {}
        return {line.offer_id: line.quantity for line in self.order_lines}


def campaign_page(user: User, campaign: Campaign, now: dt.datetime) -> CampaignPage:
    """The campaign page's data in a constant number of statements, whatever its size."""
    page = CampaignPage(
        campaign=campaign,
        details=campaign_details(campaign.id),
        offers=[],
        ordering_open=campaign.is_open_at(now),
        offers_open=campaign.takes_offers_at(now),
    )
    if user.role == Role.COORDINATOR:
        page.offers = displayed_offer_figures(campaign.id, statuses=None)
        page.orders = order_summaries(campaign.id)
    elif user.role == Role.REFURBISHER:
        page.offers = displayed_offer_figures(
            campaign.id, statuses=None, refurbisher_id=user.organisation_id
        )
        if page.offers_open:
            page.listings = committable_listings(campaign, user.organisation_id)
    else:
        page.offers = displayed_offer_figures(campaign.id)
        page.order, page.order_lines = buyer_order_lines(campaign.id, user.organisation_id)
    page.maintenance = _displayed_maintenance(page.offers)
    return page


def _displayed_maintenance(offers: Sequence[OfferFigures]) -> dict[int, list[MaintenanceChoice]]:
    """The active maintenance offers of the listings of ``offers``, by listing id, kept like
    the offers (``caching.Area.CAMPAIGNS`` counts the maintenance offers' table)."""
    listing_ids = tuple(sorted({o.listing_id for o in offers}))
    if not listing_ids:
        return {}
    return caching.remembered(
        "campaign_maintenance",
        listing_ids,
        lambda: dict(active_by_listing(listing_ids)),
        area=caching.Area.CAMPAIGNS,
        seconds=cache_seconds(),
    )
