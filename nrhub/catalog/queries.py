"""Reads of the catalogue: the public browse, a listing page, a refurbisher's own listings.

Every function chooses its eager loading here (relationships are ``lazy="raise"``), so a
page runs a fixed number of SQL statements whatever the number of listings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from nrhub.auth.models import User
from nrhub.catalog import search
from nrhub.catalog.models import (
    Category,
    Grade,
    Listing,
    ListingPhoto,
    ListingStatus,
    listing_title,
)
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.organisations.models import InsertionType, Organisation, OrgKind, OrgStatus

PER_PAGE = 24
COUNT_LIMIT = 1_000
ANY_INSERTION = "toutes"


class Sort(StrEnum):
    NEWEST = "recent"
    PRICE_ASC = "prix"
    PRICE_DESC = "prix-decroissant"
    NEAREST = "proximite"


@dataclass(frozen=True)
class CatalogueFilters:
    """What a person asked the catalogue for; ``None`` means "any"."""

    text: str = ""
    category: str | None = None
    grade: Grade | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    department: str | None = None
    region: str | None = None
    legal_form: str | None = None
    insertion: str | None = None  # an InsertionType, or ANY_INSERTION
    min_warranty_months: int | None = None
    min_update_years: int | None = None
    min_repairability: Decimal | None = None
    in_stock: bool = False
    sort: Sort = Sort.NEWEST
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True, slots=True)
class CardRefurbisher:
    """What a listing card shows of its refurbisher."""

    id: int
    name: str
    city: str
    department_code: str
    is_insertion_structure: bool
    esus_agreement: bool


@dataclass(frozen=True, slots=True)
class CategoryLabels:
    """A category's names (as Category.label), without the rest of the category."""

    label_fr: str
    label_en: str

    def label(self, locale: str = "fr") -> str:
        return self.label_en if locale == "en" else self.label_fr


@dataclass(frozen=True, slots=True)
class CardListing:
    """What a listing card shows (templates/catalog/_macros.html), read as plain columns:
    building 24 listings with their refurbisher and category as ORM objects cost more than
    the statement itself."""

    id: int
    brand: str
    model: str
    grade: str
    state: str
    quantity: int
    unit_price: Decimal
    warranty_months: int | None
    repairability_index: Decimal | None
    os_update_years: int | None
    spare_parts_years: int | None
    refurbished_in_france: bool
    data_wiping_attested: bool
    category_id: int
    refurbisher_id: int
    category: CategoryLabels
    refurbisher: CardRefurbisher

    @property
    def title(self) -> str:
        return listing_title(self.brand, self.model)


@dataclass(frozen=True)
class CatalogueItem:
    listing: CardListing
    thumbnail: str | None


@dataclass(frozen=True)
class CataloguePage:
    items: list[CatalogueItem]
    total: int
    page: int
    per_page: int
    filters: CatalogueFilters = field(default_factory=CatalogueFilters)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, COUNT_LIMIT) / self.per_page))

    @property
    def count_limit(self) -> int:
        return COUNT_LIMIT

    @property
    def total_is_capped(self) -> bool:
        return self.total > COUNT_LIMIT

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _is_insertion_structure() -> ColumnElement[bool]:
    """Organisation.is_insertion_structure in SQL."""
    return and_(
        Organisation.insertion_type.is_not(None),
        Organisation.insertion_type != InsertionType.NONE,
    )


