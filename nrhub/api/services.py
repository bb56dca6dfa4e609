"""API use cases built on the catalogue's services and rules (never a copy of them):
create-or-replace a listing by SKU, and the all-or-nothing bulk stock sync."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update

from nrhub.access import require
from nrhub.api import schemas
from nrhub.audit.models import AuditEvent
from nrhub.auth.models import User
from nrhub.catalog import policy as catalog_policy
from nrhub.catalog import queries as catalog_queries
from nrhub.catalog import rules
from nrhub.catalog import services as catalog_services
from nrhub.catalog.models import Listing, ListingStatus
from nrhub.catalog.rules import ListingData
from nrhub.db import rows_changed, utcnow
from nrhub.errors import ConflictError, ValidationError
from nrhub.extensions import db

MAX_STOCK_ITEMS = 5000
_CHUNK = 500

# Catalogue rule field → API field name.
FIELD_NAMES = {"category_code": "category", "unit_price": "unit_price_ht", "tiers": "price_tiers"}


class FieldsError(ValidationError):
    """Several fields refused; ``errors`` maps API field paths to lists of French messages."""

    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        super().__init__(message or _("Les données envoyées sont invalides."))
        self.errors = errors


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


# Fields of the listing representation that a PUT cannot change.
READ_ONLY_FIELDS = ("id", "sku", "refurbisher", "created_at", "updated_at", "published_at")


def _tiers_above_one(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The body's tiers; a tier at 1 unit is the base price said again, and is dropped."""
    tiers = []
    for index, tier in enumerate(body["price_tiers"]):
        if tier["min_quantity"] == 1:
            if Decimal(tier["unit_price_ht"]) != Decimal(body["unit_price_ht"]):
                raise FieldsError(
                    {
                        f"price_tiers.{index}.unit_price_ht": [
                            "Un palier dès 1 unité est le prix unitaire de base "
                            f"({body['unit_price_ht']}) : indiquez ce prix ou retirez le palier."
                        ]
                    }
                )
            continue
        tiers.append((str(tier["min_quantity"]), str(tier["unit_price_ht"])))
    return tiers


def listing_data(sku: str, body: dict[str, Any]) -> ListingData:
    """Read an API listing body with the catalogue's own field rules (same messages)."""
    raw = {name: _text(body.get(name)) for name in body if name not in READ_ONLY_FIELDS}
    raw["sku"] = sku
    raw["category_code"] = raw.pop("category", "")
    raw["unit_price"] = raw.pop("unit_price_ht", "")
    tiers = _tiers_above_one(body)
    data, errors = rules.parse_listing(raw, tiers)
    if data is None:
        raise FieldsError({FIELD_NAMES.get(k, k): [v] for k, v in errors.items()})
    return data


def _same(value: Any, current: Any) -> bool:
    """Equal, timestamps compared as instants (``…+01:00`` = the same ``…Z``)."""
    if isinstance(value, str) and isinstance(current, str) and "T" in value:
        try:
            return dt.datetime.fromisoformat(value) == dt.datetime.fromisoformat(current)
        except ValueError:
            return False
    return bool(value == current)


def _reader(listing_id: int, by: User) -> Callable[[], dict[str, Any]]:
    """Reads the listing as the API shows it, when a read-only field needs comparing."""
    return lambda: schemas.ListingOut.of(
        catalog_queries.get_visible_listing(listing_id, by)
    ).model_dump()


def check_read_only(
    sku: str, shown: dict[str, Any], current: Callable[[], dict[str, Any]] | None
) -> None:
    """Read-only fields sent back as GET gave them are ignored; a different value is refused
    (422): ``sku`` must be the URL's, the others those of the stored listing (``current``
    gives its representation; None: the listing does not exist yet)."""
    errors: dict[str, list[str]] = {}
    if shown.get("sku") is not None and shown["sku"] != sku:
        errors["sku"] = [
            _(
                "La référence du corps (« %(sent)s ») doit être celle de l'adresse (« %(sku)s »).",
                sent=shown["sku"],
                sku=sku,
            )
        ]
    given = {n: shown[n] for n in READ_ONLY_FIELDS if n != "sku" and shown.get(n) is not None}
    if given and current is None:
        for name in given:
            errors[name] = [
                _("Champ en lecture seule : l'offre « %(sku)s » n'existe pas encore.", sku=sku)
            ]
    elif given and current is not None:
        stored = current()
        for name, value in given.items():
            if not _same(value, stored[name]):
                errors[name] = [
                    _(
                        "Champ en lecture seule : sa valeur diffère de celle de l'offre "
                        "(relisez-la avec GET)."
                    )
                ]
    if errors:
        raise FieldsError(errors)


