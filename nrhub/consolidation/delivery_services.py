"""Deliveries: the refurbisher ships a buyer's delivery, the buyer confirms receipt.

Each step is a compare-and-set of the delivery's status (pending → shipped → received)
inside the caller's unit of work, and its side effects (the campaign's state, the ledger,
the e-mails) are written only by the caller whose update moved the row. Rows are locked in
one order: the campaign, then the delivery.

Receipt ("service fait") writes the buyer's spend ledger in the same transaction: one row
per received line, at the pooled unit price, with the campaign's clauses as DECP values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Row, Select, and_, exists, func, select, update

from nrhub.access import require
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign, CampaignState, campaign_clause
from nrhub.clauses.models import Clause
from nrhub.clauses.services import decp_considerations
from nrhub.consolidation import policy
from nrhub.consolidation.amounts import ZERO, line_amounts, total
from nrhub.consolidation.models import (
    RECEIVABLE_STATUSES,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderMaintenanceLine,
)
from nrhub.db import quantize_money, rows_changed, utcnow
from nrhub.errors import ConflictError, ValidationError
from nrhub.extensions import db
from nrhub.formatting import format_date, paris_date_of, paris_today
from nrhub.ledger.models import SpendOrigin
from nrhub.ledger.services import record_spend
from nrhub.mail import queue_mail
from nrhub.organisations.models import Organisation
from nrhub.organisations.queries import member_recipients

_Row = TypeVar("_Row")

MAX_SERIALS_LENGTH = 20_000
MAX_COMMENT_LENGTH = 2_000


def normalise_serials(text: str | None) -> str | None:
    """One serial number a line, blanks and duplicates dropped (commas also separate)."""
    if not text:
        return None
    seen: list[str] = []
    for chunk in text.replace(",", "\n").replace(";", "\n").splitlines():
        serial = chunk.strip()
        if serial and serial not in seen:
            seen.append(serial)
    return "\n".join(seen) or None


def ship_delivery(
    delivery: Delivery,
    shipped_on: dt.date,
    serials: str | None,
    *,
    by: User,
    notify: bool = True,
) -> Delivery:
    """The refurbisher marks one buyer's delivery shipped; the campaign is then in delivery.

    The shipment is dated (Europe/Paris days) between its purchase order's date and today.
    Of two shipments of one delivery, the second is refused and changes nothing.
    """
    require(policy.shipper_refusal(by, delivery))
    _check_shipping_date(delivery, shipped_on)
    serial_text = normalise_serials(serials)
    if serial_text and len(serial_text) > MAX_SERIALS_LENGTH:
        raise ValidationError(_("Trop de numéros de série pour un seul envoi."), "serials")
    _lock_campaign(delivery.campaign_id)
    shipped = rows_changed(
        db.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.status == DeliveryStatus.PENDING)
            .values(
                status=DeliveryStatus.SHIPPED,
                shipped_on=shipped_on,
                serial_numbers=serial_text,
                shipped_by_id=by.id,
                shipped_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
    )
    if shipped != 1:
        raise ConflictError(_("Cette livraison a déjà été expédiée."))
    db.session.execute(
        update(Campaign)
        .where(
            Campaign.id == delivery.campaign_id,
            Campaign.state == CampaignState.CONSOLIDATED,
        )
        .values(state=CampaignState.IN_DELIVERY)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(delivery)
    record(
        "delivery.shipped",
        delivery,
        by=by,
        shipped_on=shipped_on.isoformat(),
        serial_count=len(serial_text.splitlines()) if serial_text else 0,
    )
    if notify:
        _notify(delivery, "delivery_shipped", _l("Livraison expédiée"))
    return delivery


def _check_shipping_date(delivery: Delivery, shipped_on: dt.date) -> None:
    """Neither in the future nor before the purchase order was issued (Paris days)."""
    if shipped_on > paris_today():
        raise ValidationError(
            _("La date d'expédition ne peut pas être dans le futur."), "shipped_on"
        )
    issued_at = db.session.execute(
        select(PurchaseOrder.created_at).where(PurchaseOrder.id == delivery.purchase_order_id)
    ).scalar_one()
    issued_on = paris_date_of(issued_at)
    if shipped_on < issued_on:
        raise ValidationError(
            _(
                "La date d'expédition ne peut pas précéder celle du bon de commande (%(date)s).",
                date=format_date(issued_on),
            ),
            "shipped_on",
        )


def _lock_campaign(campaign_id: int) -> None:
    """Hold the campaign's row first, as every writer of a campaign's deliveries does: the
    receipts of one campaign follow one another, so the last one sees every other receipt
    committed and marks the campaign done (PostgreSQL; SQLite serialises writers anyway)."""
    db.session.execute(
        select(Campaign.id).where(Campaign.id == campaign_id).with_for_update(key_share=True)
    )


def confirm_receipt(
    delivery: Delivery,
    received_on: dt.date,
    quantities: Mapping[int, int],
    comment: str | None,
    *,
    by: User,
    notify: bool = True,
) -> Delivery:
    """The buyer confirms receipt ("service fait") line by line: ``quantities`` are the
    units received this time, at most what is still expected of each line.

    Each line received writes one hub ledger row for this receipt: amount HT = units
    received now × pooled unit price, the listing's category, the refurbisher as supplier,
    reuse, the campaign's clauses. A delivery with units still expected stays open
    (partially received) for later receipts, or for :func:`record_not_delivered`. When
    every delivery of the campaign is received, the campaign is done.
    """
    _check_receiving_buyer(delivery, by)
    if received_on > paris_today():
        raise ValidationError(
            _("La date de réception ne peut pas être dans le futur."), "received_on"
        )
    if delivery.shipped_on is not None and received_on < delivery.shipped_on:
        raise ValidationError(
            _("La date de réception ne peut pas précéder la date d'expédition."), "received_on"
        )
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationError(
            _("Le commentaire est trop long (2 000 caractères au plus)."), "comment"
        )

    lines = list(
        db.session.execute(
            select(
                DeliveryLine,
                PurchaseOrderLine.category_id,
                PurchaseOrderLine.has_recycled_materials,
            )
            .join(PurchaseOrderLine, PurchaseOrderLine.id == DeliveryLine.purchase_order_line_id)
            .where(DeliveryLine.delivery_id == delivery.id)
            .order_by(DeliveryLine.id)
        ).all()
    )
    received = _check_quantities(lines, quantities)
    if not any(received.values()):
        raise ValidationError(
            _(
                "Indiquez au moins une unité reçue ; si rien n'arrivera, déclarez les unités "
                "manquantes comme non livrées."
            ),
            "lines",
        )

    _lock_campaign(delivery.campaign_id)
    _write_receipt(delivery, lines, received, received_on, comment, by)
    db.session.refresh(delivery)
    if notify:
        _notify(delivery, "delivery_received", _l("Réception confirmée"))
    return delivery


def _check_receiving_buyer(delivery: Delivery, by: User) -> None:
    """Only the recipient buyer's people act on a shipped delivery still expecting units."""
    require(policy.recipient_refusal(by, delivery))
    if delivery.status == DeliveryStatus.PENDING:
        raise ConflictError(_("Cette livraison n'a pas encore été expédiée."))
    if delivery.status == DeliveryStatus.RECEIVED:
        raise ConflictError(_("La réception de cette livraison a déjà été confirmée."))


