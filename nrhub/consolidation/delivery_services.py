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
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, select, update

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign, CampaignState, campaign_clause
from nrhub.clauses.models import Clause
from nrhub.clauses.services import decp_considerations
from nrhub.consolidation.amounts import line_amounts, total
from nrhub.consolidation.models import (
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderMaintenanceLine,
)
from nrhub.db import quantize_money, rows_changed, utcnow
from nrhub.errors import ConflictError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.formatting import format_date, paris_date_of, paris_today
from nrhub.ledger.models import SpendOrigin
from nrhub.ledger.services import record_spend
from nrhub.mail import queue_mail
from nrhub.organisations.models import Organisation
from nrhub.organisations.queries import member_recipients
from nrhub.security import Role

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
    if not (by.is_active_member and by.role == Role.REFURBISHER):
        raise PermissionDeniedError(_("Seul le reconditionneur du bon de commande expédie."))
    if by.organisation_id != delivery.refurbisher_id:
        raise PermissionDeniedError(_("Cette livraison n'est pas la vôtre."))
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
    """The buyer confirms receipt ("service fait") line by line, at most what was shipped.

    Each line received writes one hub ledger row: amount HT = received × pooled unit price,
    the listing's category, the refurbisher as supplier, reuse, the campaign's clauses.
    When every delivery of the campaign is received, the campaign is done.
    """
    if not (by.is_active_member and by.role == Role.BUYER):
        raise PermissionDeniedError(_("Seul l'acheteur destinataire confirme la réception."))
    if by.organisation_id != delivery.buyer_id:
        raise PermissionDeniedError(_("Cette livraison n'est pas la vôtre."))
    if delivery.status == DeliveryStatus.PENDING:
        raise ConflictError(_("Cette livraison n'a pas encore été expédiée."))
    if delivery.status == DeliveryStatus.RECEIVED:
        raise ConflictError(_("La réception de cette livraison a déjà été confirmée."))
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

    lines = db.session.execute(
        select(DeliveryLine, PurchaseOrderLine.category_id)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == DeliveryLine.purchase_order_line_id)
        .where(DeliveryLine.delivery_id == delivery.id)
        .order_by(DeliveryLine.id)
    ).all()
    received = _check_quantities(lines, quantities)
    if comment is None and any(received[line.id] < line.quantity for line, _c in lines):
        raise ValidationError(
            _("Indiquez en commentaire ce qui manque ou ce qui a été refusé."), "comment"
        )

    _lock_campaign(delivery.campaign_id)
    _write_receipt(delivery, lines, received, received_on, comment, by)
    db.session.refresh(delivery)
    if notify:
        _notify(delivery, "delivery_received", _l("Réception confirmée"))
    return delivery


def _check_quantities(lines: list[Any], quantities: Mapping[int, int]) -> dict[int, int]:
    known = {line.id for line, _c in lines}
    unknown = set(quantities) - known
    if unknown:
        raise ValidationError(_("Une ligne indiquée n'appartient pas à cette livraison."))
    received = {}
    for line, _category in lines:
        value = quantities.get(line.id)
        if value is None:
            raise ValidationError(
                _("Indiquez la quantité reçue de chaque ligne."), f"line_{line.id}"
            )
        if not 0 <= value <= line.quantity:
            raise ValidationError(
                _(
                    "La quantité reçue doit être comprise entre 0 et %(n)s (la quantité expédiée).",
                    n=line.quantity,
                ),
                f"line_{line.id}",
            )
        received[line.id] = value
    return received


def _write_receipt(
    delivery: Delivery,
    lines: list[Any],
    received: Mapping[int, int],
    received_on: dt.date,
    comment: str | None,
    by: User,
) -> None:
    now = utcnow()
    done = rows_changed(
        db.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.status == DeliveryStatus.SHIPPED)
            .values(
                status=DeliveryStatus.RECEIVED,
                received_on=received_on,
                receipt_comment=comment,
                received_by_id=by.id,
                received_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if done != 1:
        raise ConflictError(_("La réception de cette livraison a déjà été confirmée."))
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
    for line, category_id in lines:
        line.received_quantity = received[line.id]
        if line.received_quantity > 0:
            record_spend(
                buyer=buyer,
                spent_on=received_on,
                category_id=category_id,
                quantity=line.received_quantity,
                amount=quantize_money(line.unit_price * line.received_quantity),
                supplier_name=supplier.name,
                supplier=supplier,
                origin=SpendOrigin.HUB,
                is_reuse=True,
                social_consideration=social,
                environmental_consideration=environmental,
                campaign_id=delivery.campaign_id,
                delivery_line_id=line.id,
                clauses=clauses,
                by=by,
            )
        if line.received_quantity > 0 and line.maintenance_unit_price is not None:
            # Maintenance is a service: IT spend under the campaign's clauses, not reuse.
            record_spend(
                buyer=buyer,
                spent_on=received_on,
                category_id=category_id,
                quantity=line.received_quantity,
                amount=quantize_money(line.maintenance_unit_price * line.received_quantity),
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
    db.session.execute(
        update(Campaign)
        .where(
            Campaign.id == delivery.campaign_id,
            Campaign.state.in_((CampaignState.CONSOLIDATED, CampaignState.IN_DELIVERY)),
            ~exists().where(
                and_(
                    Delivery.campaign_id == delivery.campaign_id,
                    Delivery.status != DeliveryStatus.RECEIVED,
                )
            ),
        )
        .values(state=CampaignState.DONE)
        .execution_options(synchronize_session=False)
    )
    record(
        "delivery.received",
        delivery,
        by=by,
        received_on=received_on.isoformat(),
        shipped_units=sum(line.quantity for line, _c in lines),
        received_units=sum(received.values()),
        comment=comment,
    )


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
    lines = [
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
