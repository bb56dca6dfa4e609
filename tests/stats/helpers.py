"""Writing hand-computed ledger fixtures for the statistics tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry, SpendOrigin
from nrhub.ledger.services import record_spend
from nrhub.organisations.models import Organisation
from tests import factories


def spend(
    buyer: Organisation,
    on: dt.date,
    amount: str,
    *,
    category: str = "laptop",
    quantity: int = 1,
    origin: SpendOrigin = SpendOrigin.EXTERNAL,
    reuse: bool = False,
    commit: bool = True,
    **extra: object,
) -> SpendEntry:
    entry = record_spend(
        buyer=buyer,
        spent_on=on,
        category_id=factories.category(category).id,
        quantity=quantity,
        amount=Decimal(amount),
        supplier_name=str(extra.pop("supplier_name", "Fournisseur")),
        origin=origin,
        is_reuse=reuse,
        by=None,
        **extra,  # type: ignore[arg-type]
    )
    if commit:
        db.session.commit()
    return entry
