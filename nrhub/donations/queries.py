"""Reading the donation lots: who sees which lot and which claims.

- a buyer sees its own lots and every claim on them (another buyer's lot: 404);
- a refurbisher sees the open lots within their reach (department, then region, then
  all), nearest first, and the lots it claimed; of the claims, only its own;
- a coordinator sees everything, read-only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, exists, or_, select
from sqlalchemy.orm import selectinload

from nrhub.auth.models import User
from nrhub.catalog.models import Listing
from nrhub.donations.models import (
    DEFAULT_WIDEN_AFTER_DAYS,
    ClaimStatus,
    DonationClaim,
    DonationLot,
    DonationSettings,
    LotReach,
    LotStatus,
    RetiredStock,
)
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus
from nrhub.security import Role


def in_reach(department_code: str, region_code: str) -> ColumnElement[bool]:
    """SQL: the lot's current reach includes a refurbisher located there."""
    return or_(
        DonationLot.reach == LotReach.ALL,
        and_(DonationLot.reach == LotReach.REGION, DonationLot.region_code == region_code),
        DonationLot.department_code == department_code,
    )


def reaches(reach: LotReach, lot: DonationLot, org: Organisation) -> bool:
    if reach == LotReach.ALL:
        return True
    if reach == LotReach.REGION:
        return org.region_code == lot.region_code
    return org.department_code == lot.department_code


def lot_visible_to(lot: DonationLot, refurbisher: Organisation) -> bool:
    """The refurbisher may claim: the lot is open and its reach includes the refurbisher."""
    return lot.status == LotStatus.OPEN and reaches(LotReach(lot.reach), lot, refurbisher)


# Claims that lock the lot's description: the donor agreed to them, units may be on the road.
LOCKING_CLAIMS = (ClaimStatus.ACCEPTED, ClaimStatus.PICKED_UP, ClaimStatus.COMPLETED)


def has_locking_claim(lot_id: int) -> ColumnElement[bool]:
    """SQL: a claim of the lot was accepted (or picked up, or completed)."""
    return exists().where(DonationClaim.lot_id == lot_id, DonationClaim.status.in_(LOCKING_CLAIMS))


def lot_is_editable(lot: DonationLot) -> bool:
    """The donor may still edit the lot and its photos: the lot is open and no claim on it
    was accepted (pending, refused and cancelled claims do not lock it)."""
    if lot.status != LotStatus.OPEN:
        return False
    return not db.session.execute(select(has_locking_claim(lot.id))).scalar_one()


def _lot_options() -> list[Any]:
    return [
        selectinload(DonationLot.category),
        selectinload(DonationLot.donor),
        selectinload(DonationLot.photos),
    ]


def get_lot_for(user: User, lot_id: int) -> DonationLot:
    """A lot the person may see, with category, donor and photos; 404 otherwise."""
    lot = db.session.execute(
        select(DonationLot).where(DonationLot.id == lot_id).options(*_lot_options())
    ).scalar_one_or_none()
    if lot is None or not _may_see(user, lot):
        raise NotFoundError(_("Ce lot n'existe pas ou ne vous est pas proposé."))
    return lot


def _may_see(user: User, lot: DonationLot) -> bool:
    if user.role == Role.COORDINATOR:
        return True
    if user.role == Role.BUYER:
        return lot.donor_id == user.organisation_id
    if lot_visible_to(lot, user.organisation) and lot.remaining_quantity > 0:
        return True
    return _has_claim(lot.id, user.organisation_id)


def _has_claim(lot_id: int, refurbisher_id: int) -> bool:
    return (
        db.session.execute(
            select(DonationClaim.id).where(
                DonationClaim.lot_id == lot_id, DonationClaim.refurbisher_id == refurbisher_id
            )
        ).first()
        is not None
    )


def claims_for(user: User, lot: DonationLot) -> Sequence[DonationClaim]:
    """The claims of a lot the person may read: all for the donor and the coordinator,
    only its own for a refurbisher."""
    query = (
        select(DonationClaim)
        .where(DonationClaim.lot_id == lot.id)
        .options(selectinload(DonationClaim.refurbisher))
        .order_by(DonationClaim.id)
    )
    if user.role == Role.REFURBISHER:
        query = query.where(DonationClaim.refurbisher_id == user.organisation_id)
    elif user.role == Role.BUYER and lot.donor_id != user.organisation_id:
        return []
    return db.session.execute(query).scalars().all()


def get_claim_for(user: User, claim_id: int) -> DonationClaim:
    """A claim the person may act on or read: the claimant's, the donor's; 404 otherwise."""
    claim = db.session.execute(
        select(DonationClaim)
        .where(DonationClaim.id == claim_id)
        .options(
            selectinload(DonationClaim.lot).selectinload(DonationLot.category),
            selectinload(DonationClaim.lot).selectinload(DonationLot.donor),
            selectinload(DonationClaim.refurbisher),
        )
    ).scalar_one_or_none()
    if claim is None:
        raise NotFoundError(_("Cette réservation n'existe pas."))
    if user.role == Role.COORDINATOR:
        return claim
    if user.role == Role.REFURBISHER and claim.refurbisher_id == user.organisation_id:
        return claim
    if user.role == Role.BUYER and claim.lot.donor_id == user.organisation_id:
        return claim
    raise NotFoundError(_("Cette réservation n'existe pas."))


