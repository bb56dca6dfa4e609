"""Use cases of the donation lots, the retired stock and the hub's setting, inside the
caller's unit of work (they flush, or refuse before writing anything). The claims' use
cases live in :mod:`nrhub.donations.claims` and are re-exported here, so that views
import every use case from this module."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as n_
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from nrhub import photos
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.catalog.models import Category
from nrhub.db import rows_changed, utcnow
from nrhub.donations import claims
from nrhub.donations.models import (
    AgeBracket,
    ClaimStatus,
    DonationClaim,
    DonationLot,
    DonationLotPhoto,
    DonationSettings,
    LotCondition,
    LotStatus,
    ReenCategory,
    RetiredStock,
)
from nrhub.donations.policy import buyer_of, own_lot, today
from nrhub.donations.queries import has_locking_claim, lot_is_editable
from nrhub.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.mail import queue_mail
from nrhub.organisations import geo
from nrhub.organisations.queries import member_recipients

MAX_LOT_QUANTITY = 100_000
MAX_UNIT_WEIGHT_G = 500_000  # 500 kg: a server rack is the heaviest thing we expect
MAX_PHOTOS = photos.MAX_PHOTOS

claim_lot = claims.claim_lot
accept_claim = claims.accept_claim
refuse_claim = claims.refuse_claim
cancel_claim = claims.cancel_claim
record_pickup = claims.record_pickup
record_outcome = claims.record_outcome


# ---------------------------------------------------------------------------- lots


@dataclass(frozen=True)
class LotData:
    category_code: str
    quantity: int
    age_bracket: AgeBracket
    condition: LotCondition
    unit_weight_g: int
    pickup_address: str
    pickup_postcode: str
    pickup_city: str
    available_from: dt.date
    available_until: dt.date
    data_wiping_required: bool = True
    description: str = ""


def _check_lot(data: LotData, today: dt.date) -> tuple[int, str]:
    category_id = db.session.execute(
        select(Category.id).where(Category.code == data.category_code)
    ).scalar_one_or_none()
    if category_id is None:
        raise ValidationError(_("Catégorie inconnue."), field="category_code")
    if not 1 <= data.quantity <= MAX_LOT_QUANTITY:
        raise ValidationError(
            _("La quantité doit être comprise entre 1 et %(max)d.", max=MAX_LOT_QUANTITY),
            field="quantity",
        )
    if data.age_bracket not in set(AgeBracket):
        raise ValidationError(_("Tranche d'âge inconnue."), field="age_bracket")
    if data.condition not in set(LotCondition):
        raise ValidationError(_("État inconnu."), field="condition")
    if not 0 < data.unit_weight_g <= MAX_UNIT_WEIGHT_G:
        raise ValidationError(
            _("Le poids estimé d'une unité doit être compris entre 0,001 et 500 kg."),
            field="unit_weight_kg",
        )
    if not data.pickup_address.strip() or not data.pickup_city.strip():
        raise ValidationError(_("Indiquez l'adresse d'enlèvement."), field="pickup_address")
    department = geo.department_from_postcode(data.pickup_postcode)
    if department is None:
        raise ValidationError(
            _("Code postal inconnu : 5 chiffres, par exemple 35500."), field="pickup_postcode"
        )
    if data.available_until < data.available_from:
        raise ValidationError(
            _("La fin de disponibilité précède son début."), field="available_until"
        )
    if data.available_until < today:
        raise ValidationError(
            _("La date de fin de disponibilité est déjà passée."), field="available_until"
        )
    return category_id, department


def _lot_values(data: LotData, on: dt.date) -> dict[str, Any]:
    """The columns a donor fills in, checked and normalised (creation and correction)."""
    category_id, department = _check_lot(data, on)
    return {
        "category_id": category_id,
        "description": data.description.strip()[:5000],
        "quantity": data.quantity,
        "age_bracket": data.age_bracket,
        "condition": data.condition,
        "unit_weight_g": data.unit_weight_g,
        "pickup_address": data.pickup_address.strip()[:300],
        "pickup_postcode": data.pickup_postcode.strip(),
        "pickup_city": data.pickup_city.strip()[:120],
        "department_code": department,
        "region_code": geo.region_of(department),
        "available_from": data.available_from,
        "available_until": data.available_until,
        "data_wiping_required": data.data_wiping_required,
    }


def create_lot(data: LotData, *, by: User, now: dt.datetime | None = None) -> DonationLot:
    """A buyer offers retired equipment; the lot first reaches its department's refurbishers."""
    donor = buyer_of(by)
    now = now or utcnow()
    lot = DonationLot(
        donor_id=donor.id,
        created_by_id=by.id,
        remaining_quantity=data.quantity,
        created_at=now,
        reach_changed_at=now,
        **_lot_values(data, today(now)),
    )
    db.session.add(lot)
    db.session.flush()
    record("donation_lot.created", lot, by=by, quantity=lot.quantity, age=lot.age_bracket)
    return lot


