"""The rows of the national reuse declaration file."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from nrhub.catalog.models import Category
from nrhub.extensions import db
from nrhub.ledger.models import SpendSummary
from nrhub.organisations.models import Organisation
from nrhub.stats.queries.common import euros, sum_cents
from nrhub.stats.queries.spending import LegalCategorySpend


@dataclass(frozen=True)
class DeclarationRow:
    annee: int
    siret: str
    raison_sociale: str
    type_produit_acquis: str
    montant_total: Decimal
    montant_reemploi_et_reutilisation: Decimal
    montant_produits_issus_don: Decimal
    montant_produits_recycles: Decimal
    commentaires: str = ""


def declaration_rows(year: int, *, buyer_id: int | None = None) -> list[DeclarationRow]:
    """The yearly legal declaration: one row per buyer and legal product category with
    spend in the year (product kinds outside the 17 categories left out): total HT,
    reuse/reutilisation (donations included, as the national schema asks), donations at
    their flat-rate value, recycled materials."""
    s = SpendSummary
    query = (
        select(
            Organisation.siret,
            Organisation.name,
            Category.legal_category,
            sum_cents(s.amount_cents),
            sum_cents(s.reuse_cents),
            sum_cents(s.donation_cents),
            sum_cents(s.recycled_cents),
        )
        .join(Organisation, Organisation.id == s.buyer_id)
        .join(Category, Category.id == s.category_id)
        .where(s.year == year, Category.legal_category != "")
        .group_by(Organisation.id, Organisation.siret, Organisation.name, Category.legal_category)
        .order_by(Organisation.name, Organisation.id, Category.legal_category)
    )
    if buyer_id is not None:
        query = query.where(s.buyer_id == buyer_id)
    return [
        DeclarationRow(
            year,
            siret,
            name,
            legal,
            euros(it),
            euros(reuse),
            euros(donation),
            euros(recycled),
        )
        for siret, name, legal, it, reuse, donation, recycled in db.session.execute(query)
    ]


def buyer_declaration_rows(
    year: int, buyer: Organisation, spend: list[LegalCategorySpend]
) -> list[DeclarationRow]:
    """:func:`declaration_rows` of one buyer, from its year's
    :func:`~nrhub.stats.queries.spending.spend_by_legal_category` (same sums, same order)
    instead of a statement of its own."""
    return [
        DeclarationRow(
            year,
            buyer.siret,
            buyer.name,
            row.legal_category,
            row.total,
            row.reuse,
            row.donations,
            row.recycled,
        )
        for row in spend
    ]
