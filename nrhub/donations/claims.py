"""Use cases of the claims on a donation lot, one transaction each.

A refurbisher that sees a lot (its reach) claims units of it; the donor accepts or
refuses; the refurbisher records the pickup, then the outcome. Units are taken from the
lot with one conditional UPDATE (``remaining_quantity >= n``): two refurbishers claiming
the last units at once cannot both win, on SQLite as on PostgreSQL, and
``CHECK (remaining_quantity >= 0)`` is the last line of defence. Nothing is written when
a rule refuses the operation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns.messages import _, n_
from nrhub.db import utcnow
from nrhub.donations import files
from nrhub.donations.models import (
    HOLDING_CLAIMS,
    ClaimStatus,
    DonationClaim,
    DonationLot,
    LotStatus,
)
from nrhub.donations.queries import lot_visible_to, member_emails
from nrhub.donations.rules import donor_claim, own_claim, refurbisher_of, today
from nrhub.errors import ConflictError, NotFoundError, ValidationError
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.mail import queue_mail as notify  # until the donations mails move to queue_mail


def _give_back(lot_id: int, units: int) -> None:
    if units <= 0:
        return
    db.session.execute(
        update(DonationLot)
        .where(DonationLot.id == lot_id)
        .values(remaining_quantity=DonationLot.remaining_quantity + units)
        .execution_options(synchronize_session=False)
    )
    lot = db.session.get(DonationLot, lot_id)
    if lot is not None:
        db.session.expire(lot, ["remaining_quantity"])


def claim_lot(
    lot: DonationLot, quantity: int, *, by: User, message: str = "", now: dt.datetime | None = None
) -> DonationClaim:
    """Claim ``quantity`` units of a lot the refurbisher sees (whole or part of it).

    The units are taken with a conditional UPDATE: when another refurbisher took them
    first, the claim is refused with the number of units left, and nothing is written.
    """
    refurbisher = refurbisher_of(by)
    now = now or utcnow()
    if not lot_visible_to(lot, refurbisher):
        raise NotFoundError(_("Ce lot n'existe pas ou n'est pas proposé à votre structure."))
    if lot.status != LotStatus.OPEN:
        raise ConflictError(_("Ce lot a été retiré par la collectivité."))
    if lot.available_until < today(now):
        raise ConflictError(_("La période de disponibilité de ce lot est terminée."))
    if quantity < 1:
        raise ValidationError(_("Réservez au moins une unité."), field="quantity")
    if quantity > lot.quantity:
        raise ValidationError(
            n_(
                "Le lot ne compte que %(num)d unité : vous en demandez %(asked)d.",
                "Le lot ne compte que %(num)d unités : vous en demandez %(asked)d.",
                lot.quantity,
                asked=quantity,
            ),
            field="quantity",
        )
    already = db.session.execute(
        select(DonationClaim.id).where(
            DonationClaim.lot_id == lot.id,
            DonationClaim.refurbisher_id == refurbisher.id,
            DonationClaim.status.in_(HOLDING_CLAIMS),
        )
    ).first()
    if already is not None:
        raise ConflictError(
            _("Votre structure a déjà une réservation en cours sur ce lot."), field="quantity"
        )
    result = db.session.execute(
        update(DonationLot)
        .where(
            DonationLot.id == lot.id,
            DonationLot.status == LotStatus.OPEN,
            DonationLot.remaining_quantity >= quantity,
        )
        .values(remaining_quantity=DonationLot.remaining_quantity - quantity)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        left = db.session.execute(
            select(DonationLot.remaining_quantity).where(DonationLot.id == lot.id)
        ).scalar_one()
        db.session.rollback()
        if left == 0:
            raise ConflictError(
                _(
                    "Ce lot vient d'être entièrement réservé par un autre reconditionneur : "
                    "il ne reste plus aucune unité."
                ),
                field="quantity",
            )
        raise ConflictError(
            n_(
                "Un autre reconditionneur vient de réserver une partie de ce lot : il ne reste "
                "que %(num)d unité, vous en demandez %(asked)d.",
                "Un autre reconditionneur vient de réserver une partie de ce lot : il ne reste "
                "que %(num)d unités, vous en demandez %(asked)d.",
                left,
                asked=quantity,
            ),
            field="quantity",
        )
    db.session.expire(lot, ["remaining_quantity"])
    claim = DonationClaim(
        lot_id=lot.id,
        refurbisher_id=refurbisher.id,
        claimed_by_id=by.id,
        quantity=quantity,
        status=ClaimStatus.PENDING,
        message=message.strip()[:2000],
        claimed_at=now,
    )
    db.session.add(claim)
    db.session.flush()
    record(
        "donation_claim.created",
        claim,
        by=by,
        lot_id=lot.id,
        quantity=quantity,
        organisation_id=refurbisher.id,
    )
    recipients = member_emails({lot.donor_id})
    db.session.commit()
    notify(
        recipients,
        _("Réservation de votre lot de réemploi n° %(id)d", id=lot.id),
        "donation_claim_created",
        lot=lot,
        claim=claim,
        refurbisher=refurbisher,
    )
    return claim


def _decide(
    claim: DonationClaim, accept: bool, reason: str, *, by: User, now: dt.datetime | None
) -> DonationClaim:
    lot = donor_claim(claim, by)
    if claim.status != ClaimStatus.PENDING:
        raise ConflictError(_("Cette réservation a déjà reçu une réponse."))
    reason = reason.strip()
    if not accept and len(reason) < 3:
        raise ValidationError(_("Expliquez brièvement le refus."), field="reason")
    now = now or utcnow()
    # Conditional: two people of the donor answering at once decide once.
    result = db.session.execute(
        update(DonationClaim)
        .where(DonationClaim.id == claim.id, DonationClaim.status == ClaimStatus.PENDING)
        .values(
            status=ClaimStatus.ACCEPTED if accept else ClaimStatus.REFUSED,
            decided_at=now,
            decided_by_id=by.id,
            refusal_reason=None if accept else reason[:2000],
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise ConflictError(_("Cette réservation a déjà reçu une réponse."))
    if not accept:
        _give_back(lot.id, claim.quantity)
    db.session.expire(claim)
    record(
        "donation_claim.accepted" if accept else "donation_claim.refused",
        claim,
        by=by,
        lot_id=lot.id,
        quantity=claim.quantity,
    )
    recipients = member_emails({claim.refurbisher_id})
    db.session.commit()
    notify(
        recipients,
        _("Lot de réemploi n° %(id)d : réservation acceptée", id=lot.id)
        if accept
        else _("Lot de réemploi n° %(id)d : réservation refusée", id=lot.id),
        "donation_claim_decided",
        lot=lot,
        donor=by.organisation,
        accepted=accept,
        reason=reason,
    )
    return claim


def accept_claim(
    claim: DonationClaim, *, by: User, now: dt.datetime | None = None
) -> DonationClaim:
    """The donor lets the refurbisher come and take the claimed units."""
    return _decide(claim, True, "", by=by, now=now)


def refuse_claim(
    claim: DonationClaim, reason: str, *, by: User, now: dt.datetime | None = None
) -> DonationClaim:
    """The donor refuses a claim; its units go back to the lot for others."""
    return _decide(claim, False, reason, by=by, now=now)


def cancel_claim(claim: DonationClaim, *, by: User) -> DonationClaim:
    """The refurbisher gives up before pickup; the units go back to the lot."""
    own_claim(claim, by)
    result = db.session.execute(
        update(DonationClaim)
        .where(DonationClaim.id == claim.id, DonationClaim.status.in_(HOLDING_CLAIMS))
        .values(status=ClaimStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise ConflictError(_("Cette réservation ne peut plus être annulée."))
    _give_back(claim.lot_id, claim.quantity)
    db.session.expire(claim)
    record("donation_claim.cancelled", claim, by=by, quantity=claim.quantity)
    db.session.commit()
    return claim


def record_pickup(
    claim: DonationClaim,
    picked_up_on: dt.date,
    quantity: int,
    *,
    by: User,
    now: dt.datetime | None = None,
) -> DonationClaim:
    """The refurbisher took ``quantity`` units (at most what was claimed); units left
    behind go back to the lot."""
    own_claim(claim, by)
    now = now or utcnow()
    if claim.status != ClaimStatus.ACCEPTED:
        raise ConflictError(
            _("L'enlèvement s'enregistre sur une réservation acceptée par la collectivité.")
        )
    if quantity < 1:
        raise ValidationError(_("Indiquez au moins une unité enlevée."), field="quantity")
    if quantity > claim.quantity:
        raise ValidationError(
            n_(
                "Vous avez réservé %(num)d unité : vous ne pouvez pas en enlever %(asked)d.",
                "Vous avez réservé %(num)d unités : vous ne pouvez pas en enlever %(asked)d.",
                claim.quantity,
                asked=quantity,
            ),
            field="quantity",
        )
    if picked_up_on > today(now):
        raise ValidationError(_("La date d'enlèvement est dans le futur."), field="picked_up_on")
    if picked_up_on < paris_date_of(claim.claimed_at):
        raise ValidationError(
            _("La date d'enlèvement précède la réservation."), field="picked_up_on"
        )
    claim.status = ClaimStatus.PICKED_UP
    claim.picked_up_on = picked_up_on
    claim.picked_up_quantity = quantity
    _give_back(claim.lot_id, claim.quantity - quantity)
    record("donation_claim.picked_up", claim, by=by, quantity=quantity, on=picked_up_on)
    db.session.commit()
    return claim


def record_outcome(
    claim: DonationClaim,
    units_reused: int,
    units_recycled: int,
    *,
    by: User,
    certificate: bytes | None = None,
    now: dt.datetime | None = None,
) -> DonationClaim:
    """What became of the units picked up: reused, recycled (the rest is unaccounted).

    Over-10-year equipment cannot be declared reused: décret 2023-266 measures the share
    of retired equipment under 10 years sent to reuse, so such units are recycling. When
    the lot required data wiping, the wiping certificate (PDF or image) is required.
    """
    own_claim(claim, by)
    now = now or utcnow()
    if claim.status != ClaimStatus.PICKED_UP:
        raise ConflictError(_("Le devenir s'enregistre une fois le lot enlevé, une seule fois."))
    lot = db.session.get(DonationLot, claim.lot_id)
    assert lot is not None
    picked = claim.picked_up_quantity or 0
    if units_reused < 0 or units_recycled < 0:
        raise ValidationError(
            _("Les quantités ne peuvent pas être négatives."), field="units_reused"
        )
    if units_reused + units_recycled > picked:
        raise ValidationError(
            n_(
                "Réemployées et recyclées (%(total)d) dépassent l'unité enlevée (%(num)d).",
                "Réemployées et recyclées (%(total)d) dépassent les %(num)d unités enlevées.",
                picked,
                total=units_reused + units_recycled,
            ),
            field="units_reused",
        )
    if lot.is_recycling_only and units_reused > 0:
        raise ValidationError(
            _(
                "Ce lot a plus de 10 ans : le décret n° 2023-266 ne compte que les équipements "
                "de moins de 10 ans orientés vers le réemploi. Déclarez ces unités comme "
                "recyclées."
            ),
            field="units_reused",
        )
    stored: files.Certificate | None = None
    if certificate:
        try:
            stored = files.check_certificate(certificate)
        except files.CertificateError as err:
            raise ValidationError(str(err), field="certificate") from err
    elif lot.data_wiping_required and not claim.certificate_filename:
        raise ValidationError(
            _("Ce lot demande l'effacement des données : joignez le certificat d'effacement."),
            field="certificate",
        )
    name = files.store_certificate(stored) if stored is not None else None
    claim.status = ClaimStatus.COMPLETED
    claim.units_reused = units_reused
    claim.units_recycled = units_recycled
    claim.outcome_on = today(now)
    if name is not None:
        claim.certificate_filename = name
        claim.certificate_content_type = stored.content_type if stored else None
    record(
        "donation_claim.outcome",
        claim,
        by=by,
        reused=units_reused,
        recycled=units_recycled,
        certificate=name is not None,
    )
    try:
        db.session.commit()
    except Exception:
        files.remove_certificate(name)
        raise
    return claim
