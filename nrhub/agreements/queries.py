"""Reading the legal frame, with who may see what.

Framework agreements: the coordination sees them all, member buyers see those of their hub
(all of them: there is one hub per installation), a refurbisher those of which it holds a
lot. Membership agreements: the coordination sees them all, a buyer its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, exists, false, select
from sqlalchemy.orm import selectinload

from nrhub.agreements.models import (
    WARNING_SHARE,
    FrameworkAgreement,
    FrameworkLot,
    FrameworkLotHolder,
    MembershipAgreement,
)
from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus
from nrhub.security import Role

# ------------------------------------------------------------------ memberships


@dataclass(frozen=True)
class Coverage:
    """A member buyer and the membership agreement that covers it today (or its latest)."""

    buyer: Organisation
    agreement: MembershipAgreement | None
    in_force: bool


def coverage(day: dt.date) -> list[Coverage]:
    """Every active buyer with its agreement in force on ``day`` (the one ending last),
    else its latest agreement, else none; buyers not covered first, then by name."""
    buyers = list(
        db.session.execute(
            select(Organisation)
            .where(Organisation.kind == OrgKind.BUYER, Organisation.status == OrgStatus.ACTIVE)
            .order_by(Organisation.name, Organisation.id)
        ).scalars()
    )
    agreements: dict[int, list[MembershipAgreement]] = {}
    for agreement in db.session.execute(
        select(MembershipAgreement).order_by(MembershipAgreement.signed_on, MembershipAgreement.id)
    ).scalars():
        agreements.setdefault(agreement.buyer_id, []).append(agreement)
    rows = []
    for buyer in buyers:
        own = agreements.get(buyer.id, [])
        current = [a for a in own if a.in_force_on(day)]
        if current:
            best = max(current, key=lambda a: (a.ends_on is None, a.ends_on or day, a.id))
            rows.append(Coverage(buyer, best, True))
        else:
            rows.append(Coverage(buyer, own[-1] if own else None, False))
    rows.sort(key=lambda row: row.in_force)
    return rows


def memberships_of(buyer_id: int) -> Sequence[MembershipAgreement]:
    return (
        db.session.execute(
            select(MembershipAgreement)
            .where(MembershipAgreement.buyer_id == buyer_id)
            .order_by(MembershipAgreement.signed_on.desc(), MembershipAgreement.id.desc())
        )
        .scalars()
        .all()
    )


def get_membership_for(user: User, agreement_id: int) -> MembershipAgreement:
    """The agreement if this person may read it: the coordination, or its own buyer."""
    agreement = db.session.execute(
        select(MembershipAgreement)
        .options(selectinload(MembershipAgreement.buyer))
        .where(MembershipAgreement.id == agreement_id)
    ).scalar_one_or_none()
    if agreement is None or not (
        user.is_coordinator or (user.is_buyer and agreement.buyer_id == user.organisation_id)
    ):
        raise NotFoundError(_("Convention introuvable."))
    return agreement


def get_buyer(buyer_id: int) -> Organisation:
    buyer = db.session.get(Organisation, buyer_id)
    if buyer is None or buyer.kind != OrgKind.BUYER:
        raise NotFoundError(_("Collectivité introuvable."))
    return buyer


# ------------------------------------------------------------ framework agreements


def _visible(user: User) -> Select[FrameworkAgreement]:
    stmt = select(FrameworkAgreement)
    if user.role == Role.REFURBISHER:
        stmt = stmt.where(
            exists().where(
                FrameworkLot.agreement_id == FrameworkAgreement.id,
                FrameworkLotHolder.lot_id == FrameworkLot.id,
                FrameworkLotHolder.refurbisher_id == user.organisation_id,
            )
        )
    elif user.role not in (Role.COORDINATOR, Role.BUYER):
        stmt = stmt.where(false())
    return stmt


def _loaded(stmt: Select[FrameworkAgreement]) -> Select[FrameworkAgreement]:
    return stmt.options(
        selectinload(FrameworkAgreement.lots).selectinload(FrameworkLot.categories),
        selectinload(FrameworkAgreement.lots)
        .selectinload(FrameworkLot.holders)
        .selectinload(FrameworkLotHolder.refurbisher),
    )


def list_frameworks(
    user: User, after_id: int | None = None, limit: int | None = None
) -> list[FrameworkAgreement]:
    """The agreements this person may read, by id, lots and holders loaded."""
    stmt = _loaded(_visible(user)).order_by(FrameworkAgreement.id)
    if after_id is not None:
        stmt = stmt.where(FrameworkAgreement.id > after_id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt).scalars())


def get_framework_for(user: User, agreement_id: int) -> FrameworkAgreement:
    agreement = db.session.execute(
        _loaded(_visible(user)).where(FrameworkAgreement.id == agreement_id)
    ).scalar_one_or_none()
    if agreement is None:
        raise NotFoundError(_("Accord-cadre introuvable."))
    return agreement


def get_lot(agreement: FrameworkAgreement, lot_id: int) -> FrameworkLot:
    lot = next((lot for lot in agreement.lots if lot.id == lot_id), None)
    if lot is None:
        raise NotFoundError(_("Lot introuvable."))
    return lot


@dataclass(frozen=True)
class LotChoice:
    id: int
    label: str


def lot_choices() -> list[LotChoice]:
    """Every lot, for the campaign form: « AC-2025-01 — lot 1 : Postes de travail »."""
    rows = db.session.execute(
        select(FrameworkLot.id, FrameworkLot.number, FrameworkLot.title, FrameworkAgreement)
        .join(FrameworkAgreement, FrameworkAgreement.id == FrameworkLot.agreement_id)
        .order_by(FrameworkAgreement.reference, FrameworkLot.number)
    ).all()
    return [
        LotChoice(row.id, f"{row[3].reference} — lot {row.number} : {row.title}") for row in rows
    ]


def lot_with_agreement(lot_id: int | None) -> FrameworkLot | None:
    """The lot of a call-off with its agreement and holders (for campaign and order pages)."""
    if lot_id is None:
        return None
    return db.session.execute(
        select(FrameworkLot)
        .options(
            selectinload(FrameworkLot.agreement),
            selectinload(FrameworkLot.holders).selectinload(FrameworkLotHolder.refurbisher),
        )
        .where(FrameworkLot.id == lot_id)
    ).scalar_one_or_none()


def refurbisher_choices() -> list[tuple[int, str]]:
    return [
        (row.id, row.name)
        for row in db.session.execute(
            select(Organisation.id, Organisation.name)
            .where(
                Organisation.kind == OrgKind.REFURBISHER,
                Organisation.status == OrgStatus.ACTIVE,
            )
            .order_by(Organisation.name)
        )
    ]


def share(ordered: Decimal, maximum: Decimal | None) -> Decimal | None:
    """The share of a maximum already ordered (None without maximum)."""
    if not maximum:
        return None
    return ordered / maximum


def near_maximum(ordered: Decimal, maximum: Decimal | None) -> bool:
    """The coordination is warned from 80 % of a maximum."""
    used = share(ordered, maximum)
    return used is not None and used >= WARNING_SHARE


@dataclass(frozen=True)
class CallOffFrame:
    """What open data says of the framework agreement a campaign calls off: the contract
    of one lot (``contract_id``, at most the 16 characters DECP allows)."""

    contract_id: str
    reference: str
    title: str
    lot_number: int
    lot_title: str
    procedure: str
    ccag: str
    awarded_on: dt.date
    duration_months: int
    maximum_amount: Decimal
    cpv_code: str
    holder_sirets: tuple[str, ...]
    # (refurbisher id, the holder's own contract reference)
    holder_references: tuple[tuple[int, str], ...] = ()

    def reference_of(self, refurbisher_id: int) -> str:
        return next((ref for org, ref in self.holder_references if org == refurbisher_id), "")

    @property
    def label(self) -> str:
        return f"{self.reference}, lot {self.lot_number} : {self.lot_title}"


def call_off_frame(campaign_id: int) -> CallOffFrame | None:
    """The frame of a campaign under a lot (None outside any agreement; no query when the
    campaign is already in the session and has no lot)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.framework_lot_id is None:
        return None
    lot = db.session.execute(
        select(FrameworkLot)
        .options(
            selectinload(FrameworkLot.agreement),
            selectinload(FrameworkLot.holders).selectinload(FrameworkLotHolder.refurbisher),
        )
        .where(FrameworkLot.id == campaign.framework_lot_id)
    ).scalar_one_or_none()
    if lot is None:
        return None
    agreement = lot.agreement
    return CallOffFrame(
        contract_id=f"{agreement.reference}-L{lot.number}",
        reference=agreement.reference,
        title=agreement.title,
        lot_number=lot.number,
        lot_title=lot.title,
        procedure=str(agreement.procedure),
        ccag=str(agreement.ccag),
        awarded_on=agreement.awarded_on,
        duration_months=agreement.duration_months,
        maximum_amount=lot.maximum_amount or agreement.maximum_amount,
        cpv_code=lot.cpv_code,
        holder_sirets=tuple(h.refurbisher.siret for h in lot.holders),
        holder_references=tuple((h.refurbisher_id, h.reference) for h in lot.holders),
    )
