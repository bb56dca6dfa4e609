"""The demo holds Vitré's commitments on its deliveries and one invoiced delivery whose
Factur-X passes the checks."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from nrhub.demo import load_demo
from nrhub.documents import cii
from nrhub.documents.assemble import invoice_document
from nrhub.extensions import db
from nrhub.invoices import queries
from nrhub.invoices.models import Invoice
from tests.invoices.helpers import check_facturx


def test_demo_has_one_invoiced_delivery_with_its_commitment(app):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        load_demo()
    invoices = (
        db.session.execute(select(Invoice).options(selectinload(Invoice.lines))).scalars().all()
    )
    assert len(invoices) == 1
    invoice = invoices[0]
    delivery = queries.delivery_of(invoice)
    assert delivery.engagement_number is not None
    assert delivery.engagement_number.startswith("EJ-2026-")
    assert invoice.total_ht == delivery.total_ht
    with app.test_request_context():
        check_facturx(cii.facturx_xml(invoice_document(invoice, delivery)))
