"""Reading what a consolidated campaign publishes: one snapshot, a fixed number of queries.

:func:`published_campaign` loads everything the DECP and OCDS builders need into frozen
dataclasses (no ORM object leaves this module), so that both exports describe the same
figures and the builders stay pure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import BigInteger, case, func, select, type_coerce, update
from sqlalchemy.orm import joinedload, selectinload

from nrhub.campaigns.models import CONSOLIDATED_STATES, Campaign, CampaignOffer, OfferStatus
from nrhub.catalog.models import Category, MaintenanceOffer
from nrhub.clauses.models import ClauseForm, ClauseKind, ClauseTheme
from nrhub.consolidation.amounts import line_amounts
from nrhub.consolidation.models import (
    Delivery,
    DeliveryLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderMaintenanceLine,
)
from nrhub.db import from_cents, utcnow
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus

# Offers that reached the hub as tenders: withdrawn ones were taken back by their author.
TENDER_STATUSES = (OfferStatus.PENDING, OfferStatus.ACCEPTED, OfferStatus.REFUSED)


@dataclass(frozen=True)
class Party:
    """An organisation as open data names it: public identity only, never a person."""

    id: int
    name: str
    siret: str
    address: str
    postcode: str
    city: str
    department_code: str
    region_code: str
    kind: str = OrgKind.BUYER
    legal_form: str | None = None

    @classmethod
    def of(cls, organisation: Organisation) -> Party:
        return cls(
            kind=str(organisation.kind),
            legal_form=str(organisation.legal_form) if organisation.legal_form else None,
            id=organisation.id,
            name=organisation.name,
            siret=organisation.siret,
            address=organisation.address or "",
            postcode=organisation.postcode,
            city=organisation.city or "",
            department_code=organisation.department_code,
            region_code=organisation.region_code,
        )


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    label: str
    cpv_code: str


# Maintenance and extended warranties bought with the equipment: a service, with its own
# CPV code.
MAINTENANCE = CategoryInfo(
    "maintenance", "Maintenance et réparation de matériel informatique", "50312000-5"
)


@dataclass(frozen=True)
class ClauseInfo:
    kind: ClauseKind
    title: str
    decp_value: str
    form: ClauseForm = ClauseForm.CLAUSE
    theme: ClauseTheme = ClauseTheme.OTHER


@dataclass(frozen=True)
class ContractLine:
    """One purchase-order line: allocated units at the pooled unit price, or the maintenance
    chosen with them (``duration_months`` set)."""

    id: str
    designation: str
    quantity: int
    unit_price: Decimal
    amount_ht: Decimal
    category: CategoryInfo
    duration_months: int | None = None


@dataclass(frozen=True)
class DeliveryInfo:
    """One buyer's delivery of a purchase order: shipped, then received ("service fait");
    ``received_ht`` is what the receipt wrote in the buyer's ledger."""

    id: int
    buyer: Party
    status: str
    shipped_on: dt.date | None
    received_on: dt.date | None
    received_ht: Decimal
    # The last time the delivery changed (shipped, then received), UTC.
    changed_at: dt.datetime | None = None


@dataclass(frozen=True)
class Contract:
    """One purchase order, i.e. one contract between the hub and one refurbisher."""

    purchase_order_id: int
    number: str
    notified_at: dt.datetime
    total_ht: Decimal
    supplier: Party
    lines: tuple[ContractLine, ...]
    buyers: tuple[Party, ...]
    deliveries: tuple[DeliveryInfo, ...] = ()

    @property
    def delivered(self) -> bool:
        """Every buyer's delivery received: the contract is carried out."""
        return bool(self.deliveries) and all(d.received_on for d in self.deliveries)


