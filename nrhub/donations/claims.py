"""Use cases of the claims on a donation lot, inside the caller's unit of work.

A refurbisher that sees a lot (its reach) claims units of it; the donor accepts or
refuses; the refurbisher records the pickup, then the outcome. Every use case that changes
a lot or its claims first locks the lot's row (:func:`lock_lot`; on SQLite writers are
serialised by ``BEGIN IMMEDIATE``), so that they run one after another on a lot, each
reading what the previous one committed; every change of state is then one conditional
UPDATE from the states it may leave (a compare-and-set), and its side effects (units
given back, e-mails) follow only when that UPDATE changed the row.

Units are taken from the lot with one conditional UPDATE (``remaining_quantity >= n``),
``CHECK (remaining_quantity >= 0)`` being the last line of defence; a refurbisher holds at
most one pending claim per lot (a partial unique index backs the rule). A refusal writes
nothing: rules are checked before the first write, and the writes that may still fail
run in a savepoint.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as n_
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.db import rows_changed, utcnow
from nrhub.donations import files
from nrhub.donations.models import (
    HOLDING_CLAIMS,
    ClaimStatus,
    DonationClaim,
    DonationLot,
    LotStatus,
)
from nrhub.donations.policy import donor_claim, own_claim, refurbisher_of, today
from nrhub.donations.queries import lot_visible_to
from nrhub.errors import ConflictError, NotFoundError, ValidationError
from nrhub.extensions import db
from nrhub.formatting import format_date, paris_date_of
from nrhub.mail import queue_mail
from nrhub.organisations.queries import recipients_of


def lock_lot(lot_id: int) -> DonationLot:
    """The lot, read afresh and locked until the commit (``FOR NO KEY UPDATE``: claims
    referencing the lot may still be inserted by the lock's holder and others wait)."""
    lot = db.session.execute(
        select(DonationLot)
        .where(DonationLot.id == lot_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if lot is None:
        raise NotFoundError(_("Ce lot n'existe pas."))
    return lot


def _lock_claim(claim: DonationClaim) -> DonationLot:
    """Lock the claim's lot, then read the claim afresh."""
    lot = lock_lot(claim.lot_id)
    db.session.refresh(claim)
    return lot


def _set_status(claim: DonationClaim, allowed: tuple[ClaimStatus, ...], **values: object) -> bool:
    """Compare-and-set of a claim's status; True when this call changed it."""
    result = db.session.execute(
        update(DonationClaim)
        .where(DonationClaim.id == claim.id, DonationClaim.status.in_(allowed))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(claim)
    return bool(rows_changed(result) == 1)


def _give_back(lot: DonationLot, units: int) -> None:
    if units <= 0:
        return
    db.session.execute(
        update(DonationLot)
        .where(DonationLot.id == lot.id)
        .values(remaining_quantity=DonationLot.remaining_quantity + units)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(lot, ["remaining_quantity"])


class _NotEnoughUnits(Exception):
    pass


def _units_left_error(left: int, quantity: int) -> ConflictError:
    if left == 0:
        return ConflictError(
            _(
                "Ce lot vient d'être entièrement réservé par un autre reconditionneur : "
                "il ne reste plus aucune unité."
            ),
            field="quantity",
        )
    return ConflictError(
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


def _already_claimed_error() -> ConflictError:
    return ConflictError(
        _("Votre structure a déjà une réservation en cours sur ce lot."), field="quantity"
    )


def claim_lot(
    lot: DonationLot, quantity: int, *, by: User, message: str = "", now: dt.datetime | None = None
) -> DonationClaim:
    """Claim ``quantity`` units of a lot the refurbisher sees (whole or part of it).

    The units are taken with a conditional UPDATE: when another refurbisher took them
    first, the claim is refused with the number of units left, and nothing is written.
    A refurbisher holds one claim in progress per lot; two copies of its claim arriving at
    once make one claim (the lot's lock, then the unique index, refuse the other).
    """
    refurbisher = refurbisher_of(by)
    now = now or utcnow()
    if not lot_visible_to(lot, refurbisher):
        raise NotFoundError(_("Ce lot n'existe pas ou n'est pas proposé à votre structure."))
    lot = lock_lot(lot.id)
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
        raise _already_claimed_error()
    claim = DonationClaim(
        lot_id=lot.id,
        refurbisher_id=refurbisher.id,
        claimed_by_id=by.id,
        quantity=quantity,
        status=ClaimStatus.PENDING,
        message=message.strip()[:2000],
        claimed_at=now,
    )
    try:
        with db.session.begin_nested():  # a refusal below undoes both writes
            taken = db.session.execute(
                update(DonationLot)
                .where(
                    DonationLot.id == lot.id,
                    DonationLot.status == LotStatus.OPEN,
                    DonationLot.remaining_quantity >= quantity,
                )
                .values(remaining_quantity=DonationLot.remaining_quantity - quantity)
                .execution_options(synchronize_session=False)
            )
            if rows_changed(taken) != 1:
                raise _NotEnoughUnits
            db.session.add(claim)
            db.session.flush()
    except _NotEnoughUnits:
        db.session.refresh(lot)
        raise _units_left_error(lot.remaining_quantity, quantity) from None
    except IntegrityError as err:  # ux_donation_claim_pending: a copy of this claim won
        raise _already_claimed_error() from err
    db.session.expire(lot, ["remaining_quantity"])
    record(
        "donation_claim.created",
        claim,
        by=by,
        lot_id=lot.id,
        quantity=quantity,
        organisation_id=refurbisher.id,
    )
    queue_mail(
        recipients_of([lot.donor_id]),
        _l("Réservation de votre lot de réemploi n° %(id)d", id=lot.id),
        "donation_claim_created",
        lot=lot,
        claim=claim,
        refurbisher=refurbisher,
    )
    return claim


def _decide(
    claim: DonationClaim, accept: bool, reason: str, *, by: User, now: dt.datetime | None
) -> DonationClaim:
    donor_claim(claim, by)
    lot = _lock_claim(claim)
    if claim.status != ClaimStatus.PENDING:
        raise ConflictError(_("Cette réservation a déjà reçu une réponse."))
    reason = reason.strip()
    if not accept and len(reason) < 3:
        raise ValidationError(_("Expliquez brièvement le refus."), field="reason")
    now = now or utcnow()
    # Conditional: two people of the donor answering at once decide once.
    decided = _set_status(
        claim,
        (ClaimStatus.PENDING,),
        status=ClaimStatus.ACCEPTED if accept else ClaimStatus.REFUSED,
        decided_at=now,
        decided_by_id=by.id,
        refusal_reason=None if accept else reason[:2000],
    )
    if not decided:
        raise ConflictError(_("Cette réservation a déjà reçu une réponse."))
    if not accept:
        _give_back(lot, claim.quantity)
    record(
        "donation_claim.accepted" if accept else "donation_claim.refused",
        claim,
        by=by,
        lot_id=lot.id,
        quantity=claim.quantity,
    )
    queue_mail(
        recipients_of([claim.refurbisher_id]),
        _l("Lot de réemploi n° %(id)d : réservation acceptée", id=lot.id)
        if accept
        else _l("Lot de réemploi n° %(id)d : réservation refusée", id=lot.id),
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
    lot = _lock_claim(claim)
    if not _set_status(claim, HOLDING_CLAIMS, status=ClaimStatus.CANCELLED):
        raise ConflictError(_("Cette réservation ne peut plus être annulée."))
    _give_back(lot, claim.quantity)
    record("donation_claim.cancelled", claim, by=by, quantity=claim.quantity)
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
    lot = _lock_claim(claim)
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
    if picked_up_on < lot.available_from:
        raise ValidationError(
            _(
                "La date d'enlèvement précède la disponibilité du lot (à partir du %(date)s).",
                date=format_date(lot.available_from),
            ),
            field="picked_up_on",
        )
    if picked_up_on < paris_date_of(claim.claimed_at):
        raise ValidationError(
            _("La date d'enlèvement précède la réservation."), field="picked_up_on"
        )
    claimed = claim.quantity
    picked = _set_status(
        claim,
        (ClaimStatus.ACCEPTED,),
        status=ClaimStatus.PICKED_UP,
        picked_up_on=picked_up_on,
        picked_up_quantity=quantity,
    )
    if not picked:
        raise ConflictError(_("L'enlèvement de cette réservation est déjà enregistré."))
    _give_back(lot, claimed - quantity)
    record("donation_claim.picked_up", claim, by=by, quantity=quantity, on=picked_up_on)
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
    db.session.refresh(claim)
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
    name = files.certificate_name(stored) if stored is not None else None
    values: dict[str, object] = {
        "status": ClaimStatus.COMPLETED,
        "units_reused": units_reused,
        "units_recycled": units_recycled,
        "outcome_on": today(now),
    }
    if stored is not None:
        values |= {"certificate_filename": name, "certificate_content_type": stored.content_type}
    if not _set_status(claim, (ClaimStatus.PICKED_UP,), **values):
        raise ConflictError(_("Le devenir s'enregistre une fois le lot enlevé, une seule fois."))
    if stored is not None and name is not None:
        # Written by the caller whose update won; a transaction that fails to commit
        # afterwards leaves an unreferenced file, never a row without its file.
        files.write_certificate(name, stored)
    record(
        "donation_claim.outcome",
        claim,
        by=by,
        reused=units_reused,
        recycled=units_recycled,
        certificate=name is not None,
    )
    return claim
