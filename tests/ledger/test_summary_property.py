"""Property: whatever the sequence of ledger writes, edits, deletions, imports, hub
receipts and buyers' moves to another department or region, the summary tables equal the
aggregate recomputed from the ledger (``summary_select``) after every step.

Each step runs as production runs it, in one unit of work; a move goes through the
organisation's profile update, where the ledger's hook lives. The local shares of reuse
spend depend on the buyer's department and region, so moves between Rennes (35, Brittany),
Brest (29, Brittany), Paris (75) and Marseille (13) change them both ways.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete, select, update

from nrhub.clauses.models import ClauseKind
from nrhub.extensions import db
from nrhub.ledger import services
from nrhub.ledger.models import (
    SpendBuyerSummary,
    SpendDepartmentSummary,
    SpendEntry,
    SpendImport,
    SpendOrigin,
    SpendSummary,
    spend_entry_clause,
)
from nrhub.ledger.queries import get_entry_for
from nrhub.ledger.services import ImportRow, SpendInput, SpendNature
from nrhub.organisations import services as organisations
from nrhub.organisations.models import Organisation
from nrhub.transactions import unit_of_work
from tests import factories
from tests.ledger.conftest import make_campaign, make_clause
from tests.ledger.summary_check import assert_summary_matches_ledger

# (postcode, department, city)
PLACES = (
    ("35000", "35", "Rennes"),
    ("29200", "29", "Brest"),
    ("75001", "75", "Paris"),
    ("13001", "13", "Marseille"),
)
CATEGORIES = ("laptop", "smartphone", "printer")
BUYERS = 3

amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9999.99"), places=2)
buyers = st.integers(min_value=0, max_value=BUYERS - 1)


@st.composite
def spend_inputs(draw: st.DrawFn) -> dict[str, object]:
    """A declaration, by indexes into the world built by the machine."""
    nature = draw(st.sampled_from(list(SpendNature)))
    return {
        "spent_on": dt.date(draw(st.sampled_from((2024, 2025))), draw(st.integers(1, 12)), 1),
        "category": draw(st.sampled_from(CATEGORIES[:2] if nature == "donation" else CATEGORIES)),
        "quantity": draw(st.integers(1, 5)),
        "amount": draw(amounts),
        "nature": nature,
        "supplier": draw(st.sampled_from((None, 0, 1, 2))),
        "recycled": draw(st.booleans()),
        "social": draw(st.sampled_from(services.SOCIAL_VALUES)),
        "environmental": draw(st.sampled_from(services.ENVIRONMENTAL_VALUES)),
        "clauses": draw(st.lists(st.integers(0, 2), max_size=2, unique=True)),
    }


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        world = _World.get()
        world.reset()
        self.world = world
        self.tokens = itertools.count()

    def _input(self, values: dict[str, object]) -> SpendInput:
        supplier = values["supplier"]
        nature = SpendNature(values["nature"])
        return SpendInput(
            spent_on=values["spent_on"],  # type: ignore[arg-type]
            category_id=self.world.categories[values["category"]],  # type: ignore[index]
            quantity=values["quantity"],  # type: ignore[arg-type]
            amount=values["amount"],  # type: ignore[arg-type]
            supplier_name="Fournisseur",
            nature=nature,
            supplier_siret=None if supplier is None else self.world.suppliers[supplier].siret,  # type: ignore[index]
            has_recycled_materials=values["recycled"],  # type: ignore[arg-type]
            donation_age_bracket="lt5" if nature == SpendNature.DONATION else None,
            social_consideration=values["social"],  # type: ignore[arg-type]
            environmental_consideration=values["environmental"],  # type: ignore[arg-type]
            clause_ids=tuple(self.world.clause_ids[i] for i in values["clauses"]),  # type: ignore[attr-defined]
        )

    def _declared(self, pick: int) -> SpendEntry | None:
        ids = (
            db.session.execute(
                select(SpendEntry.id)
                .where(SpendEntry.origin != SpendOrigin.HUB)
                .order_by(SpendEntry.id)
            )
            .scalars()
            .all()
        )
        if not ids:
            return None
        entry_id = ids[pick % len(ids)]
        buyer_id = db.session.get(SpendEntry, entry_id).buyer_id
        return get_entry_for(buyer_id, entry_id)

    def _person_of(self, buyer_id: int):  # type: ignore[no-untyped-def]
        return next(u for u in self.world.people if u.organisation_id == buyer_id)

    @rule(buyer=buyers, values=spend_inputs())
    def declare(self, buyer: int, values: dict[str, object]) -> None:
        with unit_of_work():
            services.declare_spend(self._input(values), by=self.world.people[buyer])

    @rule(
        buyer=buyers,
        year=st.sampled_from((2024, 2025)),
        category=st.sampled_from(CATEGORIES),
        quantity=st.integers(1, 5),
        amount=amounts,
        supplier=st.integers(0, 2),
    )
    def receive_hub_delivery(
        self, buyer: int, year: int, category: str, quantity: int, amount: Decimal, supplier: int
    ) -> None:
        with unit_of_work():
            services.record_spend(
                buyer=self.world.people[buyer].organisation,
                spent_on=dt.date(year, 6, 1),
                category_id=self.world.categories[category],
                quantity=quantity,
                amount=amount,
                supplier_name="",
                supplier=self.world.suppliers[supplier],
                origin=SpendOrigin.HUB,
                is_reuse=True,
                campaign_id=self.world.campaign_id,
                social_consideration="Clause sociale",
                by=None,
            )

    @rule(pick=st.integers(0, 50), values=spend_inputs())
    def edit(self, pick: int, values: dict[str, object]) -> None:
        entry = self._declared(pick)
        if entry is None:
            return
        with unit_of_work():
            services.update_spend(entry, self._input(values), by=self._person_of(entry.buyer_id))

    @rule(pick=st.integers(0, 50))
    def remove(self, pick: int) -> None:
        entry = self._declared(pick)
        if entry is None:
            return
        with unit_of_work():
            services.delete_spend(entry, by=self._person_of(entry.buyer_id))

    @rule(buyer=buyers, rows=st.lists(spend_inputs(), min_size=1, max_size=3))
    def import_file(self, buyer: int, rows: list[dict[str, object]]) -> None:
        lines = [ImportRow(n + 2, self._input(v)) for n, v in enumerate(rows)]
        with unit_of_work():
            services.import_spend(
                lines, by=self.world.people[buyer], token=f"apercu-{next(self.tokens)}"
            )

    @rule(buyer=buyers, place=st.sampled_from(PLACES))
    def move(self, buyer: int, place: tuple[str, str, str]) -> None:
        person = self.world.people[buyer]
        org = db.session.get(Organisation, person.organisation_id)
        postcode, department, city = place
        profile = organisations.OrganisationProfile(
            address="1 place de la Mairie",
            postcode=postcode,
            city=city,
            department_code=department,
            contact_email=org.contact_email,
            buyer_type=org.buyer_type,
            population=org.population,
        )
        with unit_of_work():
            organisations.update_profile(org, profile, by=person)

    @invariant()
    def summary_equals_ledger(self) -> None:
        db.session.expire_all()
        assert_summary_matches_ledger()
        db.session.rollback()  # hold no transaction between steps


class _World:
    """Buyers, suppliers, clauses and a campaign, built once per test and reset (ledger
    emptied, buyers back in Rennes) before each example."""

    current: _World | None = None

    def __init__(self) -> None:
        self.people = [factories.UserFactory() for _ in range(BUYERS)]
        self.suppliers = [
            factories.RefurbisherFactory(department_code=d, region_code=r)
            for d, r in (("35", "53"), ("29", "53"), ("13", "93"))
        ]
        clauses = [
            make_clause(ClauseKind.SOCIAL, "S1"),
            make_clause(ClauseKind.ENVIRONMENTAL, "E1"),
            make_clause(ClauseKind.ENVIRONMENTAL, "E2"),
        ]
        self.clause_ids = [c.id for c in clauses]
        self.campaign_id = make_campaign(clauses[:2]).id
        self.categories = {code: factories.category(code).id for code in CATEGORIES}
        db.session.commit()

    @classmethod
    def get(cls) -> _World:
        assert cls.current is not None
        return cls.current

    def reset(self) -> None:
        for table in (
            spend_entry_clause,
            SpendEntry.__table__,
            SpendSummary.__table__,
            SpendBuyerSummary.__table__,
            SpendDepartmentSummary.__table__,
            SpendImport.__table__,
        ):
            db.session.execute(delete(table))
        db.session.execute(
            update(Organisation)
            .where(Organisation.id.in_([p.organisation_id for p in self.people]))
            .values(postcode="35000", city="Rennes", department_code="35", region_code="53")
        )
        db.session.commit()
        db.session.expire_all()


def test_summary_equals_ledger_after_any_sequence_of_changes(app):  # type: ignore[no-untyped-def]
    _World.current = _World()
    try:
        run_state_machine_as_test(
            LedgerMachine,
            settings=settings(
                max_examples=20,
                stateful_step_count=10,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    finally:
        _World.current = None
