"""CSV export of invoices and credit notes (the figures of the invoice pages)."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from nrhub.invoices.models import Invoice
from nrhub.spreadsheets import csv_response

HEADER = (
    "type",
    "numero",
    "date",
    "reconditionneur",
    "siret_reconditionneur",
    "acheteur",
    "siret_acheteur",
    "livraison",
    "montant_ht",
    "montant_tva",
    "montant_ttc",
)


def invoices_csv(invoices: list[Invoice]) -> ResponseReturnValue:
    rows = [
        [
            "avoir" if invoice.is_credit_note else "facture",
            invoice.number,
            invoice.issued_on,
            invoice.refurbisher.name,
            invoice.refurbisher.siret,
            invoice.buyer.name,
            invoice.buyer.siret,
            invoice.delivery_id,
            invoice.total_ht,
            invoice.total_vat,
            invoice.total_ttc,
        ]
        for invoice in invoices
    ]
    return csv_response("factures.csv", HEADER, rows)
