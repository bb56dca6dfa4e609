"""A refurbisher's sales per buyer, category and year."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, select, type_coerce

from nrhub.catalog.models import Category
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry, SpendOrigin
from nrhub.organisations.models import Organisation
from nrhub.stats.queries.common import euros, sum_cents


@dataclass(frozen=True)
class SaleRow:
    year: int
    buyer_id: int
    buyer_name: str
    category_label: str
    quantity: int
    amount: Decimal


def sales_by_buyer_category_year(refurbisher_id: int, year: int | None = None) -> list[SaleRow]:
    """A refurbisher's sales through the hub (ledger rows it supplied, written at the
    buyers' receipts): quantity and amount HT per year, buyer and category."""
    e = SpendEntry
    query = (
        select(
            e.year,
            Organisation.id,
            Organisation.name,
            Category.label_fr,
            sum_cents(e.quantity),
            sum_cents(type_coerce(e.amount, BigInteger)),
        )
        .join(Organisation, Organisation.id == e.buyer_id)
        .join(Category, Category.id == e.category_id)
        .where(e.supplier_id == refurbisher_id, e.origin == SpendOrigin.HUB)
        .group_by(
            e.year, Organisation.id, Organisation.name, Category.label_fr, Category.sort_order
        )
        .order_by(e.year.desc(), Organisation.name, Category.sort_order)
    )
    if year is not None:
        query = query.where(e.year == year)
    return [
        SaleRow(int(sale_year), buyer_id, buyer_name, label, int(quantity), euros(cents))
        for sale_year, buyer_id, buyer_name, label, quantity, cents in db.session.execute(query)
    ]
