"""Maintenance and extended-warranty offers of a listing: use cases and reads.

Kept apart from the repair requests so that the campaigns and consolidation areas can use
them without importing the deliveries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import exists, select

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns.models import OrderLine
from nrhub.catalog.models import Listing
from nrhub.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.repairs.models import MaintenanceKind, MaintenanceOffer
from nrhub.security import Role

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


def _require_owner(listing: Listing, by: User) -> None:
    if not (by.is_active_member and by.role == Role.REFURBISHER):
        raise PermissionDeniedError(_("Seul le reconditionneur de l'offre gère sa maintenance."))
    if listing.refurbisher_id != by.organisation_id:
        raise NotFoundError(_("Offre introuvable."))


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
    _require_owner(listing, by)
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
    db.session.commit()
    return offer


def update_maintenance_offer(
    listing: Listing, offer: MaintenanceOffer, data: MaintenanceData, *, by: User
) -> MaintenanceOffer:
    """Change an offer; order lines that chose it keep the price they were given."""
    _require_owner(listing, by)
    if offer.listing_id != listing.id:
        raise NotFoundError(_("Prestation introuvable."))
    _check(data)
    offer.kind = MaintenanceKind(data.kind)
    offer.duration_months = data.duration_months
    offer.unit_price = data.unit_price
    offer.coverage = data.coverage.strip()
    offer.is_active = data.is_active
    record("maintenance.updated", offer, by=by, listing_id=listing.id, price=data.unit_price)
    db.session.commit()
    return offer


def delete_maintenance_offer(listing: Listing, offer: MaintenanceOffer, *, by: User) -> None:
    """Delete an offer never chosen on an order; a chosen one can only be deactivated."""
    _require_owner(listing, by)
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
    db.session.commit()


# --- Reads ------------------------------------------------------------------------------


def list_for_listing(listing_id: int, *, active_only: bool = True) -> list[MaintenanceOffer]:
    query = select(MaintenanceOffer).where(MaintenanceOffer.listing_id == listing_id)
    if active_only:
        query = query.where(MaintenanceOffer.is_active.is_(True))
    return list(
        db.session.execute(
            query.order_by(MaintenanceOffer.duration_months, MaintenanceOffer.id)
        ).scalars()
    )


def active_by_listing(listing_ids: Iterable[int]) -> dict[int, list[MaintenanceOffer]]:
    """The active offers of several listings in one query, by listing id."""
    ids = sorted(set(listing_ids))
    result: dict[int, list[MaintenanceOffer]] = defaultdict(list)
    if not ids:
        return result
    for offer in db.session.execute(
        select(MaintenanceOffer)
        .where(MaintenanceOffer.listing_id.in_(ids), MaintenanceOffer.is_active.is_(True))
        .order_by(MaintenanceOffer.duration_months, MaintenanceOffer.id)
    ).scalars():
        result[offer.listing_id].append(offer)
    return result


def by_ids(ids: Iterable[int]) -> dict[int, MaintenanceOffer]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {
        o.id: o
        for o in db.session.execute(
            select(MaintenanceOffer).where(MaintenanceOffer.id.in_(wanted))
        ).scalars()
    }


def get_for_listing(listing: Listing, offer_id: int) -> MaintenanceOffer:
    offer = db.session.get(MaintenanceOffer, offer_id)
    if offer is None or offer.listing_id != listing.id:
        raise NotFoundError(_("Prestation introuvable."))
    return offer


def check_choices(
    choices: Mapping[int, int | None], listing_of_offer: Mapping[int, int]
) -> dict[int, MaintenanceOffer | None]:
    """Campaign offer id → chosen maintenance offer, checked: active, of that listing.

    ``listing_of_offer`` maps each campaign offer to its listing. Raises a
    ValidationError (field ``mnt_<offer id>``) on any other choice.
    """
    offers = by_ids(v for v in choices.values() if v)
    checked: dict[int, MaintenanceOffer | None] = {}
    for offer_id, maintenance_id in choices.items():
        if not maintenance_id:
            checked[offer_id] = None
            continue
        maintenance = offers.get(maintenance_id)
        if (
            maintenance is None
            or not maintenance.is_active
            or maintenance.listing_id != listing_of_offer.get(offer_id)
        ):
            raise ValidationError(
                _("Cette prestation de maintenance n'est pas proposée avec cette offre."),
                field=f"mnt_{offer_id}",
            )
        checked[offer_id] = maintenance
    return checked


def kind_choices() -> Sequence[tuple[str, str]]:
    return [
        (MaintenanceKind.MAINTENANCE.value, _("Maintenance")),
        (MaintenanceKind.EXTENDED_WARRANTY.value, _("Extension de garantie")),
    ]
