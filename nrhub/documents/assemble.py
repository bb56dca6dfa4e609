"""The frozen documents (:mod:`nrhub.documents.model`) read from a delivery or an invoice."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from nrhub.agreements.queries import call_off_frame
from nrhub.campaigns.models import Campaign
from nrhub.consolidation.models import Delivery
from nrhub.consolidation.queries import delivery_line_parts
from nrhub.documents.model import (
    Agreement,
    Commitment,
    DocumentLine,
    InvoiceDocument,
    OrderDocument,
    Party,
)
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.invoices.models import Invoice
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus


def is_margin_scheme(vat_rate: Decimal) -> bool:
    """A listing sold without VAT is sold under the margin scheme for second-hand goods
    (art. 297 A CGI): the listings model the regime by their rate, 0 %, alone."""
    return Decimal(vat_rate) == 0


def party(organisation: Organisation) -> Party:
    return Party(
        organisation.name,
        organisation.siret,
        organisation.address,
        organisation.postcode,
        organisation.city,
        organisation.contact_email,
    )


def campaign_agreement(campaign: Campaign) -> Agreement | None:
    """The framework agreement and lot the campaign is a call-off of (None outside one)."""
    frame = call_off_frame(campaign.id)
    if frame is None:
        return None
    return Agreement(
        reference=frame.reference,
        title=frame.title,
        lot=f"{frame.lot_number} ({frame.lot_title})",
    )


def hub_party() -> Party | None:
    hub = db.session.execute(
        select(Organisation)
        .where(Organisation.kind == OrgKind.HUB, Organisation.status == OrgStatus.ACTIVE)
        .order_by(Organisation.id)
        .limit(1)
    ).scalar_one_or_none()
    return party(hub) if hub is not None else None


def commitment_of(delivery: Delivery) -> Commitment:
    return Commitment(
        delivery.engagement_number,
        delivery.budget_nature,
        delivery.budget_chapter,
        delivery.service_code,
        delivery.delivery_address,
    )


def order_number(delivery: Delivery) -> str:
    """The buyer's part of a consolidated purchase order: its number and the delivery's."""
    return f"{delivery.purchase_order.number}-L{delivery.id}"


def order_lines(delivery: Delivery) -> tuple[DocumentLine, ...]:
    """The allocated units of each line at the pooled price, then their maintenance."""
    return tuple(
        DocumentLine(
            part.designation,
            part.sku,
            part.quantity,
            part.unit_price,
            part.vat_rate,
            part.amounts,
            is_margin_scheme(part.vat_rate),
        )
        for line in delivery.lines
        for part in delivery_line_parts(line)
    )


def order_document(delivery: Delivery) -> OrderDocument:
    """``delivery`` as :func:`nrhub.consolidation.queries.get_delivery_for` loads it."""
    campaign = delivery.campaign
    return OrderDocument(
        number=order_number(delivery),
        issued_on=paris_date_of(delivery.purchase_order.created_at),
        campaign_title=campaign.title,
        seller=party(delivery.refurbisher),
        buyer=party(delivery.buyer),
        hub=hub_party(),
        commitment=commitment_of(delivery),
        agreement=campaign_agreement(campaign),
        delivery_from=campaign.delivery_from,
        delivery_to=campaign.delivery_to,
        lines=order_lines(delivery),
    )


def invoice_document(invoice: Invoice, delivery: Delivery) -> InvoiceDocument:
    credited = None
    if invoice.credited_invoice_id is not None:
        credited = db.session.get(Invoice, invoice.credited_invoice_id)
    return InvoiceDocument(
        number=invoice.number,
        issued_on=invoice.issued_on,
        is_credit_note=invoice.is_credit_note,
        order_number=order_number(delivery),
        seller=party(delivery.refurbisher),
        buyer=party(delivery.buyer),
        commitment=commitment_of(delivery),
        received_on=delivery.received_on,
        lines=tuple(
            DocumentLine(
                line.designation,
                line.sku,
                line.quantity,
                line.unit_price,
                line.vat_rate,
                line.amounts,
                line.margin_scheme,
            )
            for line in invoice.lines
        ),
        credited_number=credited.number if credited else None,
        credited_on=credited.issued_on if credited else None,
        reason=invoice.reason,
    )