def _conditions(filters: CatalogueFilters) -> list[Any]:
    # Refurbisher criteria go into a subquery on the few organisations rather than a join,
    # so that counting 50,000 listings reads only the listing indexes.
    refurbishers = select(Organisation.id).where(
        Organisation.kind == OrgKind.REFURBISHER, Organisation.status == OrgStatus.ACTIVE
    )
    if filters.department:
        refurbishers = refurbishers.where(Organisation.department_code == filters.department)
    if filters.region:
        refurbishers = refurbishers.where(Organisation.region_code == filters.region)
    if filters.legal_form:
        refurbishers = refurbishers.where(Organisation.legal_form == filters.legal_form)
    if filters.insertion == ANY_INSERTION:
        refurbishers = refurbishers.where(_is_insertion_structure())
    elif filters.insertion:
        refurbishers = refurbishers.where(Organisation.insertion_type == filters.insertion)
    conditions: list[Any] = [
        Listing.status == ListingStatus.PUBLISHED,
        Listing.refurbisher_id.in_(refurbishers),
    ]
    if filters.category:
        conditions.append(
            Listing.category_id
            == select(Category.id).where(Category.code == filters.category).scalar_subquery()
        )
    if filters.grade:
        conditions.append(Listing.grade == filters.grade)
    if filters.price_min is not None:
        conditions.append(Listing.unit_price >= filters.price_min)
    if filters.price_max is not None:
        conditions.append(Listing.unit_price <= filters.price_max)
    if filters.min_warranty_months is not None:
        conditions.append(Listing.warranty_months >= filters.min_warranty_months)
    if filters.min_update_years is not None:
        conditions.append(Listing.os_update_years >= filters.min_update_years)
    if filters.min_repairability is not None:
        conditions.append(Listing.repairability_index >= filters.min_repairability)
    if filters.in_stock:
        conditions.append(Listing.quantity > 0)
    text_match = search.matches(Listing.__table__, filters.text)
    if text_match is not None:
        conditions.append(text_match)
    return conditions


# Refurbishers whose place is unknown come after every located one.
UNKNOWN_DISTANCE_KM = 100_000


def _order(filters: CatalogueFilters, distances: dict[int, int] | None) -> list[Any]:
    price: Any = Listing.unit_price
    published: Any = Listing.published_at
    ident: Any = Listing.id
    if search.words(filters.text) and db.engine.dialect.name == "postgresql":
        # PostgreSQL cannot tell how many listings a prefix search finds: walking a sort
        # index while testing each row's text would read them all for a rare word. An
        # order no index gives makes it take the search index first, then sort the matches.
        price, published, ident = (func.coalesce(col, col) for col in (price, published, ident))
    if filters.sort == Sort.PRICE_ASC:
        return [price.asc(), ident.asc()]
    if filters.sort == Sort.PRICE_DESC:
        return [price.desc(), ident.desc()]
    newest = [published.desc(), ident.desc()]
    if filters.sort == Sort.NEAREST and distances:
        distance = case(distances, value=Listing.refurbisher_id, else_=UNKNOWN_DISTANCE_KM)
        return [distance, *newest]
    return newest


def _pages(total: int, per_page: int) -> int:
    return max(1, math.ceil(min(total, COUNT_LIMIT) / per_page))


def search_catalogue(
    filters: CatalogueFilters, *, distances: dict[int, int] | None = None
) -> CataloguePage:
    """Published listings of active refurbishers matching ``filters``, one page of them.

    One statement most of the time: the page with its refurbishers, categories, the first
    photo of each listing and the count. A page past the last one asks the count alone,
    then the last page. ``distances`` (refurbisher id: km from the viewer, see
    :func:`nrhub.catalog.browse.distances`) orders the "nearest" sort.
    """
    conditions = _conditions(filters)
    # Counting stops at COUNT_LIMIT matches ("plus de 1 000 offres"): past that, a person
    # refines the filters rather than pages, and the count reads at most that many rows
    # (with a rare filter, all the listings: a cap of 10,000 cost 15-50 ms on PostgreSQL).
    matching = select(Listing.id).where(and_(*conditions)).limit(COUNT_LIMIT + 1).subquery()
    count = select(func.count()).select_from(matching)
    order = _order(filters, distances)
    page = max(1, min(filters.page, _pages(COUNT_LIMIT, filters.per_page)))
    rows = _page_rows(conditions, order, page, filters.per_page, count)
    # The count is on each row; a page with no rows is the only one to ask for it alone.
    total = rows[0][-1] if rows else db.session.execute(count).scalar_one()
    if page > _pages(total, filters.per_page):
        page = _pages(total, filters.per_page)
        rows = _page_rows(conditions, order, page, filters.per_page, count)
    return CataloguePage(
        items=_card_items(rows),
        total=total,
        page=page,
        per_page=filters.per_page,
        filters=filters,
    )


