"""One ``Idempotency-Key`` is one execution, however many copies arrive at once and on
however many workers: the copies wait for the first and replay its answer."""

from __future__ import annotations

from sqlalchemy import func, select

from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from nrhub.stats.queries import current_year
from tests.factories import BuyerFactory, UserFactory
from tests.races.conftest import api_call, commit_setup, race, token_for

EXPENSE = {
    "spent_on": f"{current_year()}-01-15",
    "category": "laptop",
    "quantity": 4,
    "nature": "reuse",
    "amount_ht": "1500.00",
    "supplier_name": "Ordi Solidaire",
}


def test_twenty_copies_of_one_expense_write_one_row(app, race_server):  # type: ignore[no-untyped-def]
    buyer = UserFactory(organisation=BuyerFactory())
    commit_setup()
    token = token_for(buyer)
    call = api_call(race_server, token, "POST", "/expenses", key="depense-1", json=EXPENSE)

    responses = race([call] * 20)

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 19
    assert db.session.scalar(select(func.count(SpendEntry.id))) == 1
