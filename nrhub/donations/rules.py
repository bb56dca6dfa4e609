"""Who may act on a lot or a claim: shared by the use cases of the donation loop."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from nrhub.auth.models import User
from nrhub.donations.models import DonationClaim, DonationLot
from nrhub.errors import NotFoundError, PermissionDeniedError
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.organisations.models import Organisation


def buyer_of(by: User) -> Organisation:
    if not by.is_buyer:
        raise PermissionDeniedError(
            _("Seules les personnes d'un acheteur actif donnent du matériel.")
        )
    return by.organisation


def refurbisher_of(by: User) -> Organisation:
    if not by.is_refurbisher:
        raise PermissionDeniedError(
            _("Seules les personnes d'un reconditionneur actif réservent des lots.")
        )
    return by.organisation


def own_lot(lot: DonationLot, by: User) -> None:
    """Another buyer's lot is reported as missing, never as forbidden."""
    buyer_of(by)
    if lot.donor_id != by.organisation_id:
        raise NotFoundError(_("Ce lot n'existe pas ou n'est pas le vôtre."))


def own_claim(claim: DonationClaim, by: User) -> None:
    refurbisher_of(by)
    if claim.refurbisher_id != by.organisation_id:
        raise NotFoundError(_("Cette réservation n'existe pas ou n'est pas la vôtre."))


def donor_claim(claim: DonationClaim, by: User) -> DonationLot:
    lot = db.session.get(DonationLot, claim.lot_id)
    if lot is None:
        raise NotFoundError(_("Ce lot n'existe pas."))
    own_lot(lot, by)
    return lot


def today(now: dt.datetime) -> dt.date:
    return paris_date_of(now)
