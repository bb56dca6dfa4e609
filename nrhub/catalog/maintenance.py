"""Maintenance and extended-warranty offers of a listing: the reads that campaigns,
consolidation and repairs share (the use cases that change them are in
nrhub/repairs/maintenance.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from nrhub.catalog.models import (
    Listing,
    MaintenanceKind,
    MaintenanceOffer,
    maintenance_designation,
)
from nrhub.errors import NotFoundError, ValidationError
from nrhub.extensions import db


def list_for_listing(listing_id: int, *, active_only: bool = True) -> list[MaintenanceOffer]:
    query = select(MaintenanceOffer).where(MaintenanceOffer.listing_id == listing_id)
    if active_only:
        query = query.where(MaintenanceOffer.is_active.is_(True))
    return list(
        db.session.execute(
            query.order_by(MaintenanceOffer.duration_months, MaintenanceOffer.id)
        ).scalars()
    )


@dataclass(frozen=True, slots=True)
class MaintenanceChoice:
    """An active maintenance offer as the campaign pages show it: plain values, which the
    pages keep from one request to the next (see nrhub.campaigns.queries)."""

    id: int
    listing_id: int
    kind: str
    duration_months: int
    unit_price: Decimal
    coverage: str

    @property
    def designation(self) -> str:
        return maintenance_designation(self.kind, self.duration_months)


_ACTIVE_BY_LISTING = (
    select(
        MaintenanceOffer.id,
        MaintenanceOffer.listing_id,
        MaintenanceOffer.kind,
        MaintenanceOffer.duration_months,
        MaintenanceOffer.unit_price,
        MaintenanceOffer.coverage,
    )
    .where(
        MaintenanceOffer.listing_id.in_(bindparam("listing_ids", expanding=True)),
        MaintenanceOffer.is_active.is_(True),
    )
    .order_by(MaintenanceOffer.duration_months, MaintenanceOffer.id)
)


def active_by_listing(listing_ids: Iterable[int]) -> dict[int, list[MaintenanceChoice]]:
    """The active offers of several listings in one query, by listing id."""
    ids = sorted(set(listing_ids))
    result: dict[int, list[MaintenanceChoice]] = defaultdict(list)
    if not ids:
        return result
    for row in db.session.execute(_ACTIVE_BY_LISTING, {"listing_ids": ids}):
        result[row.listing_id].append(MaintenanceChoice(*row))
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
