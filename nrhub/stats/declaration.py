"""The yearly declaration file in the national open-data schema (one definition for web and API)."""

from __future__ import annotations

import csv
import io

from flask import Response

from nrhub.organisations.models import Organisation
from nrhub.spreadsheets import neutralise
from nrhub.stats import queries

DECLARATION_HEADER = (
    "annee", "siret", "raison_sociale", "type_produit_acquis", "montant_total",
    "montant_reemploi_et_reutilisation", "montant_produits_issus_don",
    "montant_produits_recycles", "commentaires",
)  # fmt: skip


def declaration_response(year: int, buyer: Organisation | None) -> Response:
    """One buyer's rows, or every member's when ``buyer`` is None: comma, decimal point."""
    rows = queries.declaration_rows(year, buyer_id=buyer.id if buyer else None)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(DECLARATION_HEADER)
    for r in rows:
        # Text typed by people (a name starting with "=") must not run as a formula.
        writer.writerow(
            (r.annee, r.siret, neutralise(r.raison_sociale), neutralise(r.type_produit_acquis),
             r.montant_total, r.montant_reemploi_et_reutilisation, r.montant_produits_issus_don,
             r.montant_produits_recycles, neutralise(r.commentaires or ""))
        )  # fmt: skip
    name = f"declaration-reemploi-{year}" + (f"-{buyer.siret}" if buyer else "") + ".csv"
    return Response(
        buffer.getvalue().encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
