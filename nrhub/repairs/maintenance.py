"""Maintenance and extended-warranty offers of a listing: use cases and reads.

Kept apart from the repair requests so that the campaigns and consolidation areas can use
them without importing the deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import exists, select

from nrhub.access import require
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns.models import OrderLine
from nrhub.catalog import policy
from nrhub.catalog.models import Listing, MaintenanceKind, MaintenanceOffer
from nrhub.errors import ConflictError, NotFoundError, ValidationError
from nrhub.extensions import db

MAX_DURATION_MONTHS = 120
MAX_PRICE = Decimal("100000.00")
MAX_COVERAGE_LENGTH = 2_000


@dataclass(frozen=True)
class MaintenanceData:
    kind: MaintenanceKind
    duration_months: int
    unit_price: Decimal
    coverage: str
    is_active: bool = True


def _check(data: MaintenanceData) -> None:
    if data.kind not in set(MaintenanceKind):
        raise ValidationError(_("Type de prestation inconnu."), field="kind")
    if not 1 <= data.duration_months <= MAX_DURATION_MONTHS:
        raise ValidationError(
            _("La durée doit être comprise entre 1 et %(max)d mois.", max=MAX_DURATION_MONTHS),
            field="duration_months",
        )
    if not Decimal("0") < data.unit_price <= MAX_PRICE:
        raise ValidationError(
            _("Le prix HT par unité doit être positif et réaliste."), field="unit_price"
        )
    if not data.coverage.strip():
        raise ValidationError(_("Décrivez ce qui est couvert."), field="coverage")
    if len(data.coverage) > MAX_COVERAGE_LENGTH:
        raise ValidationError(
            _("La description est trop longue (2 000 caractères au plus)."), field="coverage"
        )


def create_maintenance_offer(
    listing: Listing, data: MaintenanceData, *, by: User
) -> MaintenanceOffer:
    """The listing's refurbisher adds a maintenance or extended-warranty offer."""
    require(policy.can_manage_maintenance(by, listing))
    _check(data)
    offer = MaintenanceOffer(
        listing_id=listing.id,
        refurbisher_id=listing.refurbisher_id,
        kind=MaintenanceKind(data.kind),
        duration_months=data.duration_months,
        unit_price=data.unit_price,
        coverage=data.coverage.strip(),
        is_active=data.is_active,
    )
    db.session.add(offer)
    db.session.flush()
    record("maintenance.created", offer, by=by, listing_id=listing.id, price=data.unit_price)
    db.session.flush()
    return offer


def update_maintenance_offer(
    listing: Listing, offer: MaintenanceOffer, data: MaintenanceData, *, by: User
) -> MaintenanceOffer:
    """Change an offer; order lines that chose it keep the price they were given."""
    require(policy.can_manage_maintenance(by, listing))
    if offer.listing_id != listing.id:
        raise NotFoundError(_("Prestation introuvable."))
    _check(data)
    offer.kind = MaintenanceKind(data.kind)
    offer.duration_months = data.duration_months
    offer.unit_price = data.unit_price
    offer.coverage = data.coverage.strip()
    offer.is_active = data.is_active
    record("maintenance.updated", offer, by=by, listing_id=listing.id, price=data.unit_price)
    db.session.flush()
    return offer


def delete_maintenance_offer(listing: Listing, offer: MaintenanceOffer, *, by: User) -> None:
    """Delete an offer never chosen on an order; a chosen one can only be deactivated."""
    require(policy.can_manage_maintenance(by, listing))
    if offer.listing_id != listing.id:
        raise NotFoundError(_("Prestation introuvable."))
    used = db.session.execute(
        select(exists().where(OrderLine.maintenance_offer_id == offer.id))
    ).scalar_one()
    if used:
        raise ConflictError(
            _("Cette prestation a été choisie dans une commande : désactivez-la plutôt.")
        )
    record("maintenance.deleted", offer, by=by, listing_id=listing.id)
    db.session.delete(offer)
    db.session.flush()
