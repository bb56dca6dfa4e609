"""Reading repair requests, scoped to what the person may see, and the repair figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Integer, Select, bindparam, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign
from nrhub.consolidation.models import (
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    PurchaseOrder,
    PurchaseOrderLine,
)
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.formatting import paris_year_bounds
from nrhub.organisations.models import Organisation
from nrhub.photos import names_of
from nrhub.repairs.models import (
    RESOLVED_STATUSES,
    RepairMessage,
    RepairPhoto,
    RepairRequest,
    RepairStatus,
)
from nrhub.security import Role


def _visible_to(user: User) -> Select[RepairRequest]:
    query = select(RepairRequest)
    if user.role == Role.COORDINATOR:
        return query
    if user.role == Role.REFURBISHER:
        return query.where(RepairRequest.refurbisher_id == user.organisation_id)
    return query.where(RepairRequest.buyer_id == user.organisation_id)


@dataclass(frozen=True)
class RequestRow:
    request: RepairRequest
    designation: str
    purchase_order_number: str


def list_requests_for(user: User, status: RepairStatus | None = None) -> list[RequestRow]:
    """The requests the person's organisation may see, newest first, with what they are on."""
    query = (
        _visible_to(user)
        .add_columns(PurchaseOrderLine.designation, PurchaseOrder.number)
        .join(DeliveryLine, DeliveryLine.id == RepairRequest.delivery_line_id)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == DeliveryLine.purchase_order_line_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .options(joinedload(RepairRequest.buyer), joinedload(RepairRequest.refurbisher))
        .order_by(RepairRequest.opened_at.desc(), RepairRequest.id.desc())
    )
    if status is not None:
        query = query.where(RepairRequest.status == status)
    return [RequestRow(r, d, n) for r, d, n in db.session.execute(query).all()]


def get_request_for(user: User, request_id: int) -> RepairRequest:
    """The request with its thread and photos; 404 unless the person's side may see it."""
    request = db.session.execute(
        _visible_to(user)
        .where(RepairRequest.id == request_id)
        .options(
            joinedload(RepairRequest.buyer),
            joinedload(RepairRequest.refurbisher),
            joinedload(RepairRequest.delivery).joinedload(Delivery.purchase_order),
            joinedload(RepairRequest.delivery).joinedload(Delivery.campaign),
            joinedload(RepairRequest.delivery_line).joinedload(DeliveryLine.purchase_order_line),
            selectinload(RepairRequest.messages).joinedload(RepairMessage.author),
            selectinload(RepairRequest.messages).joinedload(RepairMessage.organisation),
            selectinload(RepairRequest.photos),
        )
    ).scalar_one_or_none()
    if request is None:
        raise NotFoundError(
            _("Cette demande de réparation n'existe pas ou ne vous est pas accessible.")
        )
    return request


@dataclass(frozen=True)
class ReceivedLine:
    """A line of one of the buyer's received deliveries, as a choice of the request form."""

    delivery_line_id: int
    delivery_id: int
    purchase_order_number: str
    campaign_title: str
    refurbisher_name: str
    designation: str
    received: int

    @property
    def label(self) -> str:
        return (
            f"{self.purchase_order_number} · {self.campaign_title} — {self.designation} "
            f"({self.refurbisher_name}, {self.received} reçue(s))"
        )


def received_lines_for(buyer_id: int, delivery_id: int | None = None) -> list[ReceivedLine]:
    """The buyer's received delivery lines with at least one unit received (one query)."""
    query = (
        select(
            DeliveryLine.id,
            Delivery.id,
            PurchaseOrder.number,
            Campaign.title,
            Organisation.name,
            PurchaseOrderLine.designation,
            DeliveryLine.received_quantity,
        )
        .join(Delivery, Delivery.id == DeliveryLine.delivery_id)
        .join(PurchaseOrder, PurchaseOrder.id == Delivery.purchase_order_id)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .join(Organisation, Organisation.id == Delivery.refurbisher_id)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == DeliveryLine.purchase_order_line_id)
        .where(
            Delivery.buyer_id == buyer_id,
            Delivery.status == DeliveryStatus.RECEIVED,
            DeliveryLine.received_quantity > 0,
        )
        .order_by(Delivery.id.desc(), DeliveryLine.id)
    )
    if delivery_id is not None:
        query = query.where(Delivery.id == delivery_id)
    return [
        ReceivedLine(line_id, delivery_id, number, title, refurbisher, designation, received or 0)
        for line_id, delivery_id, number, title, refurbisher, designation, received in (
            db.session.execute(query).all()
        )
    ]


