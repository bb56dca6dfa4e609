"""The CSV of donation lots, in French whatever the interface language."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from nrhub.donations import forms
from nrhub.donations.models import DonationLot
from nrhub.formatting import paris_date_of
from nrhub.spreadsheets import csv_response

LOTS_CSV_HEADER = (
    "id", "date", "donateur", "departement", "code_postal", "commune", "categorie",
    "quantite", "quantite_disponible", "age", "etat", "poids_unitaire_kg",
    "effacement_donnees_exige", "disponible_du", "disponible_au", "statut", "diffusion",
    "description",
)  # fmt: skip


def _lot_row(lot: DonationLot) -> tuple[Any, ...]:
    return (
        lot.id, paris_date_of(lot.created_at), lot.donor.name, lot.department_code,
        lot.pickup_postcode, lot.pickup_city, lot.category.label_fr, lot.quantity,
        lot.remaining_quantity, str(forms.AGE_LABELS.get(lot.age_bracket, lot.age_bracket)),
        str(forms.CONDITION_LABELS.get(lot.condition, lot.condition)),
        Decimal(lot.unit_weight_g) / 1000, lot.data_wiping_required, lot.available_from,
        lot.available_until, str(forms.LOT_STATUS_LABELS.get(lot.status, lot.status)),
        str(forms.REACH_LABELS.get(lot.reach, lot.reach)), lot.description,
    )  # fmt: skip


def lots_csv(lots: Iterable[DonationLot]) -> ResponseReturnValue:
    with force_locale("fr"):
        rows = [_lot_row(lot) for lot in lots]
    return csv_response("lots-de-reemploi.csv", LOTS_CSV_HEADER, rows)
