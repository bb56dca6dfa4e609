"""CSV exports of purchase orders and deliveries (the same figures as the printed pages)."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue

from nrhub.campaigns import calloffs
from nrhub.consolidation import labels, queries
from nrhub.consolidation.models import Delivery, PurchaseOrder
from nrhub.spreadsheets import csv_response

PURCHASE_ORDER_HEADER = (
    "bon_de_commande",
    "campagne",
    "reconditionneur",
    "acheteur",
    "reference",
    "designation",
    "quantite",
    "prix_unitaire_ht",
    "montant_ht",
    "taux_tva",
    "montant_tva",
    "montant_ttc",
)

DELIVERY_HEADER = (
    *PURCHASE_ORDER_HEADER,
    "statut",
    "quantite_recue",
    "montant_recu_ht",
)

# Last on every row: the framework agreement and lot the campaign calls off (else empty).
FRAMEWORK_HEADER = ("accord_cadre", "lot_accord_cadre", "reference_marche_titulaire")


def _framework_cells(campaign_id: int, refurbisher_id: int) -> list[str]:
    frame = calloffs.call_off_frame(campaign_id)
    if frame is None:
        return ["", "", ""]
    return [
        frame.reference,
        f"{frame.lot_number} — {frame.lot_title}",
        frame.reference_of(refurbisher_id),
    ]


def _row(purchase_order: PurchaseOrder, buyer: str, line: queries.DocumentLine) -> list[Any]:
    return [
        purchase_order.number,
        purchase_order.campaign.title,
        purchase_order.refurbisher.name,
        buyer,
        line.sku,
        line.designation,
        line.quantity,
        line.unit_price,
        line.amounts.ht,
        line.vat_rate,
        line.amounts.vat,
        line.amounts.ttc,
    ]


def purchase_order_csv(purchase_order: PurchaseOrder) -> ResponseReturnValue:
    """One row per buyer and line: the per-buyer breakdown sums to the purchase order."""
    frame = _framework_cells(purchase_order.campaign_id, purchase_order.refurbisher_id)
    rows = [
        [*_row(purchase_order, delivery.buyer.name, line), *frame]
        for delivery in purchase_order.deliveries
        for line in queries.delivery_lines(delivery)
    ]
    return csv_response(
        f"{purchase_order.number}.csv", (*PURCHASE_ORDER_HEADER, *FRAMEWORK_HEADER), rows
    )


def delivery_csv(delivery: Delivery) -> ResponseReturnValue:
    purchase_order = delivery.purchase_order
    frame = _framework_cells(delivery.campaign_id, delivery.refurbisher_id)
    rows = []
    for line in queries.delivery_lines(delivery):
        rows.append(
            [
                purchase_order.number,
                delivery.campaign.title,
                delivery.refurbisher.name,
                delivery.buyer.name,
                line.sku,
                line.designation,
                line.quantity,
                line.unit_price,
                line.amounts.ht,
                line.vat_rate,
                line.amounts.vat,
                line.amounts.ttc,
                labels.delivery_status(delivery.status),
                line.received,
                line.received_amounts.ht if line.received_amounts else None,
                *frame,
            ]
        )
    return csv_response(f"livraison-{delivery.id}.csv", (*DELIVERY_HEADER, *FRAMEWORK_HEADER), rows)
