"""The API: tokens, conventions (problem+json, pagination, idempotency), catalogue
endpoints, stock sync, permissions and the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from nrhub.api import tokens
from nrhub.api.core import REGISTRY, encode_cursor
from nrhub.api.models import ApiToken, IdempotentRequest
from nrhub.audit.models import AuditEvent
from nrhub.auth.models import LoginThrottle
from nrhub.catalog.models import Listing, ListingStatus, PriceTier
from nrhub.db import utcnow
from nrhub.extensions import db
from tests.api.conftest import bearer
from tests.conftest import login
from tests.factories import PASSWORD, ListingFactory

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"] == "about:blank"
    return body


# --- tokens --------------------------------------------------------------------------


def test_create_token_with_password_then_use_it(api, people):  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/tokens", json={"email": "b@example.fr", "password": PASSWORD, "label": "ERP"}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "token", "expires_at"}
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert expires.tzinfo is not None
    assert 364 <= (expires - utcnow()).days <= 365
    stored = db.session.get(ApiToken, body["id"])
    assert stored.token_hash == tokens.hash_token(body["token"])
    assert body["token"] not in (stored.token_hash, stored.prefix)
    use = api.get("/api/v1/categories", headers={"Authorization": f"Bearer {body['token']}"})
    assert use.status_code == 200
    assert db.session.get(ApiToken, body["id"]).last_used_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [("b@example.fr", "wrong-password-123"), ("nobody@example.fr", PASSWORD)],
)
def test_create_token_wrong_credentials_same_401(api, people, email, password):  # type: ignore[no-untyped-def]
    response = api.post("/api/v1/tokens", json={"email": email, "password": password, "label": "x"})
    body = assert_problem(response, 401)
    assert body["detail"].startswith("Adresse e-mail ou mot de passe incorrect.")
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_create_token_failures_lock_that_address_and_are_kept(api, people):  # type: ignore[no-untyped-def]
    def create(password: str, address: str = "127.0.0.1"):  # type: ignore[no-untyped-def]
        return api.post(
            "/api/v1/tokens",
            json={"email": "b@example.fr", "password": password, "label": "x"},
            environ_overrides={"REMOTE_ADDR": address},
        )

    for _ in range(5):
        assert_problem(create("wrong-password-123"), 401)
    # The failures were committed although every answer was a refusal: the address is
    # locked out of the account, the right password included...
    assert_problem(create(PASSWORD), 401)
    throttle = db.session.scalars(select(LoginThrottle)).one()
    assert throttle.client == "127.0.0.1" and throttle.locked_until is not None
    # ...but not the owner's other addresses.
    assert create(PASSWORD, "2001:db8::1").status_code == 201
    assert db.session.scalar(select(func.count(ApiToken.id))) == 1


def test_create_token_refused_for_pending_organisation(api, people):  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/tokens", json={"email": "p@example.fr", "password": PASSWORD, "label": "x"}
    )
    assert_problem(response, 403)
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_create_token_malformed_body_422(api, people):  # type: ignore[no-untyped-def]
    body = assert_problem(api.post("/api/v1/tokens", json={"email": "b@example.fr"}), 422)
    assert body["errors"]["password"] == ["Ce champ est obligatoire."]
    assert body["errors"]["label"] == ["Ce champ est obligatoire."]
    assert_problem(api.post("/api/v1/tokens", data="pas du json"), 422)


def test_expired_and_revoked_tokens_get_401(api, people):  # type: ignore[no-untyped-def]
    user = people["buyer"]
    token, raw = tokens.issue_token(user, "old", by=user)
    headers = {"Authorization": f"Bearer {raw}"}
    assert api.get("/api/v1/categories", headers=headers).status_code == 200
    token.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert_problem(api.get("/api/v1/categories", headers=headers), 401)
    token2, raw2 = tokens.issue_token(user, "revoked", by=user)
    tokens.revoke_token(token2.id, by=user)
    response = api.get("/api/v1/categories", headers={"Authorization": f"Bearer {raw2}"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_of_suspended_organisation_stops_working(api, people):  # type: ignore[no-untyped-def]
    user = people["buyer"]
    headers = bearer(user)
    user.organisation.status = "suspended"
    db.session.commit()
    assert_problem(api.get("/api/v1/categories", headers=headers), 401)


def test_no_token_and_garbage_token_401(api, people):  # type: ignore[no-untyped-def]
    assert_problem(api.get("/api/v1/listings"), 401)
    assert_problem(api.get("/api/v1/listings", headers={"Authorization": "Bearer nope"}), 401)


def test_session_cookie_does_not_authenticate_the_api(api, people):  # type: ignore[no-untyped-def]
    login(api, "b@example.fr")
    assert_problem(api.get("/api/v1/categories"), 401)


def test_rate_limit_per_token(app, api, people):  # type: ignore[no-untyped-def]
    app.config["API_RATE_LIMIT"] = "3 per minute"
    headers = bearer(people["buyer"])
    other = bearer(people["refurbisher"])
    for _ in range(3):
        assert api.get("/api/v1/categories", headers=headers).status_code == 200
    assert_problem(api.get("/api/v1/categories", headers=headers), 429)
    assert api.get("/api/v1/categories", headers=other).status_code == 200


def test_tokens_page_create_show_once_and_revoke(api, people):  # type: ignore[no-untyped-def]
    login(api, "b@example.fr")
    page = api.post("/compte/jetons", data={"label": "Tableur compta"})
    assert page.status_code == 201
    html = page.get_data(as_text=True)
    token = db.session.execute(select(ApiToken)).scalar_one()
    raw = html.split('<code id="nouveau-jeton">')[1].split("</code>")[0]
    assert tokens.hash_token(raw) == token.token_hash
    assert raw not in api.get("/compte/jetons").get_data(as_text=True)
    assert "Tableur compta" in api.get("/compte/jetons").get_data(as_text=True)
    assert api.post(f"/compte/jetons/{token.id}/revoquer").status_code == 302
    assert db.session.get(ApiToken, token.id).revoked_at is not None


def test_tokens_page_empty_label_422_and_other_persons_token_404(api, people):  # type: ignore[no-untyped-def]
    other = people["refurbisher"]
    token, _raw = tokens.issue_token(other, "x", by=other)
    login(api, "b@example.fr")
    assert api.post("/compte/jetons", data={"label": ""}).status_code == 422
    assert api.post(f"/compte/jetons/{token.id}/revoquer").status_code == 404
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_tokens_page_needs_login_and_csrf(csrf_app, people):  # type: ignore[no-untyped-def]
    client = csrf_app.test_client()
    assert client.get("/compte/jetons").status_code == 302
    login_page = client.get("/connexion").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    client.post(
        "/connexion",
        data={
            "email": "b@example.fr",
            "password": PASSWORD,
            "csrf_token": csrf_token_from(login_page),
        },
    )
    assert client.post("/compte/jetons", data={"label": "x"}).status_code == 400
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_api_post_needs_no_csrf(csrf_app, people):  # type: ignore[no-untyped-def]
    client = csrf_app.test_client()
    response = client.post(
        "/api/v1/tokens", json={"email": "b@example.fr", "password": PASSWORD, "label": "x"}
    )
    assert response.status_code == 201


# --- problem+json for HTTP errors -----------------------------------------------------


def test_unknown_path_and_wrong_method_are_problems(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["buyer"])
    assert_problem(api.get("/api/v1/nothing-here", headers=headers), 404)
    assert_problem(api.delete("/api/v1/listings", headers=headers), 405)


# --- catalogue reads ------------------------------------------------------------------


def test_categories_list(api, people):  # type: ignore[no-untyped-def]
    body = api.get("/api/v1/categories", headers=bearer(people["buyer"])).get_json()
    codes = [c["code"] for c in body["items"]]
    assert "laptop" in codes
    assert set(body["items"][0]) >= {"code", "label", "cpv_code"}


def test_listing_shape(api, people, own_listing):  # type: ignore[no-untyped-def]
    db.session.add(
        PriceTier(listing_id=own_listing.id, min_quantity=10, unit_price=Decimal("240.50"))
    )
    db.session.commit()
    body = api.get(f"/api/v1/listings/{own_listing.id}", headers=bearer(people["buyer"])).get_json()
    assert body["sku"] == "T480-1"
    assert body["category"] == "laptop"
    assert body["unit_price_ht"] == "250.00"
    assert body["vat_rate"] == "20.00"
    assert body["price_tiers"] == [{"min_quantity": 10, "unit_price_ht": "240.50"}]
    org = people["refurbisher"].organisation
    assert body["refurbisher"] == {"id": org.id, "name": org.name, "department": "29"}
    assert dt.datetime.fromisoformat(body["published_at"]).utcoffset() == dt.timedelta(0)
    for name in (
        "grade",
        "state",
        "refurbished_in_france",
        "quantity",
        "warranty_months",
        "repairability_index",
        "os_update_years",
        "spare_parts_years",
        "status",
        "description",
        "brand",
        "model",
        "id",
    ):
        assert name in body


def test_drafts_visible_only_to_their_refurbisher(api, people):  # type: ignore[no-untyped-def]
    draft = ListingFactory(
        refurbisher=people["refurbisher"].organisation, status=ListingStatus.DRAFT
    )
    db.session.commit()
    url = f"/api/v1/listings/{draft.id}"
    assert api.get(url, headers=bearer(people["refurbisher"])).get_json()["status"] == "draft"
    assert_problem(api.get(url, headers=bearer(people["other_refurbisher"])), 404)
    assert_problem(api.get(url, headers=bearer(people["buyer"])), 404)
    listed = api.get("/api/v1/listings", headers=bearer(people["refurbisher"])).get_json()
    assert draft.id not in [i["id"] for i in listed["items"]]


def test_listings_cursor_pagination_walks_every_item_once(api, people):  # type: ignore[no-untyped-def]
    org = people["refurbisher"].organisation
    ids = [ListingFactory(refurbisher=org).id for _ in range(7)]
    db.session.commit()
    headers = bearer(people["buyer"])
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/listings?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url, headers=headers).get_json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(ids)
    assert pages == 3


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "limit=abc", "cursor=%%%", "cursor=bm9wZQ", "in_stock=peut-etre"],
)
def test_bad_limit_or_cursor_422(api, people, query):  # type: ignore[no-untyped-def]
    body = assert_problem(
        api.get(f"/api/v1/listings?{query}", headers=bearer(people["buyer"])), 422
    )
    assert set(body["errors"]) <= {"limit", "cursor", "in_stock"} and body["errors"]


def test_listings_filters(api, people):  # type: ignore[no-untyped-def]
    from tests.factories import category

    org29 = people["refurbisher"].organisation
    org35 = people["other_refurbisher"].organisation
    a = ListingFactory(refurbisher=org29, brand="Dell", quantity=0)
    b = ListingFactory(refurbisher=org35, brand="Lenovo", category=category("smartphone"))
    db.session.commit()
    headers = bearer(people["buyer"])

    def ids(query: str) -> list[int]:
        return [
            i["id"]
            for i in api.get(f"/api/v1/listings?{query}", headers=headers).get_json()["items"]
        ]

    assert ids("department=29") == [a.id]
    assert ids("category=smartphone") == [b.id]
    assert ids("q=dell") == [a.id]
    assert ids("in_stock=true") == [b.id]
    assert ids("") == [a.id, b.id]


# --- PUT listing by SKU -----------------------------------------------------------------


LISTING_BODY = {
    "category": "laptop",
    "brand": "Lenovo",
    "model": "ThinkPad T14",
    "grade": "A",
    "quantity": 8,
    "unit_price_ht": "310.00",
    "price_tiers": [{"min_quantity": 10, "unit_price_ht": "290.00"}],
    "status": "published",
}


def test_put_listing_creates_then_replaces_with_audit(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"])
    created = api.put("/api/v1/listings/by-sku/NEW-1", json=LISTING_BODY, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["sku"] == "NEW-1" and body["status"] == "published"
    assert body["price_tiers"] == [{"min_quantity": 10, "unit_price_ht": "290.00"}]
    replaced = api.put(
        "/api/v1/listings/by-sku/NEW-1",
        json=LISTING_BODY | {"quantity": 3, "unit_price_ht": "305.00"},
        headers=headers,
    )
    assert replaced.status_code == 200
    assert replaced.get_json()["id"] == body["id"]
    assert replaced.get_json()["quantity"] == 3
    actions = list(
        db.session.execute(
            select(AuditEvent.action, AuditEvent.details).where(
                AuditEvent.object_id == body["id"], AuditEvent.object_type == "listing"
            )
        )
    )
    names = [a for a, _d in actions]
    assert "listing.created" in names
    assert dict(actions)["listing.quantity_changed"] == {"old": 8, "new": 3}
    assert dict(actions)["listing.price_changed"]["new"] == "305.00"


def test_put_accepts_what_get_returns_with_the_recycled_flag(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"])
    url = "/api/v1/listings/by-sku/NEW-2"
    created = api.put(url, json=LISTING_BODY | {"has_recycled_materials": True}, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["has_recycled_materials"] is True
    again = api.put(url, json=body | {"has_recycled_materials": False}, headers=headers)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["has_recycled_materials"] is False
    bad = api.put(url, json=body | {"has_recycled_materials": "peut-être"}, headers=headers)
    assert bad.status_code == 422
    assert (
        db.session.execute(
            select(Listing.has_recycled_materials).where(Listing.sku == "NEW-2")
        ).scalar_one()
        is False
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit_price_ht": "abc"}, "unit_price_ht"),
        ({"quantity": -1}, "quantity"),
        ({"grade": "Z"}, "grade"),
        ({"category": "toaster"}, "category"),
        ({"price_tiers": [{"min_quantity": 10, "unit_price_ht": "400.00"}]}, "price_tiers"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_put_listing_malformed_changes_nothing(api, people, change, field):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"])
    response = api.put("/api/v1/listings/by-sku/BAD-1", json=LISTING_BODY | change, headers=headers)
    body = assert_problem(response, 422)
    assert any(key.startswith(field) for key in body["errors"]), body["errors"]
    assert all(isinstance(m, str) for msgs in body["errors"].values() for m in msgs)
    assert db.session.scalar(select(func.count(Listing.id))) == 0


@pytest.mark.parametrize("role", ["buyer", "coordinator"])
def test_refurbisher_endpoints_refused_to_other_roles(api, people, own_listing, role):  # type: ignore[no-untyped-def]
    headers = bearer(people[role])
    assert_problem(api.put("/api/v1/listings/by-sku/X", json=LISTING_BODY, headers=headers), 403)
    stock = {"items": [{"sku": "T480-1", "quantity": 1}]}
    assert_problem(api.post("/api/v1/stock", json=stock, headers=headers), 403)
    assert db.session.get(Listing, own_listing.id).quantity == 5


def test_put_same_sku_of_other_refurbisher_creates_own_listing(api, people, own_listing):  # type: ignore[no-untyped-def]
    headers = bearer(people["other_refurbisher"])
    response = api.put("/api/v1/listings/by-sku/T480-1", json=LISTING_BODY, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["id"] != own_listing.id
    db.session.expire_all()
    assert db.session.get(Listing, own_listing.id).quantity == 5


# --- stock sync -------------------------------------------------------------------------


def test_stock_sync_updates_and_audits(api, people, own_listing):  # type: ignore[no-untyped-def]
    org = people["refurbisher"].organisation
    second = ListingFactory(refurbisher=org, sku="T480-2", quantity=4)
    db.session.commit()
    items = [{"sku": "T480-1", "quantity": 12}, {"sku": "T480-2", "quantity": 4}]
    response = api.post(
        "/api/v1/stock", json={"items": items}, headers=bearer(people["refurbisher"])
    )
    assert response.status_code == 200
    assert response.get_json() == {"updated": 1, "unchanged": 1}
    db.session.expire_all()
    assert db.session.get(Listing, own_listing.id).quantity == 12
    assert db.session.get(Listing, second.id).quantity == 4
    event = db.session.execute(
        select(AuditEvent).where(AuditEvent.action == "listing.quantity_changed")
    ).scalar_one()
    assert (event.object_id, event.details) == (
        own_listing.id,
        {"old": 5, "new": 12, "source": "api"},
    )


@pytest.mark.parametrize(
    ("items", "error_key"),
    [
        ([{"sku": "T480-1", "quantity": 1}, {"sku": "UNKNOWN", "quantity": 1}], "items.1.sku"),
        ([{"sku": "T480-1", "quantity": 1}, {"sku": "T480-1", "quantity": 2}], "items.1.sku"),
        ([{"sku": "T480-1", "quantity": -3}], "items.0.quantity"),
        ([{"sku": "T480-1", "quantity": "douze"}], "items.0.quantity"),
        ([], "items"),
    ],
)
def test_stock_sync_all_or_nothing(api, people, own_listing, items, error_key):  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/stock", json={"items": items}, headers=bearer(people["refurbisher"])
    )
    body = assert_problem(response, 422)
    assert error_key in body["errors"]
    db.session.expire_all()
    assert db.session.get(Listing, own_listing.id).quantity == 5
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action.like("listing.%"))
        )
        == 0
    )


def test_stock_sync_other_refurbishers_sku_is_unknown(api, people, own_listing):  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/stock",
        json={"items": [{"sku": "T480-1", "quantity": 0}]},
        headers=bearer(people["other_refurbisher"]),
    )
    assert "items.0.sku" in assert_problem(response, 422)["errors"]
    db.session.expire_all()
    assert db.session.get(Listing, own_listing.id).quantity == 5


def test_stock_sync_over_5000_items_422(api, people, own_listing):  # type: ignore[no-untyped-def]
    items = [{"sku": f"S{n}", "quantity": 1} for n in range(5001)]
    response = api.post(
        "/api/v1/stock", json={"items": items}, headers=bearer(people["refurbisher"])
    )
    assert "items" in assert_problem(response, 422)["errors"]


# --- idempotency ------------------------------------------------------------------------


def test_idempotent_replay_returns_first_response_and_changes_nothing(api, people, own_listing):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"]) | {"Idempotency-Key": "sync-1"}
    payload = {"items": [{"sku": "T480-1", "quantity": 9}]}
    first = api.post("/api/v1/stock", json=payload, headers=headers)
    assert first.get_json() == {"updated": 1, "unchanged": 0}
    listing = db.session.get(Listing, own_listing.id)
    listing.quantity = 2  # changed meanwhile (e.g. the web)
    db.session.commit()
    again = api.post("/api/v1/stock", json=payload, headers=headers)
    assert again.status_code == 200
    assert again.get_json() == {"updated": 1, "unchanged": 0}
    assert again.headers["Idempotent-Replayed"] == "true"
    db.session.expire_all()
    assert db.session.get(Listing, own_listing.id).quantity == 2


def test_idempotency_key_with_other_body_or_path_422_and_nothing_run(api, people, own_listing):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"]) | {"Idempotency-Key": "k"}
    api.post("/api/v1/stock", json={"items": [{"sku": "T480-1", "quantity": 9}]}, headers=headers)
    response = api.post(
        "/api/v1/stock", json={"items": [{"sku": "T480-1", "quantity": 1}]}, headers=headers
    )
    assert "Idempotency-Key" in assert_problem(response, 422)["errors"]
    response = api.put("/api/v1/listings/by-sku/AUTRE", json=LISTING_BODY, headers=headers)
    assert "Idempotency-Key" in assert_problem(response, 422)["errors"]
    db.session.expire_all()
    assert db.session.get(Listing, own_listing.id).quantity == 9
    assert db.session.scalar(select(func.count(Listing.id))) == 1
    stored = db.session.scalars(select(IdempotentRequest)).one()
    assert (stored.key, stored.path, stored.status) == ("k", "/api/v1/stock", 200)


def test_refused_request_is_not_stored_and_its_key_can_be_retried(api, people, own_listing):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"]) | {"Idempotency-Key": "sync-retry"}
    payload = {"items": [{"sku": "T480-1", "quantity": 7}, {"sku": "NOUVEAU", "quantity": 3}]}
    refused = api.post("/api/v1/stock", json=payload, headers=headers)
    assert "items.1.sku" in assert_problem(refused, 422)["errors"]
    assert db.session.scalar(select(func.count(IdempotentRequest.id))) == 0
    # The client fixes the cause (the listing now exists) and retries with the same key.
    ListingFactory(refurbisher=people["refurbisher"].organisation, sku="NOUVEAU", quantity=1)
    db.session.commit()
    retried = api.post("/api/v1/stock", json=payload, headers=headers)
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried.headers
    assert retried.get_json() == {"updated": 2, "unchanged": 0}
    replayed = api.post("/api/v1/stock", json=payload, headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json() == {"updated": 2, "unchanged": 0}
    stored = db.session.scalars(select(IdempotentRequest)).one()
    assert (stored.key, stored.status) == ("sync-retry", 200)


def test_idempotent_put_replays_201(api, people):  # type: ignore[no-untyped-def]
    headers = bearer(people["refurbisher"]) | {"Idempotency-Key": "put-1"}
    first = api.put("/api/v1/listings/by-sku/NEW-2", json=LISTING_BODY, headers=headers)
    second = api.put("/api/v1/listings/by-sku/NEW-2", json=LISTING_BODY, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.get_json() == second.get_json()
    assert db.session.scalar(select(func.count(Listing.id))) == 1


# --- OpenAPI and docs -------------------------------------------------------------------


def test_openapi_document_lists_every_route(api):  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.get_data(as_text=True))
    assert doc["openapi"] == "3.1.0"
    for item in REGISTRY:
        assert item.method.lower() in doc["paths"]["/api/v1" + item.path]
    stock = doc["paths"]["/api/v1/stock"]["post"]
    ref = stock["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/StockSync"
    assert doc["components"]["schemas"]["StockSync"]["properties"]["items"]["maxItems"] == 5000
    assert "422" in stock["responses"] and "Problem" in doc["components"]["schemas"]
    refs = {v for v in _walk(doc) if isinstance(v, str) and v.startswith("#/components/")}
    for ref in refs:
        assert ref.split("/")[-1] in doc["components"]["schemas"], ref


def _walk(node):  # type: ignore[no-untyped-def]
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)
    else:
        yield node


def test_docs_page_renders_every_endpoint(api):  # type: ignore[no-untyped-def]
    response = api.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "curl" in html and "problem+json" in html
    for item in REGISTRY:
        assert f"{item.method} /api/v1{item.path}" in html
    assert "<script" not in html.split("</header>")[-1] or "cdn" not in html.lower()


def test_cursor_encoding_is_opaque_and_round_trips():
    from nrhub.api.core import decode_cursor

    assert decode_cursor(encode_cursor(42)) == 42


# --- permission matrix ------------------------------------------------------------------

AUTH_ROUTES = [
    ("GET", "/api/v1/categories", None),
    ("GET", "/api/v1/listings", None),
    ("GET", "/api/v1/listings/{listing}", None),
    ("PUT", "/api/v1/listings/by-sku/T480-1", LISTING_BODY),
    ("POST", "/api/v1/stock", {"items": [{"sku": "T480-1", "quantity": 1}]}),
]
EXPECTED = {
    # who: (reads, refurbisher writes)
    "anonymous": (401, 401),
    "pending": (401, 401),
    "buyer": (200, 403),
    "coordinator": (200, 403),
    "refurbisher": (200, 200),
}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize(("method", "path", "payload"), AUTH_ROUTES)
def test_permission_matrix(api, people, own_listing, who, method, path, payload):  # type: ignore[no-untyped-def]
    headers: dict[str, str] = {}
    if who == "pending":  # a token issued before refusal (cannot be issued now)
        user = people["pending"]
        db.session.add(
            ApiToken(
                user_id=user.id,
                label="x",
                token_hash=tokens.hash_token("nrh_pending"),
                prefix="nrh_pending",
                expires_at=utcnow() + dt.timedelta(days=1),
            )
        )
        db.session.commit()
        headers = {"Authorization": "Bearer nrh_pending"}
    elif who != "anonymous":
        headers = bearer(people[who])
    url = path.format(listing=own_listing.id)
    response = api.open(url, method=method, json=payload, headers=headers)
    expected = EXPECTED[who][0 if method == "GET" else 1]
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if expected >= 400:
        assert response.mimetype == PROBLEM
        db.session.expire_all()
        assert db.session.get(Listing, own_listing.id).quantity == 5


def test_every_authenticated_route_refuses_anonymous(api, people):  # type: ignore[no-untyped-def]
    for item in REGISTRY:
        if not item.auth:
            continue
        url = "/api/v1" + item.path.replace("{id}", "1").replace("{sku}", "X")
        assert_problem(api.open(url, method=item.method, json={}), 401)