def _page_rows(
    conditions: list[Any], order: list[Any], page: int, per_page: int, count: Select[Any]
) -> Sequence[Any]:
    """One page of cards (see :func:`_card_items`) and the count of matches on each row."""
    # The page's ids alone first, no join: with a join SQLite's planner walks the few
    # organisations first and sorts every matching listing; alone, it reads the listing
    # index in page order. Its 24 rows then join their refurbisher and category.
    ids = (
        select(Listing.id)
        .where(and_(*conditions))
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery()
    )
    thumbnail = (
        select(ListingPhoto.thumbnail)
        .where(ListingPhoto.listing_id == Listing.id)
        .order_by(ListingPhoto.position, ListingPhoto.id)
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(
            *_CARD_LISTING_COLUMNS,
            Category.label_fr,
            Category.label_en,
            Organisation.name,
            Organisation.city,
            Organisation.department_code,
            _is_insertion_structure(),
            Organisation.esus_agreement,
            thumbnail,
            count.scalar_subquery(),
        )
        .join(ids, ids.c.id == Listing.id)
        .join(Organisation, Listing.refurbisher_id == Organisation.id)
        .join(Category, Listing.category_id == Category.id)
        .order_by(*order)
    )
    return db.session.execute(stmt).all()


_CARD_LISTING_NAMES = [
    name for name in CardListing.__dataclass_fields__ if name not in ("category", "refurbisher")
]
_CARD_LISTING_COLUMNS = [getattr(Listing, name) for name in _CARD_LISTING_NAMES]


def _card_items(rows: Sequence[Any]) -> list[CatalogueItem]:
    """Cards from the page's rows (listing columns, then its category's and refurbisher's,
    then its thumbnail, then the count); one category and refurbisher object each, shared
    by their cards."""
    width = len(_CARD_LISTING_COLUMNS)
    categories: dict[int, CategoryLabels] = {}
    refurbishers: dict[int, CardRefurbisher] = {}
    items = []
    for row in rows:
        listing_values = row[:width]
        label_fr, label_en, name, city, department, insertion, esus, thumbnail, _total = row[width:]
        category_id, refurbisher_id = listing_values[-2:]
        category = categories.get(category_id)
        if category is None:
            category = categories[category_id] = CategoryLabels(label_fr, label_en)
        refurbisher = refurbishers.get(refurbisher_id)
        if refurbisher is None:
            refurbisher = refurbishers[refurbisher_id] = CardRefurbisher(
                refurbisher_id, name, city, department, bool(insertion), esus
            )
        items.append(
            CatalogueItem(
                CardListing(
                    **dict(zip(_CARD_LISTING_NAMES, listing_values, strict=True)),
                    category=category,
                    refurbisher=refurbisher,
                ),
                thumbnail,
            )
        )
    return items


def _with_refurbisher_and_category(stmt: Select[Any]) -> Select[Any]:
    return (
        stmt.join(Organisation, Listing.refurbisher_id == Organisation.id)
        .join(Category, Listing.category_id == Category.id)
        .options(contains_eager(Listing.refurbisher), contains_eager(Listing.category))
    )


def list_published(
    *,
    refurbisher_id: int | None = None,
    category_ids: Sequence[int] | None = None,
    listing_ids: Sequence[int] | None = None,
    in_stock: bool = False,
    limit: int | None = None,
) -> list[Listing]:
    """Published listings of active refurbishers, with refurbisher, category and tiers loaded
    (for other areas: campaign offers, the refurbisher's public page)."""
    stmt = (
        _with_refurbisher_and_category(select(Listing))
        .where(Listing.status == ListingStatus.PUBLISHED, Organisation.status == OrgStatus.ACTIVE)
        .options(selectinload(Listing.tiers))
        .order_by(Category.sort_order, Listing.brand, Listing.model, Listing.id)
    )
    if refurbisher_id is not None:
        stmt = stmt.where(Listing.refurbisher_id == refurbisher_id)
    if category_ids is not None:
        stmt = stmt.where(Listing.category_id.in_(category_ids))
    if listing_ids is not None:
        stmt = stmt.where(Listing.id.in_(listing_ids))
    if in_stock:
        stmt = stmt.where(Listing.quantity > 0)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt).unique().scalars())


