"""Use cases of the catalogue: refurbishers create, edit, publish and archive listings,
add photos and import their stock. They write inside the caller's unit of work
(:mod:`nrhub.transactions`); every change of quantity or price is written to the audit log
with its old and new values."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from types import EllipsisType
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from nrhub import photos
from nrhub.access import require
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.catalog import importing, origins, policy
from nrhub.catalog.models import Category, Listing, ListingPhoto, ListingStatus, PriceTier
from nrhub.catalog.rules import ListingData
from nrhub.db import rows_changed, utcnow
from nrhub.errors import ConflictError, NotFoundError, ValidationError
from nrhub.extensions import db
from nrhub.organisations.models import Organisation

MAX_PHOTOS = photos.MAX_PHOTOS

# Re-exported so that views import the import use cases from the services module.
preview_import = importing.preview_import
apply_import = importing.apply_import


class ListingValidationError(ValidationError):
    """Several fields refused at once: ``errors`` maps field names to French messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()), field=next(iter(errors), None))
        self.errors = errors


def _refurbisher_of(by: User) -> Organisation:
    require(policy.can_sell(by))
    return by.organisation


def _own(listing: Listing, by: User) -> None:
    """Another refurbisher's listing is reported as missing, never as forbidden."""
    require(policy.can_manage_listing(by, listing))


def _category_id(code: str) -> int:
    category_id = db.session.execute(
        select(Category.id).where(Category.code == code)
    ).scalar_one_or_none()
    if category_id is None:
        raise ListingValidationError({"category_code": "Catégorie inconnue."})
    return category_id


def _check_sku_free(refurbisher_id: int, sku: str, except_id: int | None = None) -> None:
    stmt = select(Listing.id).where(Listing.refurbisher_id == refurbisher_id, Listing.sku == sku)
    if except_id is not None:
        stmt = stmt.where(Listing.id != except_id)
    if db.session.execute(stmt).first() is not None:
        raise ListingValidationError(
            {"sku": f"La référence « {sku} » est déjà utilisée par une autre de vos offres."}
        )


_PLAIN_FIELDS = tuple(
    f.name for f in dataclasses.fields(ListingData) if f.name not in ("category_code", "tiers")
)


def _tiers_of(listing: Listing) -> list[list[str]]:
    return [[str(t.min_quantity), str(t.unit_price)] for t in listing.tiers]


def _flush_or_sku_error(sku: str) -> None:
    """Write the pending rows; a listing given the same SKU by a parallel request is the
    field's error (in a savepoint, so that the request's transaction stays usable)."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as err:
        raise ListingValidationError(
            {"sku": f"La référence « {sku} » est déjà utilisée par une autre de vos offres."}
        ) from err


def _check_donation_lot(refurbisher_id: int, lot_id: int | None) -> None:
    """A listing may name as origin only a donated lot its refurbisher picked up."""
    if lot_id is None:
        return
    if lot_id not in {i for i, _label in origins.lots_picked_up_by(refurbisher_id)}:
        raise ListingValidationError(
            {"donation_lot_id": "Choisissez un lot de réemploi que votre structure a enlevé."}
        )


def create_listing(
    data: ListingData, *, by: User, publish: bool = False, donation_lot_id: int | None = None
) -> Listing:
    """A new listing of the person's refurbisher, as a draft unless ``publish``; its units
    may come from a donated lot the refurbisher picked up (``donation_lot_id``)."""
    refurbisher = _refurbisher_of(by)
    category_id = _category_id(data.category_code)
    _check_sku_free(refurbisher.id, data.sku)
    _check_donation_lot(refurbisher.id, donation_lot_id)
    now = utcnow()
    listing = Listing(
        refurbisher_id=refurbisher.id,
        category_id=category_id,
        status=ListingStatus.PUBLISHED if publish else ListingStatus.DRAFT,
        published_at=now if publish else None,
        donation_lot_id=donation_lot_id,
        created_at=now,
        updated_at=now,
        **{name: getattr(data, name) for name in _PLAIN_FIELDS},
    )
    listing.tiers = [
        PriceTier(min_quantity=t.min_quantity, unit_price=t.unit_price) for t in data.tiers
    ]
    db.session.add(listing)
    _flush_or_sku_error(data.sku)
    record(
        "listing.created",
        listing,
        by=by,
        sku=data.sku,
        quantity=data.quantity,
        unit_price=data.unit_price,
        tiers=[[t.min_quantity, t.unit_price] for t in data.tiers],
        status=listing.status,
    )
    db.session.flush()
    return listing


def update_listing(
    listing: Listing,
    data: ListingData,
    *,
    by: User,
    status: ListingStatus | None = None,
    donation_lot_id: int | EllipsisType | None = ...,
) -> Listing:
    """Change a listing's fields; quantity and price changes are audited with old and new
    values. The free stock is written with a conditional UPDATE, so that units committed
    to a campaign meanwhile are not silently given back. A ``status`` (published or
    archived) is applied in the same transaction, and so is a ``donation_lot_id`` (the
    origin; ``...`` leaves it unchanged)."""
    _own(listing, by)
    category_id = _category_id(data.category_code)
    _check_sku_free(listing.refurbisher_id, data.sku, except_id=listing.id)
    if donation_lot_id is not ... and donation_lot_id != listing.donation_lot_id:
        _check_donation_lot(listing.refurbisher_id, donation_lot_id)
    old_quantity = listing.quantity
    old_price = listing.unit_price
    old_tiers = _tiers_of(listing)
    new_tiers = [[str(t.min_quantity), str(t.unit_price)] for t in data.tiers]
    changed = [
        name
        for name in _PLAIN_FIELDS
        if name != "quantity" and getattr(listing, name) != getattr(data, name)
    ]
    if listing.category_id != category_id:
        changed.append("category")
    if donation_lot_id is not ... and donation_lot_id != listing.donation_lot_id:
        changed.append("donation_lot")
        listing.donation_lot_id = donation_lot_id
    for name in _PLAIN_FIELDS:
        if name != "quantity":
            setattr(listing, name, getattr(data, name))
    listing.category_id = category_id
    if old_tiers != new_tiers:
        listing.tiers.clear()
        db.session.flush()  # delete the old tiers before inserting ones with the same minimum
        listing.tiers.extend(
            PriceTier(min_quantity=t.min_quantity, unit_price=t.unit_price) for t in data.tiers
        )
    listing.updated_at = utcnow()
    _flush_or_sku_error(data.sku)
    if data.quantity != old_quantity:
        _set_quantity(listing, old_quantity, data.quantity)
        record("listing.quantity_changed", listing, by=by, old=old_quantity, new=data.quantity)
    if data.unit_price != old_price or old_tiers != new_tiers:
        record(
            "listing.price_changed",
            listing,
            by=by,
            old=old_price,
            new=data.unit_price,
            old_tiers=old_tiers,
            new_tiers=new_tiers,
        )
    if changed:
        record("listing.updated", listing, by=by, fields=sorted(changed))
    if status in (ListingStatus.PUBLISHED, ListingStatus.ARCHIVED):
        _change_status(listing, status, by=by)
    db.session.flush()
    return listing


def _set_quantity(listing: Listing, old: int, new: int) -> None:
    result = db.session.execute(
        update(Listing)
        .where(Listing.id == listing.id, Listing.quantity == old)
        .values(quantity=new)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(result) != 1:
        raise ConflictError(
            _(
                "Le stock de cette offre vient de changer (engagement dans une campagne ?) : "
                "rechargez la page et recommencez."
            )
        )
    set_committed_value(listing, "quantity", new)


def publish_listing(listing: Listing, *, by: User) -> Listing:
    """Show a draft or archived listing in the catalogue."""
    _own(listing, by)
    _change_status(listing, ListingStatus.PUBLISHED, by=by)
    db.session.flush()
    return listing


def archive_listing(listing: Listing, *, by: User) -> Listing:
    """Withdraw a listing from the catalogue; it stays in the refurbisher's list."""
    _own(listing, by)
    _change_status(listing, ListingStatus.ARCHIVED, by=by)
    db.session.flush()
    return listing