def photo_for(user: User, name: str) -> RepairPhoto | None:
    """A stored photo of a request the person may see (by its file or thumbnail name)."""
    return db.session.execute(
        select(RepairPhoto)
        .join(RepairRequest, RepairRequest.id == RepairPhoto.request_id)
        .where(
            names_of(RepairPhoto, name),
            RepairRequest.id.in_(_visible_to(user).with_only_columns(RepairRequest.id)),
        )
    ).scalar_one_or_none()


# --- Figures ----------------------------------------------------------------------------

DAY = Decimal("0.1")


@dataclass(frozen=True)
class RepairFigures:
    """Requests of one refurbisher (or of all, ``refurbisher_id`` None)."""

    refurbisher_id: int | None
    refurbisher_name: str
    total: int
    open: int
    in_progress: int
    repaired: int
    replaced: int
    refused: int
    median_days: Decimal | None

    @property
    def resolved(self) -> int:
        return self.repaired + self.replaced + self.refused

    @property
    def repaired_share(self) -> Decimal | None:
        """(repaired + replaced) / resolved; none while nothing is resolved."""
        if not self.resolved:
            return None
        return Decimal(self.repaired + self.replaced) / Decimal(self.resolved)


def median(values: list[Decimal]) -> Decimal | None:
    """The middle value of sorted ``values`` (mean of the two middle ones for an even count)."""
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def _days_to_resolution(dialect: str) -> Any:
    """Days between opening and resolution, as the database computes them."""
    if dialect == "postgresql":
        return func.extract("epoch", RepairRequest.resolved_at - RepairRequest.opened_at) / 86400
    return func.julianday(RepairRequest.resolved_at) - func.julianday(RepairRequest.opened_at)


# Which filters a scope has: one refurbisher's requests, one buyer's, those opened in a year.
_Filters = tuple[bool, bool, bool]


def _scope(
    refurbisher_id: int | None, buyer_id: int | None, year: int | None
) -> tuple[_Filters, dict[str, Any]]:
    """The filters of a scope and the parameters of the statements built for them (a year
    is a Europe/Paris one)."""
    start, end = paris_year_bounds(year) if year is not None else (None, None)
    params = {"refurbisher_id": refurbisher_id, "buyer_id": buyer_id, "start": start, "end": end}
    return (refurbisher_id is not None, buyer_id is not None, year is not None), params


def _filters(filters: _Filters) -> list[Any]:
    of_refurbisher, of_buyer, of_year = filters
    r = RepairRequest
    where: list[Any] = []
    if of_refurbisher:
        where.append(r.refurbisher_id == bindparam("refurbisher_id", type_=Integer))
    if of_buyer:
        where.append(r.buyer_id == bindparam("buyer_id", type_=Integer))
    if of_year:
        where += [
            r.opened_at >= bindparam("start", type_=r.opened_at.type),
            r.opened_at < bindparam("end", type_=r.opened_at.type),
        ]
    return where


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def repair_figures(
    *, refurbisher_id: int | None = None, buyer_id: int | None = None, year: int | None = None
) -> list[RepairFigures]:
    """Per refurbisher: requests by status, repaired share and median days to resolution.

    Repaired share = (repaired + replaced) / resolved (repaired + replaced + refused).
    The median of the days from opening to resolution of the resolved requests: the
    database computes each duration and sorts them per refurbisher in one query (julianday
    on SQLite, epoch seconds on PostgreSQL), the middle value is taken from that sorted list
    (mean of the two middle values for an even count), so both databases give the same
    figure. Optionally restricted to one refurbisher or to one buyer's requests, and to
    the requests opened in one year (a request counts in the year it was opened).
    """
    return _figures_and_durations(*_scope(refurbisher_id, buyer_id, year))[0]