def put_listing(
    sku: str,
    data: ListingData,
    status: str | None,
    *,
    by: User,
    shown: dict[str, Any] | None = None,
) -> tuple[int, bool]:
    """Create the listing of this SKU, or replace its fields; returns (its id, created).

    Goes through the catalogue's create and update services, so that the SKU, category,
    conditional stock write, status and audit rules are theirs. ``shown``: the read-only
    fields of the body, checked by :func:`check_read_only` before anything is written.
    """
    require(catalog_policy.can_sell(by))
    existing_id = db.session.execute(
        select(Listing.id).where(Listing.refurbisher_id == by.organisation_id, Listing.sku == sku)
    ).scalar_one_or_none()
    if shown:
        check_read_only(sku, shown, None if existing_id is None else _reader(existing_id, by))
    if existing_id is None:
        if status == ListingStatus.ARCHIVED:
            raise FieldsError({"status": [_("Une nouvelle offre est publiée ou en brouillon.")]})
        listing = catalog_services.create_listing(
            data, by=by, publish=status == ListingStatus.PUBLISHED
        )
        return listing.id, True
    listing = catalog_queries.get_listing_for_refurbisher(by, existing_id)
    if status == ListingStatus.DRAFT and listing.status != ListingStatus.DRAFT:
        raise FieldsError(
            {"status": [_("Une offre publiée ou archivée ne redevient pas un brouillon.")]}
        )
    new_status = ListingStatus(status) if status else None
    catalog_services.update_listing(listing, data, by=by, status=new_status)
    return listing.id, False


def sync_stock(items: list[tuple[str, int]], *, by: User) -> tuple[int, int]:
    """Set the free stock of many listings by SKU, all or nothing; returns (updated,
    unchanged). Unknown SKUs, repeated SKUs or refused quantities → per-item errors and
    nothing written. One bulk conditional UPDATE and one bulk audit INSERT."""
    require(catalog_policy.can_sell(by))
    if not 1 <= len(items) <= MAX_STOCK_ITEMS:
        raise FieldsError(
            {"items": [_("Entre 1 et %(maximum)s lignes par envoi.", maximum=MAX_STOCK_ITEMS)]}
        )
    org_id = by.organisation_id
    errors: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for index, (sku, quantity) in enumerate(items):
        try:
            rules.parse_count(str(quantity), "La quantité", maximum=1_000_000)
        except rules.FieldError as err:
            errors[f"items.{index}.quantity"] = [str(err)]
        if sku in seen:
            errors[f"items.{index}.sku"] = [
                _(
                    "La référence « %(sku)s » apparaît déjà à la ligne %(line)s.",
                    sku=sku,
                    line=seen[sku],
                )
            ]
        seen.setdefault(sku, index)
    current: dict[str, tuple[int, int]] = {}
    skus = list(seen)
    for start in range(0, len(skus), _CHUNK):
        rows = db.session.execute(
            select(Listing.sku, Listing.id, Listing.quantity).where(
                Listing.refurbisher_id == org_id, Listing.sku.in_(skus[start : start + _CHUNK])
            )
        )
        current.update({sku: (listing_id, qty) for sku, listing_id, qty in rows})
    for index, (sku, _quantity) in enumerate(items):
        if sku not in current:
            errors.setdefault(f"items.{index}.sku", []).append(
                _("Aucune de vos offres n'a la référence « %(sku)s ».", sku=sku)
            )
    if errors:
        raise FieldsError(
            errors, _("Certaines lignes sont refusées ; aucun stock n'a été modifié.")
        )
    now = utcnow()
    changes = [
        {"b_id": current[sku][0], "b_old": current[sku][1], "b_new": quantity}
        for sku, quantity in items
        if current[sku][1] != quantity
    ]
    if changes:
        table = Listing.__table__
        result = db.session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.quantity == bindparam("b_old"))
            .values(quantity=bindparam("b_new"), updated_at=now),
            changes,
        )
        sane = db.engine.dialect.supports_sane_multi_rowcount
        if sane and rows_changed(result) != len(changes):
            raise ConflictError(
                _(
                    "Le stock de certaines offres vient de changer (engagement dans une "
                    "campagne ?) : aucun stock n'a été modifié, renvoyez la synchronisation."
                )
            )
        base = {"actor_id": by.id, "organisation_id": org_id, "object_type": "listing", "at": now}
        audits = [
            base
            | {
                "object_id": change["b_id"],
                "action": "listing.quantity_changed",
                "details": {"old": change["b_old"], "new": change["b_new"], "source": "api"},
            }
            for change in changes
        ]
        audits.append(
            base
            | {
                "object_id": None,
                "action": "listing.stock_synced",
                "details": {"updated": len(changes), "unchanged": len(items) - len(changes)},
            }
        )
        db.session.execute(insert(AuditEvent.__table__), audits)
    return len(changes), len(items) - len(changes)
