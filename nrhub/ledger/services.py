"""Writing the spend ledger (inside the caller's transaction)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from nrhub.auth.models import User
from nrhub.clauses.services import NO_ENVIRONMENTAL, NO_SOCIAL
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry, SpendOrigin
from nrhub.organisations.models import Organisation, OrgKind


def record_spend(
    *,
    buyer: Organisation,
    spent_on: dt.date,
    category_id: int,
    quantity: int,
    amount: Decimal,
    supplier_name: str,
    origin: SpendOrigin,
    is_reuse: bool,
    by: User | None,
    has_recycled_materials: bool = False,
    supplier: Organisation | None = None,
    supplier_siret: str | None = None,
    social_consideration: str = NO_SOCIAL,
    environmental_consideration: str = NO_ENVIRONMENTAL,
    campaign_id: int | None = None,
    delivery_line_id: int | None = None,
    comment: str | None = None,
) -> SpendEntry:
    """Add one ledger row; ``spent_on`` is a Europe/Paris date. The caller commits.

    A supplier that is a member refurbisher gives its department, region and ESS status.
    """
    entry = SpendEntry(
        buyer_id=buyer.id,
        spent_on=spent_on,
        year=spent_on.year,
        category_id=category_id,
        quantity=quantity,
        amount=amount,
        supplier_name=supplier.name if supplier is not None else supplier_name,
        supplier_siret=supplier.siret if supplier is not None else supplier_siret,
        supplier_id=supplier.id if supplier is not None else None,
        supplier_department_code=supplier.department_code if supplier is not None else None,
        supplier_region_code=supplier.region_code if supplier is not None else None,
        supplier_is_ess=supplier is not None and supplier.kind == OrgKind.REFURBISHER,
        origin=origin,
        is_reuse=is_reuse,
        has_recycled_materials=has_recycled_materials,
        social_consideration=social_consideration,
        environmental_consideration=environmental_consideration,
        campaign_id=campaign_id,
        delivery_line_id=delivery_line_id,
        comment=comment,
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(entry)
    return entry