def repair_figures_with_total(
    *, refurbisher_id: int | None = None, buyer_id: int | None = None, year: int | None = None
) -> tuple[list[RepairFigures], RepairFigures]:
    """:func:`repair_figures` and their total (:func:`total_figures` with
    :func:`overall_median_days`), the overall median taken from the per-refurbisher
    durations already read: two statements at most, one when nothing is resolved."""
    rows, durations = _figures_and_durations(*_scope(refurbisher_id, buyer_id, year))
    everything = sorted(value for values in durations.values() for value in values)
    return rows, total_figures(rows, _round_days(median(everything)))


# The statements are built once per scope and database: building one costs more than
# running it on a hub's requests.
@lru_cache(maxsize=8)
def _counts_statement(filters: _Filters) -> Select[Any]:
    def count(status: RepairStatus) -> Any:
        return func.sum(case((RepairRequest.status == status, 1), else_=0))

    return (
        select(
            RepairRequest.refurbisher_id,
            Organisation.name,
            func.count(RepairRequest.id),
            count(RepairStatus.OPEN),
            count(RepairStatus.IN_PROGRESS),
            count(RepairStatus.REPAIRED),
            count(RepairStatus.REPLACED),
            count(RepairStatus.REFUSED),
        )
        .join(Organisation, Organisation.id == RepairRequest.refurbisher_id)
        .where(*_filters(filters))
        .group_by(RepairRequest.refurbisher_id, Organisation.name)
        .order_by(Organisation.name, RepairRequest.refurbisher_id)
    )


@lru_cache(maxsize=16)
def _durations_statement(dialect: str, filters: _Filters, per_refurbisher: bool) -> Select[Any]:
    """The resolved requests' days to resolution, sorted (per refurbisher, first column)."""
    days = _days_to_resolution(dialect)
    query = select(days).where(RepairRequest.status.in_(RESOLVED_STATUSES), *_filters(filters))
    if per_refurbisher:
        return query.add_columns(RepairRequest.refurbisher_id).order_by(
            RepairRequest.refurbisher_id, days
        )
    return query.order_by(days)


def _figures_and_durations(
    filters: _Filters, params: dict[str, Any]
) -> tuple[list[RepairFigures], dict[int, list[Decimal]]]:
    """The rows of :func:`repair_figures` and each refurbisher's sorted durations."""
    counts = db.session.execute(_counts_statement(filters), params).all()
    durations: dict[int, list[Decimal]] = defaultdict(list)
    # The counts tell whether any request is resolved: without one, no durations to read.
    if any(repaired or replaced or refused for *_, repaired, replaced, refused in counts):
        statement = _durations_statement(_dialect(), filters, per_refurbisher=True)
        for value, refurbisher in db.session.execute(statement, params):
            durations[refurbisher].append(Decimal(str(value)))
    rows = [
        RepairFigures(
            refurbisher_id=refurbisher_id,
            refurbisher_name=name,
            total=total,
            open=opened or 0,
            in_progress=in_progress or 0,
            repaired=repaired or 0,
            replaced=replaced or 0,
            refused=refused or 0,
            median_days=_round_days(median(durations.get(refurbisher_id, []))),
        )
        for (
            refurbisher_id,
            name,
            total,
            opened,
            in_progress,
            repaired,
            replaced,
            refused,
        ) in counts
    ]
    return rows, durations


def total_figures(rows: list[RepairFigures], durations_median: Decimal | None) -> RepairFigures:
    return RepairFigures(
        None,
        "",
        sum(r.total for r in rows),
        sum(r.open for r in rows),
        sum(r.in_progress for r in rows),
        sum(r.repaired for r in rows),
        sum(r.replaced for r in rows),
        sum(r.refused for r in rows),
        durations_median,
    )


def overall_median_days(
    *, refurbisher_id: int | None = None, buyer_id: int | None = None, year: int | None = None
) -> Decimal | None:
    """The median days to resolution over all the resolved requests in scope."""
    filters, params = _scope(refurbisher_id, buyer_id, year)
    statement = _durations_statement(_dialect(), filters, per_refurbisher=False)
    values = [Decimal(str(v)) for v in db.session.execute(statement, params).scalars()]
    return _round_days(median(values))


def _round_days(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(DAY, rounding=ROUND_HALF_UP)