def _change_status(listing: Listing, status: ListingStatus, *, by: User) -> None:
    """Publish or archive (audited), as one conditional UPDATE from the status read: a
    listing changed meanwhile by another request is a conflict, never overwritten. No-op
    when the listing already has that status."""
    old = ListingStatus(listing.status)
    if old == status:
        return
    now = utcnow()
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status == ListingStatus.PUBLISHED:
        values["published_at"] = now
    moved = db.session.execute(
        update(Listing)
        .where(Listing.id == listing.id, Listing.status == old)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(moved) != 1:
        raise ConflictError(
            _("Cette offre vient d'être publiée ou retirée par ailleurs : rechargez la page.")
        )
    for name, value in values.items():
        set_committed_value(listing, name, value)
    record(f"listing.{status.value}", listing, by=by, old_status=old)


def add_photo(listing: Listing, data: bytes, *, by: User, alt_text: str = "") -> ListingPhoto:
    """Add a photo (JPEG, PNG or WebP, checked by decoding, at most 5 MB, 5 per listing)."""
    _own(listing, by)
    count, last = photos.count_and_last_position(ListingPhoto, ListingPhoto.listing_id, listing.id)
    if count >= MAX_PHOTOS:
        raise ValidationError(_("Une offre a au plus %(n)s photos.", n=MAX_PHOTOS), field="photo")
    photo = photos.add_photo(
        ListingPhoto,
        photos.check_image(data),
        listing_id=listing.id,
        alt_text=alt_text.strip()[:200] or listing.title,
        position=last + 1,
    )
    record(
        "listing.photo_added", listing, by=by, photo_id=photo.id, content_type=photo.content_type
    )
    return photo


def remove_photo(listing: Listing, photo_id: int, *, by: User) -> None:
    _own(listing, by)
    photo = db.session.execute(
        select(ListingPhoto).where(
            ListingPhoto.id == photo_id, ListingPhoto.listing_id == listing.id
        )
    ).scalar_one_or_none()
    if photo is None:
        raise NotFoundError(_("Cette photo n'existe pas."))
    photos.delete_photo(photo)
    record("listing.photo_removed", listing, by=by, photo_id=photo_id)


def listing_form_values(listing: Listing) -> dict[str, Any]:
    """The listing's fields as the form shows them (French decimal comma)."""
    values: dict[str, Any] = {name: getattr(listing, name) for name in _PLAIN_FIELDS}
    values["category_code"] = listing.category.code
    for name, value in values.items():
        if isinstance(value, Decimal):
            values[name] = str(value).replace(".", ",")
    return values
