"""PUT /listings/by-sku/{sku} accepts what GET returns (issue 15, item 8): read-only fields
ignored when they match, the URL's SKU, decimals compared by value, a tier at 1 unit equal
to the base price."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from nrhub.catalog.models import Listing
from nrhub.extensions import db
from tests.api.conftest import bearer
from tests.api.test_api import LISTING_BODY, assert_problem

URL = "/api/v1/listings/by-sku/RT-1"


def _created(api, headers) -> dict:  # type: ignore[no-untyped-def]
    response = api.put(URL, json=LISTING_BODY, headers=headers)
    assert response.status_code == 201, response.get_json()
    return api.get(f"/api/v1/listings/{response.get_json()['id']}", headers=headers).get_json()


def test_the_representation_get_returns_is_accepted_as_is_and_changed(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"])
    shown = _created(api, headers)
    assert {"id", "sku", "refurbisher", "created_at", "updated_at", "published_at"} <= set(shown)
    same = api.put(URL, json=shown, headers=headers)
    assert same.status_code == 200, same.get_json()
    assert same.get_json()["id"] == shown["id"]
    again = api.get(f"/api/v1/listings/{shown['id']}", headers=headers).get_json()
    changed = api.put(URL, json=again | {"quantity": 3}, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["quantity"] == 3
    assert db.session.scalar(select(func.count(Listing.id))) == 1


def test_a_sku_other_than_the_urls_is_refused(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"])
    shown = _created(api, headers)
    body = assert_problem(
        api.put(URL, json=shown | {"sku": "AUTRE", "quantity": 1}, headers=headers), 422
    )
    assert body["errors"] == {
        "sku": ["La référence du corps (« AUTRE ») doit être celle de l'adresse (« RT-1 »)."]
    }
    db.session.expire_all()
    assert db.session.get(Listing, shown["id"]).quantity == LISTING_BODY["quantity"]


def test_a_read_only_field_that_differs_is_refused(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"])
    shown = _created(api, headers)
    stale = shown | {"updated_at": "2020-01-01T00:00:00+00:00", "quantity": 1}
    body = assert_problem(api.put(URL, json=stale, headers=headers), 422)
    assert list(body["errors"]) == ["updated_at"]
    other = shown | {"refurbisher": shown["refurbisher"] | {"id": shown["refurbisher"]["id"] + 1}}
    assert list(assert_problem(api.put(URL, json=other, headers=headers), 422)["errors"]) == [
        "refurbisher"
    ]
    db.session.expire_all()
    assert db.session.get(Listing, shown["id"]).quantity == LISTING_BODY["quantity"]


def test_read_only_fields_cannot_create_a_listing(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"])
    body = assert_problem(api.put(URL, json=LISTING_BODY | {"id": 42}, headers=headers), 422)
    assert body["errors"] == {
        "id": ["Champ en lecture seule : l'offre « RT-1 » n'existe pas encore."]
    }
    assert db.session.scalar(select(func.count(Listing.id))) == 0
    created = api.put(URL, json=LISTING_BODY | {"sku": "RT-1"}, headers=headers)
    assert created.status_code == 201


def test_decimals_are_compared_by_value(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"])
    body = LISTING_BODY | {"vat_rate": "20.0", "unit_price_ht": "310.000"}
    response = api.put(URL, json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["vat_rate"], response.get_json()["unit_price_ht"]) == (
        "20.00",
        "310.00",
    )
    reduced = api.put(URL, json=body | {"vat_rate": "5.50"}, headers=headers)
    assert reduced.get_json()["vat_rate"] == "5.50"
    refused = assert_problem(api.put(URL, json=body | {"vat_rate": "19.6"}, headers=headers), 422)
    assert list(refused["errors"]) == ["vat_rate"]
    db.session.expire_all()
    listing = db.session.scalars(select(Listing)).one()
    assert listing.vat_rate == Decimal("5.50")


def test_a_tier_at_one_unit_must_be_the_base_price(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"])
    tiers = [
        {"min_quantity": 1, "unit_price_ht": "310"},
        {"min_quantity": 10, "unit_price_ht": "290.00"},
    ]
    response = api.put(URL, json=LISTING_BODY | {"price_tiers": tiers}, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["price_tiers"] == [{"min_quantity": 10, "unit_price_ht": "290.00"}]
    tiers[0]["unit_price_ht"] = "300.00"
    body = assert_problem(
        api.put(URL, json=LISTING_BODY | {"price_tiers": tiers}, headers=headers), 422
    )
    assert body["errors"] == {
        "price_tiers.0.unit_price_ht": [
            "Un palier dès 1 unité est le prix unitaire de base (310.00) : indiquez ce prix "
            "ou retirez le palier."
        ]
    }