def list_lots_of_donor(donor_id: int) -> Sequence[DonationLot]:
    return (
        db.session.execute(
            select(DonationLot)
            .where(DonationLot.donor_id == donor_id)
            .options(
                selectinload(DonationLot.category),
                selectinload(DonationLot.donor),
                selectinload(DonationLot.claims),
            )
            .order_by(DonationLot.created_at.desc(), DonationLot.id.desc())
        )
        .scalars()
        .all()
    )


def list_open_lots_for(refurbisher: Organisation) -> Sequence[DonationLot]:
    """Open lots with units left within the refurbisher's reach: same department first,
    then same region, then the rest; oldest first inside each group."""
    distance = case(
        (DonationLot.department_code == refurbisher.department_code, 0),
        (DonationLot.region_code == refurbisher.region_code, 1),
        else_=2,
    )
    return (
        db.session.execute(
            select(DonationLot)
            .where(
                DonationLot.status == LotStatus.OPEN,
                DonationLot.remaining_quantity > 0,
                in_reach(refurbisher.department_code, refurbisher.region_code),
            )
            .options(selectinload(DonationLot.category), selectinload(DonationLot.donor))
            .order_by(distance, DonationLot.available_until, DonationLot.id)
        )
        .scalars()
        .all()
    )


def list_claims_of(refurbisher_id: int) -> Sequence[DonationClaim]:
    return (
        db.session.execute(
            select(DonationClaim)
            .where(DonationClaim.refurbisher_id == refurbisher_id)
            .options(
                selectinload(DonationClaim.lot).selectinload(DonationLot.category),
                selectinload(DonationClaim.lot).selectinload(DonationLot.donor),
            )
            .order_by(DonationClaim.claimed_at.desc(), DonationClaim.id.desc())
        )
        .scalars()
        .all()
    )


def list_all_lots() -> Sequence[DonationLot]:
    """Every lot with its claims, for the coordinator's read-only list."""
    return (
        db.session.execute(
            select(DonationLot)
            .options(
                selectinload(DonationLot.category),
                selectinload(DonationLot.donor),
                selectinload(DonationLot.claims).selectinload(DonationClaim.refurbisher),
            )
            .order_by(DonationLot.created_at.desc(), DonationLot.id.desc())
        )
        .scalars()
        .all()
    )


def list_lots_for_export(user: User) -> list[DonationLot]:
    """The lots of the person's ``/dons`` page, for its CSV: a buyer's own lots, every lot
    for the coordinator; for a refurbisher, the open lots within its reach (nearest first,
    as listed on its page), then the other lots it claimed (most recent claim first)."""
    if user.role == Role.BUYER:
        return list(list_lots_of_donor(user.organisation_id))
    if user.role == Role.COORDINATOR:
        return list(list_all_lots())
    if user.role != Role.REFURBISHER:
        return []
    lots = list(list_open_lots_for(user.organisation))
    seen = {lot.id for lot in lots}
    for claim in list_claims_of(user.organisation_id):
        if claim.lot_id not in seen:
            seen.add(claim.lot_id)
            lots.append(claim.lot)
    return lots


def lots_picked_up_by(refurbisher_id: int) -> list[tuple[int, str]]:
    """The lots a refurbisher has picked up units of: the origins it may give a listing."""
    rows = db.session.execute(
        select(DonationLot.id, Organisation.name, DonationLot.created_at)
        .join(Organisation, Organisation.id == DonationLot.donor_id)
        .where(
            exists().where(
                DonationClaim.lot_id == DonationLot.id,
                DonationClaim.refurbisher_id == refurbisher_id,
                DonationClaim.status.in_((ClaimStatus.PICKED_UP, ClaimStatus.COMPLETED)),
            )
        )
        .order_by(DonationLot.id.desc())
    )
    return [(lot_id, f"Lot n° {lot_id} – {donor}") for lot_id, donor, _created in rows]


def donor_of_listing(listing: Listing) -> Organisation | None:
    """The authority whose donated lot a listing's units come from."""
    if listing.donation_lot_id is None:
        return None
    return db.session.execute(
        select(Organisation)
        .join(DonationLot, DonationLot.donor_id == Organisation.id)
        .where(DonationLot.id == listing.donation_lot_id)
    ).scalar_one_or_none()


def refurbishers_reached(lot: DonationLot, reach: LotReach) -> Sequence[Organisation]:
    """Active refurbishers within ``reach`` of the lot."""
    query = select(Organisation).where(
        Organisation.kind == OrgKind.REFURBISHER, Organisation.status == OrgStatus.ACTIVE
    )
    if reach == LotReach.DEPARTMENT:
        query = query.where(Organisation.department_code == lot.department_code)
    elif reach == LotReach.REGION:
        query = query.where(Organisation.region_code == lot.region_code)
    return db.session.execute(query.order_by(Organisation.id)).scalars().all()


def retired_stock_of(buyer_id: int) -> Sequence[RetiredStock]:
    return (
        db.session.execute(
            select(RetiredStock)
            .where(RetiredStock.buyer_id == buyer_id)
            .order_by(RetiredStock.year.desc(), RetiredStock.reen_category)
        )
        .scalars()
        .all()
    )


def widen_after_days() -> int:
    """The hub's delay before an unclaimed lot reaches further (default when never set)."""
    days = db.session.execute(
        select(DonationSettings.widen_after_days).order_by(DonationSettings.id).limit(1)
    ).scalar_one_or_none()
    return int(days) if days is not None else DEFAULT_WIDEN_AFTER_DAYS
