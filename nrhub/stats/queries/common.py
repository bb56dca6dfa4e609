"""Helpers of the statistics queries: euros from cents, shares, the buyer or department
scope, the current year."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from nrhub.db import from_cents
from nrhub.extensions import db
from nrhub.formatting import paris_today
from nrhub.ledger.models import SpendSummary
from nrhub.organisations.models import Organisation, OrgKind

ZERO = Decimal("0.00")


def euros(cents: int | None) -> Decimal:
    return from_cents(int(cents or 0)) or ZERO


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole as a Decimal ratio (None when whole is 0: "pas de données")."""
    if not whole:
        return None
    return part / whole


def sum_cents(column: Any) -> ColumnElement[Any]:
    return func.coalesce(func.sum(column), 0)


def scoped(query: Select[Any], buyer_id: Any, department_code: Any) -> Select[Any]:
    """``query`` on the summary restricted to a buyer and/or a department (values or bound
    parameters; None: no restriction)."""
    if buyer_id is not None:
        query = query.where(SpendSummary.buyer_id == buyer_id)
    if department_code is not None:
        query = query.join(Organisation, Organisation.id == SpendSummary.buyer_id).where(
            Organisation.department_code == department_code
        )
    return query


def buyer_for(organisation_id: int) -> Organisation | None:
    """An active buyer organisation by id (None otherwise)."""
    return db.session.execute(
        select(Organisation).where(
            Organisation.id == organisation_id, Organisation.kind == OrgKind.BUYER
        )
    ).scalar_one_or_none()


def current_year() -> int:
    return paris_today().year
