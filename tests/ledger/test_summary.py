"""The summary tables always equal the aggregate recomputed from the ledger."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from nrhub.clauses.models import ClauseKind
from nrhub.extensions import db
from nrhub.ledger import queries, services
from nrhub.ledger.models import (
    SUMMARY_KEY,
    SpendOrigin,
    SpendSummary,
)
from nrhub.ledger.services import ImportRow, SpendInput, SpendNature
from nrhub.ledger.summary import rebuild_summary
from nrhub.transactions import unit_of_work
from tests import factories
from tests.ledger.summary_check import assert_summary_matches_ledger, rows_of

SOCIAL = services.SOCIAL_VALUES
ENVIRONMENTAL = services.ENVIRONMENTAL_VALUES


def _random_input(rng: random.Random, categories, clauses) -> SpendInput:  # type: ignore[no-untyped-def]
    nature = rng.choice(list(SpendNature))
    return SpendInput(
        spent_on=dt.date(rng.choice((2024, 2025)), rng.randint(1, 12), rng.randint(1, 28)),
        category_id=rng.choice(categories).id,
        quantity=rng.randint(1, 9),
        amount=Decimal(rng.randint(0, 500_000)) / 100,
        supplier_name="Fournisseur",
        nature=nature,
        has_recycled_materials=rng.random() < 0.3,
        donation_age_bracket=rng.choice(("lt5", "ge5")) if nature == SpendNature.DONATION else None,
        social_consideration=rng.choice(SOCIAL),
        environmental_consideration=rng.choice(ENVIRONMENTAL),
        clause_ids=tuple(c.id for c in rng.sample(clauses, rng.randint(0, min(2, len(clauses))))),
    )


def test_summary_equals_ledger_after_random_writes(app, clause_factory, campaign_factory):
    rng = random.Random(20251231)
    refurbisher = factories.RefurbisherFactory(department_code="35", region_code="53")
    far = factories.RefurbisherFactory(department_code="13", region_code="93")
    users = [
        factories.UserFactory(organisation=factories.BuyerFactory(department_code=d, region_code=r))
        for d, r in (("35", "53"), ("29", "53"), ("75", "11"))
    ]
    clauses = [
        clause_factory(ClauseKind.SOCIAL, "S1"),
        clause_factory(ClauseKind.ENVIRONMENTAL, "E1"),
        clause_factory(ClauseKind.ENVIRONMENTAL, "E2"),
    ]
    campaign = campaign_factory(clauses[:2])
    db.session.commit()
    categories = list(queries.list_categories())
    for step in range(120):
        user = rng.choice(users)
        action = rng.random()
        declared = [
            e for e in queries.list_entries(user.organisation_id, 2024)
            + list(queries.list_entries(user.organisation_id, 2025))
            if e.is_declared
        ]  # fmt: skip
        if action < 0.25:
            services.record_spend(  # outside a unit of work: the summary follows at once
                buyer=user.organisation,
                spent_on=dt.date(2025, rng.randint(1, 12), 1),
                category_id=rng.choice(categories).id,
                quantity=rng.randint(1, 5),
                amount=Decimal(rng.randint(100, 90_000)) / 100,
                supplier_name="",
                supplier=rng.choice((refurbisher, far)),
                origin=SpendOrigin.HUB,
                is_reuse=True,
                campaign_id=campaign.id,
                social_consideration="Clause sociale",
                by=None,
            )
            db.session.commit()
        elif action < 0.55:
            with unit_of_work():
                services.declare_spend(_random_input(rng, categories, clauses), by=user)
        elif action < 0.7 and declared:
            with unit_of_work():
                services.update_spend(
                    rng.choice(declared), _random_input(rng, categories, clauses), by=user
                )
        elif action < 0.85 and declared:
            with unit_of_work():
                services.delete_spend(rng.choice(declared), by=user)
        else:
            rows = [
                ImportRow(n + 2, _random_input(rng, categories, []))
                for n in range(rng.randint(1, 3))
            ]
            with unit_of_work():
                services.import_spend(rows, by=user, token=f"apercu-{step}")
        db.session.expire_all()
        assert_summary_matches_ledger()
    assert db.session.execute(select(SpendSummary)).first() is not None

    # And a full rebuild gives the same tables.
    before = rows_of(select(SpendSummary.__table__), SUMMARY_KEY)
    rebuild_summary()
    db.session.commit()
    assert rows_of(select(SpendSummary.__table__), SUMMARY_KEY) == before
    assert_summary_matches_ledger()
