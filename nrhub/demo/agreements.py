"""Demo legal frame: every active demo buyer's membership agreement, and one framework
agreement with two lots whose holders are demo refurbishers (the demo campaigns are
call-offs under its first lot). Idempotent by buyer and by reference."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from nrhub.agreements import frameworks, memberships
from nrhub.agreements.models import (
    Ccag,
    FrameworkAgreement,
    FrameworkLot,
    MembershipAgreement,
    Procedure,
)
from nrhub.auth.models import User
from nrhub.catalog.models import Category
from nrhub.demo.organisations import BUYERS, organisation
from nrhub.extensions import db
from nrhub.organisations.models import OrgStatus

REFERENCE = "AC-2025-01"
LOTS = (
    (
        1,
        "Postes de travail",
        "30213000-5",
        Decimal("600000.00"),
        ("laptop", "desktop", "monitor", "tablet", "smartphone"),
        (
            ("ordi-breizh", "AC-2025-01-L1-OB"),
            ("coop-ouest", "AC-2025-01-L1-CO"),
            ("atelier-leon", "AC-2025-01-L1-AL"),
        ),
    ),
    (
        2,
        "Écrans et périphériques",
        "30231000-7",
        Decimal("200000.00"),
        ("monitor", "accessory", "printer", "video_projector"),
        (("atelier-leon", "AC-2025-01-L2-AL"), ("armor-ea", "AC-2025-01-L2-AE")),
    ),
)


def _coordinator() -> User:
    return db.session.execute(
        select(User)
        .where(User.organisation_id == organisation("hub").id)
        .order_by(User.id)
        .limit(1)
    ).scalar_one()


def lot_id(number: int) -> int | None:
    """The demo agreement's lot of that number (for the campaign demo)."""
    return db.session.execute(
        select(FrameworkLot.id)
        .join(FrameworkAgreement, FrameworkAgreement.id == FrameworkLot.agreement_id)
        .where(FrameworkAgreement.reference == REFERENCE, FrameworkLot.number == number)
    ).scalar_one_or_none()


def _memberships(by: User) -> None:
    covered = set(db.session.execute(select(MembershipAgreement.buyer_id)).scalars())
    for index, spec in enumerate(BUYERS):
        if spec.status != OrgStatus.ACTIVE:
            continue
        buyer = organisation(spec.key)
        if buyer.id in covered:
            continue
        memberships.record_membership(
            buyer.id,
            memberships.MembershipData(
                text_version="Convention d'adhésion v2 (2024)",
                signed_on=dt.date(2024, 1, 15) + dt.timedelta(days=7 * index),
                signatory_name=spec.people[0][1],
                signatory_role="Maire" if "Commune" in spec.name else "Président(e)",
                deliberation_reference=f"DEL-2024-{index + 11:03d}",
                ends_on=dt.date(2029, 12, 31) if index % 3 == 2 else None,
            ),
            None,
            by=by,
        )


def _framework(by: User) -> None:
    if db.session.execute(
        select(FrameworkAgreement.id).where(FrameworkAgreement.reference == REFERENCE)
    ).first():
        return
    agreement = frameworks.create_framework(
        frameworks.FrameworkData(
            title="Fourniture de matériel informatique reconditionné",
            reference=REFERENCE,
            procedure=Procedure.OPEN_TENDER,
            awarded_on=dt.date(2025, 6, 2),
            duration_months=48,
            maximum_amount=Decimal("800000.00"),
            ccag=Ccag.TIC,
        ),
        by=by,
    )
    for number, title, cpv, maximum, codes, holders in LOTS:
        category_ids = db.session.execute(
            select(Category.id).where(Category.code.in_(codes))
        ).scalars()
        lot = frameworks.add_lot(
            agreement,
            frameworks.LotData(number, title, cpv, maximum, tuple(category_ids)),
            by=by,
        )
        for key, reference in holders:
            frameworks.add_holder(lot, organisation(key).id, reference, by=by)


def load() -> None:
    by = _coordinator()
    _memberships(by)
    _framework(by)
    db.session.flush()
