"""Seeds the product categories from ``nrhub/data/categories.json``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from nrhub.catalog.models import Category
from nrhub.reference_files import insert_rows, read_data, reference_loader


@reference_loader
def load_categories(session: Session) -> None:
    existing = set(session.execute(select(Category.code)).scalars())
    missing = [row for row in read_data("categories.json") if row["code"] not in existing]
    insert_rows(session, Category.__table__, missing)
