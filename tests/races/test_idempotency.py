"""One ``Idempotency-Key`` is one execution, however many copies arrive at once and on
however many workers: the copies wait for the first and replay its answer."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from nrhub.campaigns.models import Campaign
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from nrhub.stats.queries import current_year
from tests.factories import BuyerFactory, HubFactory, UserFactory
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


def test_ten_copies_of_one_campaign_make_one_campaign(app, race_server):  # type: ignore[no-untyped-def]
    coordinator = UserFactory(organisation=HubFactory())
    commit_setup()
    token = token_for(coordinator)
    now = dt.datetime.now(dt.UTC)
    body = {
        "title": "Portables 2027",
        "opens_at": (now + dt.timedelta(days=1)).isoformat(),
        "closes_at": (now + dt.timedelta(days=20)).isoformat(),
        "categories": ["laptop"],
    }
    call = api_call(race_server, token, "POST", "/campaigns", key="campagne-1", json=body)

    responses = race([call] * 10)

    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert db.session.scalar(select(func.count(Campaign.id))) == 1
