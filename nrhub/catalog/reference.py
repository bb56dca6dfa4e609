"""Seeds the product categories from ``nrhub/data/categories.json``."""

from __future__ import annotations

from nrhub.catalog.models import Category
from nrhub.extensions import db
from nrhub.reference import read_data, reference_loader


@reference_loader
def load_categories() -> None:
    existing = set(db.session.execute(db.select(Category.code)).scalars())
    for row in read_data("categories.json"):
        if row["code"] not in existing:
            db.session.add(Category(**row))