def _check_quantities(
    lines: Sequence[Row[DeliveryLine, int, bool]], quantities: Mapping[int, int]
) -> dict[int, int]:
    known = {line.id for line, *_rest in lines}
    unknown = set(quantities) - known
    if unknown:
        raise ValidationError(_("Une ligne indiquée n'appartient pas à cette livraison."))
    received = {}
    for line, *_rest in lines:
        value = quantities.get(line.id)
        if value is None and line.expected_quantity == 0:
            value = 0
        if value is None:
            raise ValidationError(
                _("Indiquez la quantité reçue de chaque ligne."), f"line_{line.id}"
            )
        if not 0 <= value <= line.expected_quantity:
            raise ValidationError(
                _(
                    "La quantité reçue doit être comprise entre 0 et %(n)s (les unités "
                    "encore attendues).",
                    n=line.expected_quantity,
                ),
                f"line_{line.id}",
            )
        received[line.id] = value
    return received


def _write_receipt(
    delivery: Delivery,
    lines: Sequence[Row[DeliveryLine, int, bool]],
    received: Mapping[int, int],
    received_on: dt.date,
    comment: str | None,
    by: User,
) -> None:
    now = utcnow()
    # The delivery's row first (a compare-and-set that also holds it): a concurrent receipt
    # or declaration of the same delivery waits, then finds the units it expected gone.
    comments = "\n".join(filter(None, (delivery.receipt_comment, comment))) or None
    done = rows_changed(
        db.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.status.in_(RECEIVABLE_STATUSES))
            .values(
                received_on=received_on,
                receipt_comment=comments,
                received_by_id=by.id,
                received_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if done != 1:
        raise ConflictError(_("La réception de cette livraison a déjà été confirmée."))
    for line, *_rest in lines:
        _add_received(line, received[line.id])
    buyer = db.session.get(Organisation, delivery.buyer_id)
    supplier = db.session.get(Organisation, delivery.refurbisher_id)
    assert buyer is not None and supplier is not None
    clauses = list(
        db.session.execute(
            select(Clause)
            .join(campaign_clause, campaign_clause.c.clause_id == Clause.id)
            .where(campaign_clause.c.campaign_id == delivery.campaign_id)
            .order_by(Clause.id)
        ).scalars()
    )
    social, environmental = decp_considerations(clauses)
    for line, category_id, recycled in lines:
        units = received[line.id]  # received by this receipt
        if units > 0:
            record_spend(
                buyer=buyer,
                spent_on=received_on,
                category_id=category_id,
                quantity=units,
                amount=quantize_money(line.unit_price * units),
                supplier_name=supplier.name,
                supplier=supplier,
                origin=SpendOrigin.HUB,
                is_reuse=True,
                has_recycled_materials=recycled,
                social_consideration=social,
                environmental_consideration=environmental,
                campaign_id=delivery.campaign_id,
                delivery_line_id=line.id,
                clauses=clauses,
                by=by,
            )
        if units > 0 and line.maintenance_unit_price is not None:
            # Maintenance is a service: IT spend under the campaign's clauses, not reuse.
            record_spend(
                buyer=buyer,
                spent_on=received_on,
                category_id=category_id,
                quantity=units,
                amount=quantize_money(line.maintenance_unit_price * units),
                supplier_name=supplier.name,
                supplier=supplier,
                origin=SpendOrigin.HUB,
                is_reuse=False,
                social_consideration=social,
                environmental_consideration=environmental,
                campaign_id=delivery.campaign_id,
                comment=f"Maintenance (ligne de livraison {line.id})",
                clauses=clauses,
                by=by,
            )
    db.session.flush()
    _settle_status(delivery.id)
    record(
        "delivery.received",
        delivery,
        by=by,
        received_on=received_on.isoformat(),
        shipped_units=sum(line.quantity for line, *_rest in lines),
        received_units=sum(received.values()),
        comment=comment,
    )


def _add_received(line: DeliveryLine, units: int) -> None:
    """Add this receipt's units to the line, never beyond the units still expected."""
    if units == 0:
        if line.received_quantity is None:
            line.received_quantity = 0
        return
    added = rows_changed(
        db.session.execute(
            update(DeliveryLine)
            .where(
                DeliveryLine.id == line.id,
                func.coalesce(DeliveryLine.received_quantity, 0)
                + DeliveryLine.not_delivered_quantity
                + units
                <= DeliveryLine.quantity,
            )
            .values(received_quantity=func.coalesce(DeliveryLine.received_quantity, 0) + units)
            .execution_options(synchronize_session=False)
        )
    )
    if added != 1:
        raise ConflictError(
            _("Cette livraison vient d'être mise à jour : rechargez la page et recommencez.")
        )
    db.session.expire(line, ["received_quantity"])


def _settle_status(delivery_id: int) -> None:
    """Received when no unit is expected any more, else partially received; the campaign
    is done when all its deliveries are received."""
    expected = db.session.execute(
        select(
            func.coalesce(
                func.sum(
                    DeliveryLine.quantity
                    - func.coalesce(DeliveryLine.received_quantity, 0)
                    - DeliveryLine.not_delivered_quantity
                ),
                0,
            )
        ).where(DeliveryLine.delivery_id == delivery_id)
    ).scalar_one()
    campaign_id = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status=DeliveryStatus.PARTIAL if expected else DeliveryStatus.RECEIVED)
        .returning(Delivery.campaign_id)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.execute(
        update(Campaign)
        .where(
            Campaign.id == campaign_id,
            Campaign.state.in_((CampaignState.CONSOLIDATED, CampaignState.IN_DELIVERY)),
            ~exists().where(
                and_(
                    Delivery.campaign_id == campaign_id,
                    Delivery.status != DeliveryStatus.RECEIVED,
                )
            ),
        )
        .values(state=CampaignState.DONE)
        .execution_options(synchronize_session=False)
    )


