"""The refurbisher invoices the received units of a delivery, and credits invoiced units
refused afterwards.

An invoice covers every unit received and not yet invoiced, at the frozen pooled price,
with the maintenance chosen with it: each delivery line's ``invoiced_quantity`` moves by a
compare-and-set, and the invoice's ``(delivery, received units)`` is unique, so the same
received units are never invoiced twice, even by two requests at once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.consolidation.amounts import line_amounts, total
from nrhub.consolidation.models import Delivery, DeliveryLine
from nrhub.db import rows_changed
from nrhub.documents.assemble import is_margin_scheme
from nrhub.errors import ConflictError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.formatting import paris_today
from nrhub.invoices.models import Invoice, InvoiceKind, InvoiceLine
from nrhub.security import Role

NUMBER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]{0,39}")
MAX_REASON = 2_000


def _check_refurbisher(delivery: Delivery, by: User) -> None:
    if not (by.is_active_member and by.role == Role.REFURBISHER):
        raise PermissionDeniedError(_("Seul le reconditionneur de la livraison facture."))
    if by.organisation_id != delivery.refurbisher_id:
        raise PermissionDeniedError(_("Cette livraison n'est pas la vôtre."))


def _check_number_and_date(refurbisher_id: int, number: str, issued_on: dt.date) -> str:
    number = (number or "").strip()
    if not NUMBER_PATTERN.fullmatch(number):
        raise ValidationError(
            _(
                "Le numéro de facture compte 1 à 40 caractères : lettres, chiffres, tirets, "
                "points, barres obliques et soulignés."
            ),
            "number",
        )
    if issued_on > paris_today():
        raise ValidationError(_("La date de facture ne peut pas être dans le futur."), "issued_on")
    used = db.session.execute(
        select(Invoice.id).where(Invoice.refurbisher_id == refurbisher_id, Invoice.number == number)
    ).first()
    if used is not None:
        raise ValidationError(
            _("Vous avez déjà émis une facture ou un avoir sous ce numéro."), "number"
        )
    return number


def invoiceable_lines(delivery: Delivery) -> list[tuple[DeliveryLine, int]]:
    """Each delivery line with its units received and not yet invoiced (may be 0), read
    afresh with its purchase-order line and maintenance."""
    lines = db.session.execute(
        select(DeliveryLine)
        .where(DeliveryLine.delivery_id == delivery.id)
        .options(
            joinedload(DeliveryLine.purchase_order_line),
            joinedload(DeliveryLine.maintenance_line),
        )
        .order_by(DeliveryLine.id)
        .execution_options(populate_existing=True)
    ).scalars()
    return [(line, (line.received_quantity or 0) - line.invoiced_quantity) for line in lines]


def issue_invoice(delivery: Delivery, number: str, issued_on: dt.date, *, by: User) -> Invoice:
    """Invoice the delivery's received units not yet invoiced (``delivery`` loaded with its
    lines, as :func:`nrhub.consolidation.queries.get_delivery_for` does).

    Refused before any receipt, and when every received unit is invoiced already (409).
    The invoice is dated on or after the last receipt, never in the future.
    """
    _check_refurbisher(delivery, by)
    if delivery.received_on is None:
        raise ConflictError(
            _(
                "Aucune réception n'est encore confirmée sur cette livraison : la facture "
                "suit le service fait."
            )
        )
    number = _check_number_and_date(delivery.refurbisher_id, number, issued_on)
    if issued_on < delivery.received_on:
        raise ValidationError(
            _("La date de facture ne peut pas précéder la réception (service fait)."),
            "issued_on",
        )
    pending = [(line, units) for line, units in invoiceable_lines(delivery) if units > 0]
    if not pending:
        raise ConflictError(_("Les unités reçues de cette livraison sont déjà facturées."))
    for line, units in pending:
        moved = rows_changed(
            db.session.execute(
                update(DeliveryLine)
                .where(
                    DeliveryLine.id == line.id,
                    DeliveryLine.invoiced_quantity == line.invoiced_quantity,
                )
                .values(invoiced_quantity=line.invoiced_quantity + units)
                .execution_options(synchronize_session=False)
            )
        )
        if moved != 1:
            raise ConflictError(_("Ces unités viennent d'être facturées."))
    received_units = db.session.execute(
        select(func.coalesce(func.sum(DeliveryLine.received_quantity), 0)).where(
            DeliveryLine.delivery_id == delivery.id
        )
    ).scalar_one()
    lines = _invoice_lines(pending)
    invoice = _insert(
        Invoice(
            kind=InvoiceKind.INVOICE,
            number=number,
            issued_on=issued_on,
            delivery_id=delivery.id,
            refurbisher_id=delivery.refurbisher_id,
            buyer_id=delivery.buyer_id,
            received_units=int(received_units or 0),
            created_by_id=by.id,
        ),
        lines,
    )
    record(
        "invoice.issued",
        invoice,
        by=by,
        number=number,
        delivery_id=delivery.id,
        total_ht=str(invoice.total_ht),
    )
    return invoice


def _invoice_lines(pending: list[tuple[DeliveryLine, int]]) -> list[InvoiceLine]:
    """The equipment at the pooled price, each followed by its maintenance."""
    lines = []
    for line, units in pending:
        po_line = line.purchase_order_line
        amounts = line_amounts(units, line.unit_price, po_line.vat_rate)
        lines.append(
            InvoiceLine(
                delivery_line_id=line.id,
                is_maintenance=False,
                designation=po_line.designation,
                sku=po_line.sku,
                quantity=units,
                unit_price=line.unit_price,
                vat_rate=po_line.vat_rate,
                margin_scheme=is_margin_scheme(po_line.vat_rate),
                amount_ht=amounts.ht,
                amount_vat=amounts.vat,
            )
        )
        maintenance = line.maintenance_line
        if maintenance is not None and line.maintenance_unit_price is not None:
            amounts = line_amounts(units, line.maintenance_unit_price, maintenance.vat_rate)
            lines.append(
                InvoiceLine(
                    delivery_line_id=line.id,
                    is_maintenance=True,
                    designation=maintenance.designation,
                    sku="MAINT.",
                    quantity=units,
                    unit_price=line.maintenance_unit_price,
                    vat_rate=maintenance.vat_rate,
                    margin_scheme=is_margin_scheme(maintenance.vat_rate),
                    amount_ht=amounts.ht,
                    amount_vat=amounts.vat,
                )
            )
    return lines


def _insert(invoice: Invoice, lines: list[InvoiceLine]) -> Invoice:
    totals = total(line.amounts for line in lines)
    invoice.total_ht, invoice.total_vat, invoice.total_ttc = totals.ht, totals.vat, totals.ttc
    try:
        with db.session.begin_nested():
            db.session.add(invoice)
            db.session.flush()
    except IntegrityError as err:
        # A concurrent request committed the same number or the same received units.
        raise ConflictError(
            _("Une facture vient d'être émise pour ces unités ou sous ce numéro.")
        ) from err
    for line in lines:
        line.invoice_id = invoice.id
        db.session.add(line)
    db.session.flush()
    return invoice


def credited_quantities(invoice: Invoice) -> dict[int, int]:
    """Units of each line of ``invoice`` already credited, by invoice line id (credit-note
    lines point at the same delivery line and kind of line)."""
    rows = db.session.execute(
        select(
            InvoiceLine.delivery_line_id, InvoiceLine.is_maintenance, func.sum(InvoiceLine.quantity)
        )
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.credited_invoice_id == invoice.id)
        .group_by(InvoiceLine.delivery_line_id, InvoiceLine.is_maintenance)
    ).all()
    credited = {(line_id, maintenance): int(units) for line_id, maintenance, units in rows}
    return {
        line.id: credited.get((line.delivery_line_id, line.is_maintenance), 0)
        for line in invoice.lines
    }


def issue_credit_note(
    invoice: Invoice,
    number: str,
    issued_on: dt.date,
    quantities: Mapping[int, int],
    reason: str,
    *,
    by: User,
) -> Invoice:
    """Credit invoiced units refused afterwards: ``quantities`` by invoice line id, each at
    most the units of that line not credited yet; the same prices and VAT as the invoice."""
    if invoice.is_credit_note:
        raise ConflictError(_("Un avoir porte sur une facture, pas sur un autre avoir."))
    if not (by.is_active_member and by.role == Role.REFURBISHER):
        raise PermissionDeniedError(_("Seul le reconditionneur de la facture émet un avoir."))
    if by.organisation_id != invoice.refurbisher_id:
        raise PermissionDeniedError(_("Cette facture n'est pas la vôtre."))
    # Credit notes of one invoice follow one another.
    db.session.execute(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    number = _check_number_and_date(invoice.refurbisher_id, number, issued_on)
    if issued_on < invoice.issued_on:
        raise ValidationError(
            _("L'avoir ne peut pas précéder la facture qu'il corrige."), "issued_on"
        )
    reason = (reason or "").strip()
    if not 5 <= len(reason) <= MAX_REASON:
        raise ValidationError(
            _("Indiquez le motif de l'avoir (unités refusées, 5 à 2 000 caractères)."), "reason"
        )
    credited = credited_quantities(invoice)
    lines = []
    known = {line.id: line for line in invoice.lines}
    if set(quantities) - set(known):
        raise ValidationError(_("Une ligne indiquée n'appartient pas à cette facture."), "lines")
    for line_id, units in quantities.items():
        line = known[line_id]
        left = line.quantity - credited[line_id]
        if not 0 <= units <= left:
            raise ValidationError(
                _("Vous pouvez créditer de 0 à %(n)s unités sur cette ligne.", n=left),
                f"line_{line_id}",
            )
        if units:
            amounts = line_amounts(units, line.unit_price, line.vat_rate)
            lines.append(
                InvoiceLine(
                    delivery_line_id=line.delivery_line_id,
                    is_maintenance=line.is_maintenance,
                    designation=line.designation,
                    sku=line.sku,
                    quantity=units,
                    unit_price=line.unit_price,
                    vat_rate=line.vat_rate,
                    margin_scheme=line.margin_scheme,
                    amount_ht=amounts.ht,
                    amount_vat=amounts.vat,
                )
            )
    if not lines:
        raise ValidationError(_("Indiquez au moins une unité à créditer."), "lines")
    note = _insert(
        Invoice(
            kind=InvoiceKind.CREDIT_NOTE,
            number=number,
            issued_on=issued_on,
            delivery_id=invoice.delivery_id,
            refurbisher_id=invoice.refurbisher_id,
            buyer_id=invoice.buyer_id,
            received_units=None,
            credited_invoice_id=invoice.id,
            reason=reason,
            created_by_id=by.id,
        ),
        lines,
    )
    record(
        "invoice.credit_note_issued",
        note,
        by=by,
        number=number,
        invoice=invoice.number,
        total_ht=str(note.total_ht),
    )
    return note