def withdraw_lot(lot: DonationLot, *, by: User, now: dt.datetime | None = None) -> DonationLot:
    """The donor withdraws its lot; pending claims are refused. Refused once a claim was
    accepted: the donor then refuses or lets that refurbisher come."""
    own_lot(lot, by)
    lot = claims.lock_lot(lot.id)  # no claim nor answer lands meanwhile
    if lot.status != LotStatus.OPEN:
        raise ConflictError(_("Ce lot est déjà retiré."))
    if has_locking(lot.id):
        raise ConflictError(
            _("Une réservation de ce lot est acceptée ou enlevée : il ne peut plus être retiré.")
        )
    now = now or utcnow()
    withdrawn = db.session.execute(
        update(DonationLot)
        .where(DonationLot.id == lot.id, DonationLot.status == LotStatus.OPEN)
        .values(status=LotStatus.WITHDRAWN)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(withdrawn) != 1:
        raise ConflictError(_("Ce lot est déjà retiré."))
    refused = db.session.execute(
        select(DonationClaim.id, DonationClaim.refurbisher_id, DonationClaim.quantity)
        .where(DonationClaim.lot_id == lot.id, DonationClaim.status == ClaimStatus.PENDING)
        .order_by(DonationClaim.id)
    ).all()
    reason = _("Lot retiré par la collectivité.")
    if refused:
        db.session.execute(
            update(DonationClaim)
            .where(
                DonationClaim.id.in_([c.id for c in refused]),
                DonationClaim.status == ClaimStatus.PENDING,
            )
            .values(
                status=ClaimStatus.REFUSED,
                decided_at=now,
                decided_by_id=by.id,
                refusal_reason=reason,
            )
            .execution_options(synchronize_session=False)
        )
        # As a refusal does, the units go back: the lot holds none for a refused claim.
        db.session.execute(
            update(DonationLot)
            .where(DonationLot.id == lot.id)
            .values(
                remaining_quantity=DonationLot.remaining_quantity + sum(c.quantity for c in refused)
            )
            .execution_options(synchronize_session=False)
        )
    db.session.expire_all()
    record("donation_lot.withdrawn", lot, by=by, claims_refused=len(refused))
    recipients = member_recipients({c.refurbisher_id for c in refused})
    for org_id in sorted(recipients):  # one message per refurbisher: no address is shared
        queue_mail(
            recipients[org_id],
            _l("Lot de réemploi retiré par %(donor)s", donor=by.organisation.name),
            "donation_claim_decided",
            lot=lot,
            donor=by.organisation,
            accepted=False,
            reason=reason,
        )
    return lot


def has_locking(lot_id: int) -> bool:
    return bool(db.session.execute(select(has_locking_claim(lot_id))).scalar_one())


def check_lot_editable(lot: DonationLot) -> None:
    """The donor may edit an open lot (and its photos) until it accepts a claim on it."""
    if lot.status != LotStatus.OPEN:
        raise ConflictError(_("Ce lot est retiré : il ne peut plus être modifié."))
    if not lot_is_editable(lot):
        raise ConflictError(
            _(
                "Une réservation de ce lot a été acceptée : il ne peut plus être modifié, "
                "pour que le reconditionneur trouve ce qui lui a été promis."
            )
        )


def _held_units_error(held: int) -> ValidationError:
    return ValidationError(
        n_(
            "%(num)d unité de ce lot est déjà réservée : la quantité ne peut pas être "
            "inférieure à %(num)d.",
            "%(num)d unités de ce lot sont déjà réservées : la quantité ne peut pas être "
            "inférieure à %(num)d.",
            held,
        ),
        field="quantity",
    )


def update_lot(
    lot: DonationLot, data: LotData, *, by: User, now: dt.datetime | None = None
) -> DonationLot:
    """The donor corrects its lot while it is open and no claim on it was accepted.

    The quantity may not go below the units held by pending claims; the units not
    reserved follow the new quantity. One conditional UPDATE re-checks both rules, so a
    claim or an acceptance that lands meanwhile cannot be overtaken. The reach stays.
    """
    own_lot(lot, by)
    lot = claims.lock_lot(lot.id)
    check_lot_editable(lot)
    values = _lot_values(data, today(now or utcnow()))
    held = lot.quantity - lot.remaining_quantity
    if data.quantity < held:
        raise _held_units_error(held)
    changes = {
        name: [getattr(lot, name), value]
        for name, value in values.items()
        if getattr(lot, name) != value
    }
    result = db.session.execute(
        update(DonationLot)
        .where(
            DonationLot.id == lot.id,
            DonationLot.status == LotStatus.OPEN,
            DonationLot.quantity - DonationLot.remaining_quantity <= data.quantity,
            ~has_locking_claim(lot.id),
        )
        .values(
            remaining_quantity=DonationLot.remaining_quantity
            + (data.quantity - DonationLot.quantity),
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    if rows_changed(result) != 1:  # the lock makes this rare
        db.session.refresh(lot)
        check_lot_editable(lot)
        held = lot.quantity - lot.remaining_quantity
        if data.quantity < held:
            raise _held_units_error(held)
        raise ConflictError(_("Ce lot vient de changer : vérifiez-le et recommencez."))
    db.session.expire(lot)
    record("donation_lot.updated", lot, by=by, changes=changes)
    return lot


def remove_lot_photo(lot: DonationLot, photo_id: int, *, by: User) -> None:
    """The donor removes a photo of its lot while the lot is editable; the files go once
    the removal is committed."""
    own_lot(lot, by)
    lot = claims.lock_lot(lot.id)
    photo = db.session.execute(
        select(DonationLotPhoto).where(
            DonationLotPhoto.id == photo_id, DonationLotPhoto.lot_id == lot.id
        )
    ).scalar_one_or_none()
    if photo is None:
        raise NotFoundError(_("Cette photo n'existe pas."))
    check_lot_editable(lot)
    photos.delete_photo(photo)
    record("donation_lot.photo_removed", lot, by=by, photo_id=photo_id)


def add_lot_photo(
    lot: DonationLot, data: bytes, *, by: User, alt_text: str = ""
) -> DonationLotPhoto:
    """A photo of the lot (JPEG, PNG or WebP, checked by decoding, 5 per lot)."""
    own_lot(lot, by)
    lot = claims.lock_lot(lot.id)  # two uploads at once count each other
    count, last = photos.count_and_last_position(DonationLotPhoto, DonationLotPhoto.lot_id, lot.id)
    if count >= MAX_PHOTOS:
        raise ValidationError(_("Un lot a au plus %(n)d photos.", n=MAX_PHOTOS), field="photo")
    photo = photos.add_photo(
        DonationLotPhoto,
        photos.check_image(data),
        lot_id=lot.id,
        alt_text=alt_text.strip()[:200] or _("Photo du lot n° %(id)d", id=lot.id),
        position=last + 1,
    )
    record("donation_lot.photo_added", lot, by=by, photo_id=photo.id)
    return photo


# ---------------------------------------------------------------------------- retired stock


def save_retired_stock(
    year: int,
    units: int,
    weight_kg: int | None,
    *,
    by: User,
    reen_category: str,
    in_scope: bool,
    now: dt.datetime | None = None,
) -> RetiredStock:
    """Declare (or correct) the buyer's retired stock of one REEN category at 1 January of
    ``year``: only equipment under ten years at retirement and holding no classified or
    specially protected information, which the buyer confirms (``in_scope``)."""
    buyer = buyer_of(by)
    now = now or utcnow()
    if not 2000 <= year <= today(now).year + 1:
        raise ValidationError(
            _("Année entre 2000 et %(max)d attendue.", max=today(now).year + 1), field="year"
        )
    if reen_category not in {c.value for c in ReenCategory}:
        raise ValidationError(_("Catégorie REEN inconnue."), field="reen_category")
    category = ReenCategory(reen_category)
    if not in_scope:
        raise ValidationError(
            _(
                "Ne comptez que le matériel de moins de dix ans à la réforme et sans "
                "information classifiée ou protégée : confirmez-le."
            ),
            field="in_scope",
        )
    if units < 0:
        raise ValidationError(_("Le nombre d'unités ne peut pas être négatif."), field="units")
    if weight_kg is not None and weight_kg < 0:
        raise ValidationError(_("Le poids ne peut pas être négatif."), field="weight_kg")
    stock = _retired_stock(buyer.id, year, category)
    old = None if stock is None else (stock.units, stock.weight_kg)
    if stock is None:
        try:
            with db.session.begin_nested():  # a first declaration sent twice at once
                stock = RetiredStock(
                    buyer_id=buyer.id, year=year, reen_category=category, units=units
                )
                db.session.add(stock)
                db.session.flush()
        except IntegrityError:
            stock = _retired_stock(buyer.id, year, category)
            assert stock is not None
            old = (stock.units, stock.weight_kg)
    stock.units = units
    stock.weight_kg = weight_kg
    stock.updated_at = now
    stock.updated_by_id = by.id
    db.session.flush()
    record(
        "retired_stock.saved",
        stock,
        by=by,
        year=year,
        reen_category=category.value,
        units=units,
        weight_kg=weight_kg,
        old=old,
    )
    return stock


def _retired_stock(buyer_id: int, year: int, category: ReenCategory) -> RetiredStock | None:
    return db.session.execute(
        select(RetiredStock).where(
            RetiredStock.buyer_id == buyer_id,
            RetiredStock.year == year,
            RetiredStock.reen_category == category,
        )
    ).scalar_one_or_none()


# ---------------------------------------------------------------------------- settings


def current_settings() -> DonationSettings:
    """The hub's settings row (created with its defaults on first use)."""
    settings = (
        db.session.execute(select(DonationSettings).order_by(DonationSettings.id)).scalars().first()
    )
    if settings is None:
        settings = DonationSettings()
        db.session.add(settings)
        db.session.flush()
    return settings


def save_settings(widen_after_days: int, *, by: User) -> DonationSettings:
    """The coordinator sets after how many days an unclaimed lot reaches further."""
    if not by.is_coordinator:
        raise PermissionDeniedError(_("Seule la coordination règle la centrale."))
    if not 1 <= widen_after_days <= 365:
        raise ValidationError(
            _("Un délai entre 1 et 365 jours est attendu."), field="widen_after_days"
        )
    settings = current_settings()
    old = settings.widen_after_days
    settings.widen_after_days = widen_after_days
    record("donation_settings.saved", settings, by=by, old=old, new=widen_after_days)
    return settings
