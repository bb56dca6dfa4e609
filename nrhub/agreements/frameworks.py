"""Use cases of the framework agreements (accords-cadres): the coordination records them,
their lots and the lots' holders; campaigns under a lot call on them.

The amount ordered under an agreement and under each of its lots is kept in one counter
per row, moved by conditional UPDATEs (``ordered_amount + delta <= maximum``): of two
orders that would together pass a maximum, the second finds the counter moved and is
refused, on PostgreSQL (the row is locked by the first until it commits) as on SQLite
(writers are serialised). The agreement's row is always changed before the lot's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from nrhub.access import require
from nrhub.agreements import policy
from nrhub.agreements.models import (
    Ccag,
    FrameworkAgreement,
    FrameworkLot,
    FrameworkLotHolder,
    Procedure,
)
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.catalog.models import Category
from nrhub.db import rows_changed, utcnow
from nrhub.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.formatting import format_money
from nrhub.organisations.models import Organisation, OrgKind

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,11}$")
CPV = re.compile(r"^[0-9]{8}-[0-9]$")
MAX_AMOUNT = Decimal("999999999.99")


@dataclass(frozen=True)
class FrameworkData:
    title: str
    reference: str
    procedure: Procedure
    awarded_on: dt.date
    duration_months: int
    maximum_amount: Decimal
    ccag: Ccag


@dataclass(frozen=True)
class LotData:
    number: int
    title: str
    cpv_code: str
    maximum_amount: Decimal | None = None
    category_ids: Sequence[int] = ()


def _framework_values(data: FrameworkData) -> dict[str, object]:
    title = data.title.strip()
    reference = data.reference.strip()
    if not title:
        raise ValidationError(_("Indiquez l'intitulé de l'accord-cadre."), field="title")
    if not REFERENCE.fullmatch(reference):
        raise ValidationError(
            _(
                "La référence compte 1 à 12 caractères : lettres, chiffres, « - », « . », "
                "« / » ou « _ » (elle identifie l'accord-cadre dans les données essentielles)."
            ),
            field="reference",
        )
    if not 1 <= data.duration_months <= 120:
        raise ValidationError(_("La durée s'exprime en mois, de 1 à 120."), field="duration_months")
    if not Decimal("0") < data.maximum_amount <= MAX_AMOUNT:
        raise ValidationError(_("Indiquez un montant maximum HT positif."), field="maximum_amount")
    return {
        "title": title,
        "reference": reference,
        "procedure": Procedure(data.procedure),
        "awarded_on": data.awarded_on,
        "duration_months": data.duration_months,
        "maximum_amount": data.maximum_amount,
        "ccag": Ccag(data.ccag),
    }


def _taken_reference() -> ValidationError:
    return ValidationError(
        _("Un autre accord-cadre porte déjà cette référence."), field="reference"
    )


def create_framework(data: FrameworkData, *, by: User) -> FrameworkAgreement:
    """The coordination records an awarded framework agreement (its lots come next)."""
    require(policy.can_manage_frameworks(by))
    agreement = FrameworkAgreement(**_framework_values(data), ordered_amount=Decimal("0"))
    agreement.lots = []
    try:
        with db.session.begin_nested():
            db.session.add(agreement)
    except IntegrityError as err:
        raise _taken_reference() from err
    record("framework.created", agreement, by=by, reference=agreement.reference)
    return agreement


def version_of(item: FrameworkAgreement) -> str:
    return item.updated_at.isoformat()


def update_framework(
    agreement: FrameworkAgreement, data: FrameworkData, *, by: User, version: str | None = None
) -> FrameworkAgreement:
    """Correct an agreement (compare-and-set on the state the edit started from)."""
    require(policy.can_manage_frameworks(by))
    conflict = ConflictError(
        _(
            "Cet accord-cadre vient d'être modifié par quelqu'un d'autre : rechargez la page "
            "pour repartir de sa version actuelle."
        )
    )
    if version is not None and version != version_of(agreement):
        raise conflict
    values = _framework_values(data)
    values["updated_at"] = utcnow()
    try:
        with db.session.begin_nested():
            moved = db.session.execute(
                update(FrameworkAgreement)
                .where(
                    FrameworkAgreement.id == agreement.id,
                    FrameworkAgreement.updated_at == agreement.updated_at,
                )
                .values(values)
                .execution_options(synchronize_session=False)
            )
    except IntegrityError as err:
        raise _taken_reference() from err
    if rows_changed(moved) != 1:
        raise conflict
    for name, value in values.items():
        set_committed_value(agreement, name, value)
    record("framework.updated", agreement, by=by, reference=agreement.reference)
    db.session.flush()
    return agreement


def _lot_values(data: LotData) -> tuple[dict[str, object], list[Category]]:
    title = data.title.strip()
    cpv = data.cpv_code.strip()
    if not title:
        raise ValidationError(_("Indiquez l'intitulé du lot."), field="title")
    if not 1 <= data.number <= 99:
        raise ValidationError(_("Le numéro du lot va de 1 à 99."), field="number")
    if not CPV.fullmatch(cpv):
        raise ValidationError(
            _("Le code CPV s'écrit sur 8 chiffres, un tiret et un chiffre (30213000-5)."),
            field="cpv_code",
        )
    if data.maximum_amount is not None and not Decimal("0") < data.maximum_amount <= MAX_AMOUNT:
        raise ValidationError(_("Le maximum du lot doit être positif."), field="maximum_amount")
    ids = set(data.category_ids)
    categories = list(
        db.session.execute(
            select(Category).where(Category.id.in_(ids)).order_by(Category.sort_order)
        ).scalars()
    )
    if len(categories) != len(ids):
        raise ValidationError(_("Catégorie inconnue."), field="category_ids")
    values = {
        "number": data.number,
        "title": title,
        "cpv_code": cpv,
        "maximum_amount": data.maximum_amount,
    }
    return values, categories


def _taken_number() -> ValidationError:
    return ValidationError(_("Cet accord-cadre a déjà un lot de ce numéro."), field="number")


def add_lot(agreement: FrameworkAgreement, data: LotData, *, by: User) -> FrameworkLot:
    require(policy.can_manage_frameworks(by))
    values, categories = _lot_values(data)
    lot = FrameworkLot(agreement_id=agreement.id, ordered_amount=Decimal("0"), **values)
    lot.categories = categories
    lot.holders = []
    try:
        with db.session.begin_nested():
            db.session.add(lot)
    except IntegrityError as err:
        raise _taken_number() from err
    record("framework.lot_added", lot, by=by, agreement=agreement.reference, number=lot.number)
    return lot


def update_lot(lot: FrameworkLot, data: LotData, *, by: User) -> FrameworkLot:
    require(policy.can_manage_frameworks(by))
    values, categories = _lot_values(data)
    lot = db.session.execute(
        select(FrameworkLot)
        .options(selectinload(FrameworkLot.categories))
        .where(FrameworkLot.id == lot.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    try:
        with db.session.begin_nested():
            for name, value in values.items():
                setattr(lot, name, value)
            lot.categories = categories
    except IntegrityError as err:
        raise _taken_number() from err
    record("framework.lot_updated", lot, by=by, number=lot.number)
    return lot


def add_holder(lot: FrameworkLot, refurbisher_id: int, reference: str, *, by: User) -> None:
    """A refurbisher becomes a holder (titulaire) of the lot, with its own reference."""
    require(policy.can_manage_frameworks(by))
    refurbisher = db.session.get(Organisation, refurbisher_id)
    if refurbisher is None or refurbisher.kind != OrgKind.REFURBISHER:
        raise ValidationError(_("Reconditionneur introuvable."), field="refurbisher_id")
    holder = FrameworkLotHolder(
        lot_id=lot.id, refurbisher_id=refurbisher_id, reference=reference.strip()[:60]
    )
    try:
        with db.session.begin_nested():
            db.session.add(holder)
    except IntegrityError as err:
        raise ConflictError(
            _("Ce reconditionneur est déjà titulaire du lot."), field="refurbisher_id"
        ) from err
    record("framework.holder_added", lot, by=by, refurbisher=refurbisher.name)


def remove_holder(lot: FrameworkLot, holder_id: int, *, by: User) -> None:
    """A refurbisher stops holding the lot; the stock it already committed stays."""
    require(policy.can_manage_frameworks(by))
    removed = db.session.execute(
        delete(FrameworkLotHolder).where(
            FrameworkLotHolder.id == holder_id, FrameworkLotHolder.lot_id == lot.id
        )
    )
    if rows_changed(removed) != 1:
        raise NotFoundError(_("Titulaire introuvable."))
    record("framework.holder_removed", lot, by=by, holder_id=holder_id)


# ------------------------------------------------------------- call-offs under a lot


def check_holder(lot_id: int, refurbisher_id: int) -> None:
    """Under a lot, only its holders commit stock."""
    held = db.session.execute(
        select(FrameworkLotHolder.id).where(
            FrameworkLotHolder.lot_id == lot_id,
            FrameworkLotHolder.refurbisher_id == refurbisher_id,
        )
    ).first()
    if held is None:
        lot = db.session.execute(
            select(FrameworkLot.number, FrameworkAgreement.reference)
            .join(FrameworkAgreement, FrameworkAgreement.id == FrameworkLot.agreement_id)
            .where(FrameworkLot.id == lot_id)
        ).one()
        raise PermissionDeniedError(
            _(
                "Cette campagne est passée sous le lot %(number)s de l'accord-cadre "
                "%(reference)s : seuls ses titulaires peuvent y engager du stock.",
                number=lot.number,
                reference=lot.reference,
            )
        )


def engage(lot_id: int, delta: Decimal) -> None:
    """Move the amount ordered under the lot and its agreement by ``delta`` (HT).

    An increase that would pass the agreement's maximum or the lot's own is refused
    (:class:`ConflictError`), whatever other orders do at the same moment; a decrease
    always applies.
    """
    if delta == 0:
        return
    agreement_id = db.session.execute(
        select(FrameworkLot.agreement_id).where(FrameworkLot.id == lot_id)
    ).scalar_one()
    agreement_change = (
        update(FrameworkAgreement)
        .where(FrameworkAgreement.id == agreement_id)
        .values(ordered_amount=_moved(FrameworkAgreement.ordered_amount, delta))
        .execution_options(synchronize_session=False)
    )
    lot_change = (
        update(FrameworkLot)
        .where(FrameworkLot.id == lot_id)
        .values(ordered_amount=_moved(FrameworkLot.ordered_amount, delta))
        .execution_options(synchronize_session=False)
    )
    if delta > 0:
        agreement_change = agreement_change.where(
            FrameworkAgreement.ordered_amount + delta <= FrameworkAgreement.maximum_amount
        )
        lot_change = lot_change.where(
            FrameworkLot.maximum_amount.is_(None)
            | (FrameworkLot.ordered_amount + delta <= FrameworkLot.maximum_amount)
        )
    if rows_changed(db.session.execute(agreement_change)) != 1:
        raise _over_maximum(
            db.session.execute(
                select(FrameworkAgreement.maximum_amount, FrameworkAgreement.ordered_amount).where(
                    FrameworkAgreement.id == agreement_id
                )
            ).one(),
            delta,
            _("le montant maximum de l'accord-cadre"),
        )
    if rows_changed(db.session.execute(lot_change)) != 1:
        raise _over_maximum(
            db.session.execute(
                select(FrameworkLot.maximum_amount, FrameworkLot.ordered_amount).where(
                    FrameworkLot.id == lot_id
                )
            ).one(),
            delta,
            _("le montant maximum du lot"),
        )


def _moved(column: Any, delta: Decimal) -> Any:
    """The counter moved by ``delta``, never below zero (a campaign attached to its lot by
    hand, after its orders, would otherwise give back more than it took)."""
    return case((column + delta < 0, Decimal("0")), else_=column + delta)


def _over_maximum(row: Any, delta: Decimal, what: str) -> ConflictError:
    maximum, ordered = row
    return ConflictError(
        _(
            "Cette commande dépasserait %(what)s : %(maximum)s HT, "
            "dont %(ordered)s déjà commandés ; il reste %(left)s et la commande en ajoute "
            "%(delta)s.",
            what=what,
            maximum=format_money(maximum),
            ordered=format_money(ordered),
            left=format_money(max(maximum - ordered, Decimal("0"))),
            delta=format_money(delta),
        )
    )