def _full_listing(listing_id: int) -> Select[Listing]:
    stmt: Select[Listing] = _with_refurbisher_and_category(select(Listing))
    return stmt.where(Listing.id == listing_id).options(
        selectinload(Listing.tiers), selectinload(Listing.photos)
    )


def get_visible_listing(listing_id: int, viewer: Any) -> Listing:
    """A listing page: published listings of active refurbishers for everyone; the owner
    refurbisher also sees its drafts and archives. 404 otherwise."""
    listing = db.session.execute(_full_listing(listing_id)).unique().scalar_one_or_none()
    if listing is None:
        raise NotFoundError(_("Cette offre n'existe pas ou n'est pas publiée."))
    is_owner = (
        getattr(viewer, "is_authenticated", False)
        and viewer.is_refurbisher
        and viewer.organisation_id == listing.refurbisher_id
    )
    public = listing.status == ListingStatus.PUBLISHED and listing.refurbisher.is_active
    if not (public or is_owner):
        raise NotFoundError(_("Cette offre n'existe pas ou n'est pas publiée."))
    return listing


def get_listing_for_refurbisher(user: User, listing_id: int) -> Listing:
    """A listing of the person's own organisation (any status), fully loaded; 404 if not
    theirs, so that another refurbisher's ids reveal nothing."""
    listing = (
        db.session.execute(
            _full_listing(listing_id).where(Listing.refurbisher_id == user.organisation_id)
        )
        .unique()
        .scalar_one_or_none()
    )
    if listing is None or not user.is_refurbisher:
        raise NotFoundError(_("Cette offre n'existe pas ou n'est pas la vôtre."))
    return listing


def list_for_refurbisher(
    refurbisher_id: int, status: ListingStatus | None = None, text: str = ""
) -> list[Listing]:
    """All listings of one refurbisher, newest change first, with their category."""
    stmt = (
        select(Listing)
        .join(Category, Listing.category_id == Category.id)
        .options(contains_eager(Listing.category))
        .where(Listing.refurbisher_id == refurbisher_id)
        .order_by(Listing.updated_at.desc(), Listing.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Listing.status == status)
    for word in text.split()[:8]:
        pattern = f"%{_escape_like(word)}%"
        stmt = stmt.where(
            or_(
                Listing.sku.ilike(pattern, escape="\\"),
                Listing.brand.ilike(pattern, escape="\\"),
                Listing.model.ilike(pattern, escape="\\"),
            )
        )
    return list(db.session.execute(stmt).scalars())


def count_by_status(refurbisher_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Listing.status, func.count(Listing.id))
        .where(Listing.refurbisher_id == refurbisher_id)
        .group_by(Listing.status)
    )
    return {str(status): count for status, count in rows}


def get_public_refurbisher(refurbisher_id: int) -> Organisation:
    """An active refurbisher's public profile; 404 for anything else."""
    org = db.session.get(Organisation, refurbisher_id)
    if org is None or org.kind != OrgKind.REFURBISHER or org.status != OrgStatus.ACTIVE:
        raise NotFoundError(_("Ce reconditionneur n'existe pas ou n'est pas actif."))
    return org


def list_categories() -> list[Category]:
    return list(db.session.execute(select(Category).order_by(Category.sort_order)).scalars())


def category_labels(locale: str) -> list[tuple[str, str]]:
    """(code, label in ``locale``) of every category, in their order: columns, not entities."""
    rows = db.session.execute(
        select(Category.code, Category.label_fr, Category.label_en).order_by(Category.sort_order)
    )
    return [(code, CategoryLabels(fr, en).label(locale)) for code, fr, en in rows]


@dataclass(frozen=True)
class RefurbisherPlace:
    id: int
    department_code: str
    region_code: str
    postcode: str
    city: str


def refurbisher_places() -> list[RefurbisherPlace]:
    """Where the active refurbishers are: for the location filters and the "nearest" sort."""
    rows = db.session.execute(
        select(
            Organisation.id,
            Organisation.department_code,
            Organisation.region_code,
            Organisation.postcode,
            Organisation.city,
        )
        .where(Organisation.kind == OrgKind.REFURBISHER, Organisation.status == OrgStatus.ACTIVE)
        .order_by(Organisation.department_code, Organisation.id)
    )
    return [RefurbisherPlace(*row) for row in rows]
