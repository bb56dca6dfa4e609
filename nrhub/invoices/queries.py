"""Reading invoices, scoped to what the person may see, and matching them to receipts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from nrhub.auth.models import User
from nrhub.consolidation.amounts import ZERO, line_amounts
from nrhub.consolidation.models import Delivery
from nrhub.consolidation.queries import DELIVERY_WITH_LINES
from nrhub.errors import NotFoundError
from nrhub.extensions import db
from nrhub.invoices.models import Invoice, InvoiceLine
from nrhub.security import Role


def _visible_to(user: User) -> Select[Invoice]:
    query = select(Invoice)
    if user.role == Role.COORDINATOR:
        return query
    if user.role == Role.REFURBISHER:
        return query.where(Invoice.refurbisher_id == user.organisation_id)
    return query.where(Invoice.buyer_id == user.organisation_id)


def list_invoices_for(
    user: User, after: int | None = None, limit: int | None = None
) -> list[Invoice]:
    query = _visible_to(user).options(
        joinedload(Invoice.buyer), joinedload(Invoice.refurbisher), selectinload(Invoice.lines)
    )
    if after is not None:
        query = query.where(Invoice.id > after)
    query = query.order_by(Invoice.id)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())


def get_invoice_for(user: User, invoice_id: int) -> Invoice:
    invoice = db.session.execute(
        _visible_to(user)
        .where(Invoice.id == invoice_id)
        .options(
            joinedload(Invoice.buyer),
            joinedload(Invoice.refurbisher),
            selectinload(Invoice.lines),
        )
    ).scalar_one_or_none()
    if invoice is None:
        raise NotFoundError(_("Cette facture n'existe pas ou ne vous est pas accessible."))
    return invoice


def invoices_of_delivery(delivery_id: int) -> list[Invoice]:
    return list(
        db.session.execute(
            select(Invoice)
            .where(Invoice.delivery_id == delivery_id)
            .options(selectinload(Invoice.lines))
            .order_by(Invoice.id)
        ).scalars()
    )


def delivery_of(invoice: Invoice) -> Delivery:
    """The invoice's delivery, loaded as the documents need it (the invoice is visible)."""
    return db.session.execute(
        select(Delivery).where(Delivery.id == invoice.delivery_id).options(*DELIVERY_WITH_LINES)
    ).scalar_one()


def invoice_by_delivery_line(delivery_line_ids: list[int]) -> dict[int, Invoice]:
    """The invoice (not credit note) that first invoiced each delivery line, for the
    ledger's links."""
    if not delivery_line_ids:
        return {}
    rows = db.session.execute(
        select(InvoiceLine.delivery_line_id, Invoice)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(
            InvoiceLine.delivery_line_id.in_(delivery_line_ids),
            Invoice.credited_invoice_id.is_(None),
        )
        .order_by(Invoice.id)
    ).all()
    result: dict[int, Invoice] = {}
    for line_id, invoice in rows:
        result.setdefault(line_id, invoice)
    return result


@dataclass(frozen=True)
class MatchRow:
    """One line of a delivery: what was received against what is invoiced, net of credit
    notes (units and amounts HT)."""

    designation: str
    received: int
    received_ht: Decimal
    invoiced: int
    invoiced_ht: Decimal
    credited: int
    credited_ht: Decimal

    @property
    def net_units(self) -> int:
        return self.invoiced - self.credited

    @property
    def net_ht(self) -> Decimal:
        return self.invoiced_ht - self.credited_ht

    @property
    def matches(self) -> bool:
        return self.net_units == self.received and self.net_ht == self.received_ht


def delivery_matching(delivery: Delivery, invoices: list[Invoice]) -> list[MatchRow]:
    """Per delivery line (and its maintenance): received, invoiced, credited."""
    sums: dict[tuple[int, bool, bool], tuple[int, Decimal]] = {}
    for invoice in invoices:
        for line in invoice.lines:
            key = (line.delivery_line_id, line.is_maintenance, invoice.is_credit_note)
            units, amount = sums.get(key, (0, ZERO))
            sums[key] = (units + line.quantity, amount + line.amount_ht)
    rows = []
    for dline in delivery.lines:
        po_line = dline.purchase_order_line
        received = dline.received_quantity or 0
        kinds: list[tuple[bool, str, Decimal | None]] = [
            (False, po_line.designation, dline.unit_price)
        ]
        if dline.maintenance_line is not None:
            kinds.append((True, dline.maintenance_line.designation, dline.maintenance_unit_price))
        for maintenance, designation, price in kinds:
            if price is None:
                continue
            invoiced = sums.get((dline.id, maintenance, False), (0, ZERO))
            credited = sums.get((dline.id, maintenance, True), (0, ZERO))
            rows.append(
                MatchRow(
                    designation,
                    received,
                    line_amounts(received, price, Decimal(0)).ht,
                    invoiced[0],
                    invoiced[1],
                    credited[0],
                    credited[1],
                )
            )
    return rows
