"""REEN routes besides the hub's donation lots (décret n° 2023-266 du 12 avril 2023).

A buyer records retired equipment of the REEN categories (2° screens over 100 cm², 6° small
IT and telecom equipment of art. R. 543-172 II of the environment code) that it transferred
to another public body, sold, gave to its staff or to an association, or had taken back by
an approved eco-organisation or the original supplier. Equipment over ten years old at
retirement and equipment holding classified or specially protected information are out of
the count: the form states it and the buyer confirms it. An outcome counts as reused only
when the receiver committed to reuse the equipment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.db import utcnow
from nrhub.donations import files
from nrhub.donations.models import REEN_CATEGORY_OF as REEN_CATEGORY_OF  # importable here too
from nrhub.donations.models import ReenCategory, RetiredOutcome, RetiredRoute
from nrhub.donations.policy import buyer_of, today
from nrhub.errors import NotFoundError, ValidationError
from nrhub.extensions import db
from nrhub.security import Role

FIRST_YEAR = 2023  # the first year of the REEN targets
MAX_UNITS = 1_000_000
# Unit value caps of free transfers (CGPPP): to the staff (L. 3212-2, 5°) and to
# associations (L. 3212-2, 3°, décret n° 2022-791 du 6 mai 2022): 300 € per item.
STAFF_CAP_EUROS = 300
STAFF_CAP_SOURCE = "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000021679223"
ASSOCIATION_CAP_SOURCE = "https://www.legifrance.gouv.fr/eli/decret/2022/5/6/2022-791/jo/texte"


@dataclass(frozen=True)
class OutcomeInput:
    outcome_on: dt.date
    route: str
    reen_category: str
    units: int
    receiver: str
    reuse_committed: bool
    in_scope: bool  # the buyer confirms: under ten years, no protected information


def record_outcome(
    data: OutcomeInput, proof: bytes | None, *, by: User, now: dt.datetime | None = None
) -> RetiredOutcome:
    """Record one outcome of the buyer's retired equipment (one transaction)."""
    buyer = buyer_of(by)
    now = now or utcnow()
    if data.route not in {r.value for r in RetiredRoute}:
        raise ValidationError(_("Voie de sortie inconnue."), field="route")
    if data.reen_category not in {c.value for c in ReenCategory}:
        raise ValidationError(_("Catégorie REEN inconnue."), field="reen_category")
    if not data.outcome_on.year >= FIRST_YEAR or data.outcome_on > today(now):
        raise ValidationError(
            _("Date entre le 1er janvier %(year)s et aujourd'hui attendue.", year=FIRST_YEAR),
            field="outcome_on",
        )
    if not 0 < data.units <= MAX_UNITS:
        raise ValidationError(_("Le nombre d'unités doit être un entier positif."), field="units")
    receiver = data.receiver.strip()
    if not receiver or len(receiver) > 200:
        raise ValidationError(
            _("Indiquez le destinataire (200 caractères au plus)."), field="receiver"
        )
    if not data.in_scope:
        raise ValidationError(
            _(
                "Seuls les équipements de moins de dix ans à la réforme et sans information "
                "classifiée ou protégée comptent : confirmez-le, ou ne déclarez pas ce matériel."
            ),
            field="in_scope",
        )
    proof_name = None
    if proof:
        try:
            certificate = files.check_certificate(proof)
        except files.CertificateError as err:
            raise ValidationError(str(err), field="proof") from err
        proof_name = files.certificate_name(certificate)
        files.write_certificate(proof_name, certificate)
    outcome = RetiredOutcome(
        buyer_id=buyer.id,
        year=data.outcome_on.year,
        outcome_on=data.outcome_on,
        route=RetiredRoute(data.route),
        reen_category=ReenCategory(data.reen_category),
        units=data.units,
        receiver=receiver,
        reuse_committed=data.reuse_committed,
        proof_name=proof_name,
        created_by_id=by.id,
        created_at=now,
    )
    db.session.add(outcome)
    db.session.flush()
    record("retired_outcome.recorded", outcome, by=by, units=data.units, route=data.route)
    return outcome


def get_outcome_for(user: User, outcome_id: int) -> RetiredOutcome:
    """An outcome the person may read: its buyer's people and the coordinators; 404 for
    everybody else (a refurbisher or another buyer changing the id in the address)."""
    outcome = db.session.get(RetiredOutcome, outcome_id)
    if outcome is None:
        raise NotFoundError(_("Cette sortie de matériel réformé n'existe pas."))
    if user.role == Role.COORDINATOR:
        return outcome
    if user.role == Role.BUYER and outcome.buyer_id == user.organisation_id:
        return outcome
    raise NotFoundError(_("Cette sortie de matériel réformé n'existe pas."))


def outcomes_of(buyer_id: int) -> Sequence[RetiredOutcome]:
    return (
        db.session.execute(
            select(RetiredOutcome)
            .where(RetiredOutcome.buyer_id == buyer_id)
            .order_by(RetiredOutcome.outcome_on.desc(), RetiredOutcome.id.desc())
        )
        .scalars()
        .all()
    )