def record_not_delivered(
    delivery: Delivery, reason: str, *, by: User, notify: bool = True
) -> Delivery:
    """The buyer records the units still expected as never coming, with a reason: the
    delivery is closed (received) and the delivery's and purchase order's amounts HT drop
    by those units at the pooled unit price. Units received stay in the ledger as they are.
    """
    _check_receiving_buyer(delivery, by)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError(_("Expliquez pourquoi ces unités ne seront pas livrées."), "reason")
    if len(reason) > MAX_COMMENT_LENGTH:
        raise ValidationError(_("Le motif est trop long (2 000 caractères au plus)."), "reason")
    _lock_campaign(delivery.campaign_id)
    closed = rows_changed(
        db.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.status.in_(RECEIVABLE_STATUSES))
            .values(not_delivered_reason=reason)
            .execution_options(synchronize_session=False)
        )
    )
    if closed != 1:
        raise ConflictError(_("La réception de cette livraison a déjà été confirmée."))
    lines = list(
        db.session.execute(
            select(DeliveryLine)
            .where(DeliveryLine.delivery_id == delivery.id)
            .order_by(DeliveryLine.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )
    missing = {line.id: line.expected_quantity for line in lines}
    if not any(missing.values()):
        raise ConflictError(_("Aucune unité n'est plus attendue sur cette livraison."))
    deducted = sum((quantize_money(line.unit_price * missing[line.id]) for line in lines), ZERO)
    for line in lines:
        line.not_delivered_quantity += missing[line.id]
        line.received_quantity = line.received_quantity or 0
    _deduct(delivery.id, delivery.purchase_order_id, deducted)
    db.session.flush()
    _settle_status(delivery.id)
    record(
        "delivery.not_delivered",
        delivery,
        by=by,
        units=sum(missing.values()),
        amount_ht=str(deducted),
        reason=reason,
    )
    db.session.refresh(delivery)
    if notify:
        _notify(delivery, "delivery_received", _l("Unités non livrées"))
    return delivery


def _deduct(delivery_id: int, purchase_order_id: int, amount: Decimal) -> None:
    """Lower the delivery's and its purchase order's amounts HT (the purchase order's row
    locked: another buyer of the same order may be doing the same)."""
    delivery = _locked(select(Delivery).where(Delivery.id == delivery_id))
    delivery.total_ht = delivery.total_ht - amount
    order = _locked(select(PurchaseOrder).where(PurchaseOrder.id == purchase_order_id))
    order.total_ht = order.total_ht - amount


def _locked(query: Select[_Row]) -> _Row:
    """The one row of ``query``, locked and read afresh from the database."""
    return db.session.execute(
        query.with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _notify(delivery: Delivery, template: str, subject: Any) -> None:
    """Both sides learn of each step (queued now, sent after the commit); ``subject`` is a
    lazy string, translated for each recipient's language."""
    purchase_order, campaign_title = db.session.execute(
        select(PurchaseOrder, Campaign.title)
        .join(Campaign, Campaign.id == PurchaseOrder.campaign_id)
        .where(PurchaseOrder.id == delivery.purchase_order_id)
    ).one()
    names = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_((delivery.buyer_id, delivery.refurbisher_id))
            )
        ).all()
    )
    rows = db.session.execute(
        select(DeliveryLine, PurchaseOrderLine.designation, PurchaseOrderLine.vat_rate)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == DeliveryLine.purchase_order_line_id)
        .where(DeliveryLine.delivery_id == delivery.id)
        .order_by(DeliveryLine.id)
    ).all()
    lines: list[dict[str, Any]] = [
        {
            "designation": designation,
            "quantity": line.quantity,
            "received": line.received_quantity,
            "unit_price": line.unit_price,
            "amount": line_amounts(
                line.quantity if line.received_quantity is None else line.received_quantity,
                line.unit_price,
                vat_rate,
            ),
        }
        for line, designation, vat_rate in rows
    ]
    lines += _maintenance_mail_lines([line for line, _d, _v in rows])
    buyer_name = names.get(delivery.buyer_id, "")
    people = member_recipients((delivery.buyer_id, delivery.refurbisher_id))
    queue_mail(
        people.get(delivery.buyer_id, []) + people.get(delivery.refurbisher_id, []),
        lambda: f"{subject} — {purchase_order.number} — {buyer_name}",
        template,
        delivery=delivery,
        number=purchase_order.number,
        campaign_title=campaign_title,
        buyer_name=names.get(delivery.buyer_id, ""),
        refurbisher_name=names.get(delivery.refurbisher_id, ""),
        lines=lines,
        totals=total(line["amount"] for line in lines),
    )


def _maintenance_mail_lines(lines: list[DeliveryLine]) -> list[dict[str, Any]]:
    """The maintenance chosen with the delivery's lines, as lines of the e-mail."""
    ids = {line.maintenance_line_id for line in lines if line.maintenance_line_id}
    if not ids:
        return []
    maintenance = {
        m.id: m
        for m in db.session.execute(
            select(PurchaseOrderMaintenanceLine).where(PurchaseOrderMaintenanceLine.id.in_(ids))
        ).scalars()
    }
    result = []
    for line in lines:
        m = maintenance.get(line.maintenance_line_id or 0)
        if m is None or line.maintenance_unit_price is None:
            continue
        units = line.quantity if line.received_quantity is None else line.received_quantity
        result.append(
            {
                "designation": m.designation,
                "quantity": line.quantity,
                "received": line.received_quantity,
                "unit_price": line.maintenance_unit_price,
                "amount": line_amounts(units, line.maintenance_unit_price, m.vat_rate),
            }
        )
    return result