@dataclass(frozen=True)
class PublishedCampaign:
    campaign_id: int
    title: str
    description: str
    state: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    delivery_from: dt.date | None
    delivery_to: dt.date | None
    consolidated_at: dt.datetime
    # When the data was first served (stored, it never moves): the publication date.
    published_at: dt.datetime
    hub: Party
    categories: tuple[CategoryInfo, ...]
    clauses: tuple[ClauseInfo, ...]
    contracts: tuple[Contract, ...]
    tenderers: tuple[Party, ...]

    @property
    def total_ht(self) -> Decimal:
        return sum((c.total_ht for c in self.contracts), Decimal("0.00"))

    @property
    def last_change(self) -> dt.datetime:
        """The publication, or the latest shipment or receipt since: what an export
        generated on demand dates its package by."""
        changes = [d.changed_at for c in self.contracts for d in c.deliveries if d.changed_at]
        return max([self.published_at, *changes])


def _category(category: Category) -> CategoryInfo:
    return CategoryInfo(category.code, category.label_fr, category.cpv_code)


def _not_published() -> NotFoundError:
    return NotFoundError(
        _(
            "Aucune donnée ouverte pour cette campagne : elle n'existe pas ou n'est pas "
            "encore consolidée."
        )
    )


def _hub() -> Party:
    """The central purchasing body (an active one first, the oldest first)."""
    hub = db.session.execute(
        select(Organisation)
        .where(Organisation.kind == OrgKind.HUB)
        .order_by(case((Organisation.status == OrgStatus.ACTIVE, 0), else_=1), Organisation.id)
        .limit(1)
    ).scalar_one_or_none()
    if hub is None:
        raise _not_published()
    return Party.of(hub)


def _deliveries_by_purchase_order(campaign_id: int) -> dict[int, list[DeliveryInfo]]:
    received = (
        select(
            DeliveryLine.delivery_id.label("delivery_id"),
            func.sum(type_coerce(SpendEntry.amount, BigInteger)).label("cents"),
        )
        .join(SpendEntry, SpendEntry.delivery_line_id == DeliveryLine.id)
        .group_by(DeliveryLine.delivery_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Delivery, Organisation, received.c.cents)
        .join(Organisation, Organisation.id == Delivery.buyer_id)
        .outerjoin(received, received.c.delivery_id == Delivery.id)
        .where(Delivery.campaign_id == campaign_id)
        .order_by(Delivery.purchase_order_id, Delivery.id)
    ).all()
    result: dict[int, list[DeliveryInfo]] = defaultdict(list)
    for delivery, organisation, cents in rows:
        result[delivery.purchase_order_id].append(
            DeliveryInfo(
                id=delivery.id,
                buyer=Party.of(organisation),
                status=str(delivery.status),
                shipped_on=delivery.shipped_on,
                received_on=delivery.received_on,
                received_ht=from_cents(int(cents or 0)) or Decimal("0.00"),
                changed_at=max(
                    (t for t in (delivery.shipped_at, delivery.received_at) if t is not None),
                    default=None,
                ),
            )
        )
    return result


def _tenderers(campaign_id: int) -> tuple[Party, ...]:
    organisations = (
        db.session.execute(
            select(Organisation)
            .where(
                Organisation.id.in_(
                    select(CampaignOffer.refurbisher_id).where(
                        CampaignOffer.campaign_id == campaign_id,
                        CampaignOffer.status.in_(TENDER_STATUSES),
                    )
                )
            )
            .order_by(Organisation.name, Organisation.id)
        )
        .scalars()
        .all()
    )
    return tuple(Party.of(o) for o in organisations)


def _maintenance_by_purchase_order(campaign_id: int) -> dict[int, list[ContractLine]]:
    line = PurchaseOrderMaintenanceLine
    rows = db.session.execute(
        select(line, MaintenanceOffer.duration_months)
        .join(PurchaseOrder, PurchaseOrder.id == line.purchase_order_id)
        .join(MaintenanceOffer, MaintenanceOffer.id == line.maintenance_offer_id)
        .where(PurchaseOrder.campaign_id == campaign_id)
        .order_by(line.id)
    ).all()
    result: dict[int, list[ContractLine]] = defaultdict(list)
    for row, months in rows:
        result[row.purchase_order_id].append(
            ContractLine(
                id=f"maintenance-{row.id}",
                designation=row.designation,
                quantity=row.quantity,
                unit_price=row.unit_price,
                amount_ht=line_amounts(row.quantity, row.unit_price, row.vat_rate).ht,
                category=MAINTENANCE,
                duration_months=months,
            )
        )
    return result


