"""The API over the buyer's spend ledger: declare purchases made outside the hub (and
donations), and read the rows of a year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry, SpendOrigin
from nrhub.stats.queries import current_year
from tests.api.conftest import bearer
from tests.api.test_api import assert_problem
from tests.factories import BuyerFactory, UserFactory

YEAR = current_year()

BODY = {
    "spent_on": f"{YEAR}-01-15",
    "category": "laptop",
    "quantity": 4,
    "nature": "reuse",
    "amount_ht": "1200.50",
    "supplier_name": "Ordi Solidaire",
    "social_consideration": "Marché réservé",
}


def _count() -> int:
    return db.session.scalar(select(func.count(SpendEntry.id)))


def test_declare_expense(api, people):  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/expenses", json=BODY, headers=bearer(people["buyer"]))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert {k: body[k] for k in ("spent_on", "year", "category", "quantity", "amount_ht")} == {
        "spent_on": f"{YEAR}-01-15",
        "year": YEAR,
        "category": "laptop",
        "quantity": 4,
        "amount_ht": "1200.50",
    }
    assert (body["origin"], body["is_reuse"], body["social_consideration"]) == (
        "external",
        True,
        "Marché réservé",
    )
    assert dt.datetime.fromisoformat(body["created_at"]).tzinfo is not None
    entry = db.session.get(SpendEntry, body["id"])
    assert (entry.buyer_id, entry.amount, entry.origin) == (
        people["buyer"].organisation_id,
        Decimal("1200.50"),
        SpendOrigin.EXTERNAL,
    )


def test_declare_donation_valued_by_the_grid(api, people):  # type: ignore[no-untyped-def]
    body = {
        "spent_on": f"{YEAR}-02-01",
        "category": "laptop",
        "quantity": 3,
        "nature": "donation",
        "donation_age_bracket": "lt5",
    }
    response = api.post("/api/v1/expenses", json=body, headers=bearer(people["buyer"]))
    assert response.status_code == 201, response.get_data(as_text=True)
    out = response.get_json()
    assert (out["origin"], out["amount_ht"], out["is_reuse"], out["donation_age_bracket"]) == (
        "donation",
        "600.00",  # 3 × 200.00
        True,
        "lt5",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "fusée"}, "category"),
        ({"amount_ht": None}, "amount_ht"),
        ({"amount_ht": "12,50"}, "amount_ht"),
        ({"amount_ht": 12.5}, "amount_ht"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": "4"}, "quantity"),
        ({"spent_on": "2999-01-01"}, "spent_on"),
        ({"spent_on": "15/01/2026"}, "spent_on"),
        ({"supplier_siret": "12345678901234"}, "supplier_siret"),
        ({"social_consideration": "Oui"}, "social_consideration"),
        ({"nature": "donation"}, "donation_age_bracket"),
        ({"clause_ids": [999]}, "clause_ids"),
        ({"origin": "hub"}, "origin"),
    ],
)
def test_declare_expense_malformed_422_nothing_written(api, people, change, field):  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/expenses", json=BODY | change, headers=bearer(people["buyer"]))
    body = assert_problem(response, 422)
    assert field in body["errors"], body
    assert _count() == 0


@pytest.mark.parametrize("role", ["coordinator", "refurbisher"])
def test_expenses_refused_to_other_roles(api, people, role):  # type: ignore[no-untyped-def]
    headers = bearer(people[role])
    assert_problem(api.post("/api/v1/expenses", json=BODY, headers=headers), 403)
    assert_problem(api.get("/api/v1/expenses", headers=headers), 403)
    assert _count() == 0


def test_declare_expense_idempotent_retry(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["buyer"]) | {"Idempotency-Key": "dep-1"}
    first = api.post("/api/v1/expenses", json=BODY, headers=headers)
    again = api.post("/api/v1/expenses", json=BODY, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.get_json() == again.get_json()
    assert _count() == 1


def test_list_expenses_of_a_year_own_rows_only_paginated(api, people):  # type: ignore[no-untyped-def]
    mine = bearer(people["buyer"])
    other = bearer(UserFactory(organisation=BuyerFactory(), email="b2@example.fr"))
    db.session.commit()
    for day in (10, 11, 12):
        api.post("/api/v1/expenses", json=BODY | {"spent_on": f"{YEAR}-01-{day}"}, headers=mine)
    api.post("/api/v1/expenses", json=BODY | {"spent_on": f"{YEAR - 1}-06-01"}, headers=mine)
    api.post("/api/v1/expenses", json=BODY, headers=other)
    assert _count() == 5

    first = api.get(f"/api/v1/expenses?year={YEAR}&limit=2", headers=mine).get_json()
    assert [e["spent_on"] for e in first["items"]] == [f"{YEAR}-01-10", f"{YEAR}-01-11"]
    second = api.get(
        f"/api/v1/expenses?year={YEAR}&limit=2&cursor={first['next_cursor']}", headers=mine
    ).get_json()
    assert [e["spent_on"] for e in second["items"]] == [f"{YEAR}-01-12"]
    assert second["next_cursor"] is None
    default_year = api.get("/api/v1/expenses", headers=mine).get_json()
    assert len(default_year["items"]) == 3
    last_year = api.get(f"/api/v1/expenses?year={YEAR - 1}", headers=mine).get_json()
    assert [e["spent_on"] for e in last_year["items"]] == [f"{YEAR - 1}-06-01"]
    theirs = api.get(f"/api/v1/expenses?year={YEAR}", headers=other).get_json()
    assert len(theirs["items"]) == 1


@pytest.mark.parametrize("query", ["year=1999", "year=abc", "limit=500", "cursor=%%%"])
def test_list_expenses_bad_query_422(api, people, query):  # type: ignore[no-untyped-def]
    assert_problem(api.get(f"/api/v1/expenses?{query}", headers=bearer(people["buyer"])), 422)


# --- conventions the property-based run holds the API to ------------------------------


def test_integral_number_is_an_integer_but_text_is_not(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["buyer"])
    ok = api.post("/api/v1/expenses", json=BODY | {"quantity": 4.0}, headers=headers)
    assert ok.status_code == 201 and ok.get_json()["quantity"] == 4
    for bad in (4.5, "4", True):
        response = api.post("/api/v1/expenses", json=BODY | {"quantity": bad}, headers=headers)
        assert "quantity" in assert_problem(response, 422)["errors"]
    assert _count() == 1


def test_unknown_query_parameter_422(api, people):  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/expenses?annee=2026", headers=bearer(people["buyer"]))
    assert assert_problem(response, 422)["errors"] == {"annee": ["Paramètre inconnu."]}


@pytest.mark.parametrize("key", ["", "avec espace", "é", "x" * 201])
def test_malformed_idempotency_key_422_nothing_written(api, people, key):  # type: ignore[no-untyped-def]
    headers = bearer(people["buyer"]) | {"Idempotency-Key": key}
    response = api.post("/api/v1/expenses", json=BODY, headers=headers)
    assert "Idempotency-Key" in assert_problem(response, 422)["errors"]
    assert _count() == 0


def test_nul_character_refused_in_body_query_and_path(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["buyer"])
    body = BODY | {"supplier_name": "Ordi\x00Solidaire"}
    response = api.post("/api/v1/expenses", json=body, headers=headers)
    assert "supplier_name" in assert_problem(response, 422)["errors"]
    assert _count() == 0
    assert (
        "q" in assert_problem(api.get("/api/v1/listings?q=a%00b", headers=headers), 422)["errors"]
    )
    put = api.put("/api/v1/listings/by-sku/A%00B", json={}, headers=bearer(people["refurbisher"]))
    assert "sku" in assert_problem(put, 422)["errors"]
