"""Who may give, claim and follow a donated lot: shared by the use cases of the donation
loop (formerly ``donations/rules.py``).

The ``can_*`` functions answer ``None`` when the person may act, else the reason (a
:class:`~nrhub.access.Hidden` one when the lot or claim must stay unknown: a 404); pages
ask ``can("verb", obj)``. The helpers below them (``buyer_of``, ``own_lot``…) raise that
reason for the services.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from nrhub.access import Hidden, require, rule
from nrhub.auth.models import User
from nrhub.donations.models import DonationClaim, DonationLot
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.organisations.models import Organisation


@rule("give")
def can_give(person: User) -> str | None:
    """Buyers give their retired equipment."""
    if not person.is_buyer:
        return _("Seules les personnes d'un acheteur actif donnent du matériel.")
    return None


@rule("claim_lots")
def can_claim_lots(person: User) -> str | None:
    """Refurbishers reserve lots (those their area reaches: the queries' scoping)."""
    if not person.is_refurbisher:
        return _("Seules les personnes d'un reconditionneur actif réservent des lots.")
    return None


@rule("manage", DonationLot)
def can_manage_lot(person: User, lot: DonationLot) -> str | None:
    """The donor's people decide on claims and withdraw the lot; another buyer's lot is
    reported as missing, never as forbidden."""
    refusal = can_give(person)
    if refusal is None and lot.donor_id != person.organisation_id:
        return Hidden(_("Ce lot n'existe pas ou n'est pas le vôtre."))
    return refusal


@rule("withdraw", DonationLot)
def can_withdraw_lot(person: User, lot: DonationLot) -> str | None:
    refusal = can_manage_lot(person, lot)
    if refusal is None and not lot.is_open:
        return _("Ce lot est déjà retiré.")
    return refusal


@rule("follow", DonationClaim)
def can_follow_claim(person: User, claim: DonationClaim) -> str | None:
    """A claim's refurbisher cancels it, records the pickup and declares the outcome."""
    refusal = can_claim_lots(person)
    if refusal is None and claim.refurbisher_id != person.organisation_id:
        return Hidden(_("Cette réservation n'existe pas ou n'est pas la vôtre."))
    return refusal


@rule("cancel", DonationClaim)
def can_cancel_claim(person: User, claim: DonationClaim) -> str | None:
    refusal = can_follow_claim(person, claim)
    if refusal is None and not claim.is_cancellable:
        return _("Cette réservation ne peut plus être annulée.")
    return refusal


@rule("record_pickup", DonationClaim)
def can_record_pickup(person: User, claim: DonationClaim) -> str | None:
    refusal = can_follow_claim(person, claim)
    if refusal is None and not claim.is_accepted:
        return _("L'enlèvement s'enregistre sur une réservation acceptée par la collectivité.")
    return refusal


@rule("declare_outcome", DonationClaim)
def can_declare_outcome(person: User, claim: DonationClaim) -> str | None:
    refusal = can_follow_claim(person, claim)
    if refusal is None and not claim.is_picked_up:
        return _("Le devenir s'enregistre une fois le lot enlevé, une seule fois.")
    return refusal


def buyer_of(by: User) -> Organisation:
    require(can_give(by))
    return by.organisation


def refurbisher_of(by: User) -> Organisation:
    require(can_claim_lots(by))
    return by.organisation


def own_lot(lot: DonationLot, by: User) -> None:
    """Another buyer's lot is reported as missing, never as forbidden."""
    require(can_manage_lot(by, lot))


def own_claim(claim: DonationClaim, by: User) -> None:
    require(can_follow_claim(by, claim))


def donor_claim(claim: DonationClaim, by: User) -> DonationLot:
    lot = db.session.get(DonationLot, claim.lot_id)
    if lot is None:
        raise NotFoundError(_("Ce lot n'existe pas."))
    own_lot(lot, by)
    return lot


def today(now: dt.datetime) -> dt.date:
    return paris_date_of(now)