def _contracts(campaign_id: int) -> tuple[Contract, ...]:
    purchase_orders = (
        db.session.execute(
            select(PurchaseOrder)
            .where(PurchaseOrder.campaign_id == campaign_id)
            .options(
                joinedload(PurchaseOrder.refurbisher),
                selectinload(PurchaseOrder.lines).joinedload(PurchaseOrderLine.category),
            )
            .order_by(PurchaseOrder.id)
        )
        .scalars()
        .all()
    )
    maintenance = _maintenance_by_purchase_order(campaign_id)
    deliveries = _deliveries_by_purchase_order(campaign_id)
    return tuple(
        Contract(
            purchase_order_id=po.id,
            number=po.number,
            notified_at=po.created_at,
            total_ht=po.total_ht,
            supplier=Party.of(po.refurbisher),
            lines=(
                *(
                    ContractLine(
                        id=str(line.id),
                        designation=line.designation,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        amount_ht=line_amounts(line.quantity, line.unit_price, line.vat_rate).ht,
                        category=_category(line.category),
                    )
                    for line in po.lines
                ),
                *maintenance.get(po.id, ()),
            ),
            # The buyers served by the order: those of its deliveries, by name.
            buyers=tuple(
                sorted((d.buyer for d in deliveries.get(po.id, ())), key=lambda b: (b.name, b.id))
            ),
            deliveries=tuple(deliveries.get(po.id, ())),
        )
        for po in purchase_orders
    )


def _first_publication(campaign: Campaign) -> dt.datetime:
    """When the campaign's data was first served, stamped once (compare-and-set: of two
    first readers at once, one stamps it and both publish the stored date)."""
    if campaign.open_data_published_at is not None:
        return campaign.open_data_published_at
    db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.open_data_published_at.is_(None))
        .values(open_data_published_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    stamped = db.session.execute(
        select(Campaign.open_data_published_at).where(Campaign.id == campaign.id)
    ).scalar_one()
    assert stamped is not None  # set just now, or by the other first reader
    return stamped


def published_campaign(campaign_id: int) -> PublishedCampaign:
    """What a consolidated campaign publishes; 404 for an unknown or unconsolidated one.

    A campaign publishes once consolidated (consolidated, in delivery or done): its
    purchase orders are then the contracts signed with the refurbishers. Nine queries (two
    more on the first publication) whatever the number of purchase orders, lines and buyers.
    """
    campaign = db.session.execute(
        select(Campaign)
        .where(Campaign.id == campaign_id, Campaign.state.in_(CONSOLIDATED_STATES))
        .options(selectinload(Campaign.categories), selectinload(Campaign.clauses))
    ).scalar_one_or_none()
    if campaign is None or campaign.consolidated_at is None:
        raise _not_published()
    return PublishedCampaign(
        campaign_id=campaign.id,
        title=campaign.title,
        description=campaign.description or "",
        state=str(campaign.state),
        opens_at=campaign.opens_at,
        closes_at=campaign.closes_at,
        delivery_from=campaign.delivery_from,
        delivery_to=campaign.delivery_to,
        consolidated_at=campaign.consolidated_at,
        published_at=_first_publication(campaign),
        hub=_hub(),
        categories=tuple(_category(c) for c in campaign.categories),
        clauses=tuple(
            ClauseInfo(
                ClauseKind(c.kind),
                c.title,
                c.decp_value,
                ClauseForm(c.form),
                ClauseTheme(c.theme) if c.theme in set(ClauseTheme) else ClauseTheme.OTHER,
            )
            for c in campaign.clauses
        ),
        contracts=_contracts(campaign.id),
        tenderers=_tenderers(campaign.id),
    )
