"""The API over campaigns, orders, indicators and the declaration file: success, refused
roles, other organisations' ids, malformed input; the figures are the web's own."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import orders as order_services
from nrhub.campaigns import queries as campaign_queries
from nrhub.campaigns import services as campaign_services
from nrhub.campaigns.models import Campaign, CampaignState, Order, OrderLine
from nrhub.catalog.models import Category, PriceTier
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.stats import pages
from nrhub.stats.declaration import DECLARATION_HEADER
from tests.api.conftest import bearer
from tests.api.test_api import PROBLEM, assert_problem
from tests.factories import BuyerFactory, ListingFactory, UserFactory
from tests.stats.helpers import spend

YEAR = 2025


def _campaign(coordinator, state=CampaignState.OPEN, closes_in=10, title="Campagne"):  # type: ignore[no-untyped-def]
    now = utcnow()
    ids = list(
        db.session.execute(
            select(Category.id).where(Category.code.in_(("laptop", "smartphone")))
        ).scalars()
    )
    campaign = campaign_services.create_campaign(
        campaign_services.CampaignData(
            title=title,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=closes_in),
            category_ids=ids,
        ),
        by=coordinator,
    )
    if state != CampaignState.DRAFT:
        campaign.state = state
        db.session.commit()
    return campaign


@pytest.fixture
def market(people):  # type: ignore[no-untyped-def]
    """An open campaign with an accepted offer (tiers 5 → 280, 10 → 260) and a pending one,
    and a second buyer who ordered 3 units."""
    coordinator, refurbisher = people["coordinator"], people["refurbisher"]
    listing = ListingFactory(
        refurbisher=refurbisher.organisation, quantity=30, unit_price=Decimal("300.00")
    )
    other = ListingFactory(
        refurbisher=people["other_refurbisher"].organisation,
        quantity=30,
        unit_price=Decimal("150.00"),
    )
    db.session.add_all(
        [
            PriceTier(listing=listing, min_quantity=5, unit_price=Decimal("280.00")),
            PriceTier(listing=listing, min_quantity=10, unit_price=Decimal("260.00")),
        ]
    )
    db.session.commit()
    campaign = _campaign(coordinator)
    accepted = offer_services.commit_offer(campaign, listing.id, 12, by=refurbisher)
    offer_services.decide_offer(accepted, True, by=coordinator)
    pending = offer_services.commit_offer(campaign, other.id, 4, by=people["other_refurbisher"])
    other_buyer = UserFactory(organisation=BuyerFactory(), email="b2@example.fr")
    db.session.commit()
    order_services.place_order(campaign, {accepted.id: 3}, by=other_buyer)
    return {
        "campaign": campaign,
        "accepted": accepted,
        "pending": pending,
        "listing": listing,
        "other_buyer": other_buyer,
    }


# --- campaigns ----------------------------------------------------------------------


def test_campaign_detail_shape_and_pooled_figures(api, people, market):  # type: ignore[no-untyped-def]
    campaign, offer = market["campaign"], market["accepted"]
    response = api.get(f"/api/v1/campaigns/{campaign.id}", headers=bearer(people["buyer"]))
    assert response.status_code == 200
    body = response.get_json()
    assert {
        "id", "title", "state", "opens_at", "closes_at", "delivery_from", "delivery_to",
        "categories", "clause_ids", "offers",
    } <= set(body)  # fmt: skip
    assert body["state"] == "open"
    assert body["categories"] == ["laptop", "smartphone"]
    assert body["clause_ids"] == []
    assert dt.datetime.fromisoformat(body["closes_at"]).tzinfo is not None
    assert body["delivery_from"] is None
    # buyers: accepted offers only (the pending one is not shown)
    assert body["offers"] == [
        {
            "id": offer.id,
            "listing_id": market["listing"].id,
            "refurbisher_id": people["refurbisher"].organisation_id,
            "status": "accepted",
            "accepted": True,
            "committed": 12,
            "ordered": 3,
            "unit_price_ht": "300.00",
            "pooled_unit_price_ht": "300.00",
            "units_to_next_tier": 2,
            "next_tier_unit_price_ht": "280.00",
        }
    ]
    # the web page's figures, from the same function
    figures = campaign_queries.offer_figures(campaign.id)
    assert [f.units_to_next_tier for f in figures] == [2]


def test_campaign_detail_pooled_price_follows_orders(api, people, market):  # type: ignore[no-untyped-def]
    campaign, offer = market["campaign"], market["accepted"]
    headers = bearer(people["buyer"])
    put = api.put(
        f"/api/v1/campaigns/{campaign.id}/order",
        json={"lines": [{"offer_id": offer.id, "quantity": 7}]},
        headers=headers,
    )
    assert put.status_code == 200, put.get_data(as_text=True)
    row = api.get(f"/api/v1/campaigns/{campaign.id}", headers=headers).get_json()["offers"][0]
    assert (row["ordered"], row["pooled_unit_price_ht"], row["units_to_next_tier"]) == (
        10,
        "260.00",
        None,
    )


def test_coordinator_sees_every_offer_refurbisher_its_own(api, people, market):  # type: ignore[no-untyped-def]
    url = f"/api/v1/campaigns/{market['campaign'].id}"
    coordinator = api.get(url, headers=bearer(people["coordinator"])).get_json()
    assert sorted((o["id"], o["accepted"]) for o in coordinator["offers"]) == sorted(
        [(market["accepted"].id, True), (market["pending"].id, False)]
    )
    refurb = api.get(url, headers=bearer(people["other_refurbisher"])).get_json()
    assert [(o["id"], o["status"]) for o in refurb["offers"]] == [(market["pending"].id, "pending")]


def test_campaign_list_hides_drafts_except_for_coordinator(api, people, market):  # type: ignore[no-untyped-def]
    draft = _campaign(people["coordinator"], CampaignState.DRAFT, title="Brouillon")
    buyer = api.get("/api/v1/campaigns", headers=bearer(people["buyer"])).get_json()
    assert [c["id"] for c in buyer["items"]] == [market["campaign"].id]
    assert "offers" not in buyer["items"][0] and buyer["next_cursor"] is None
    coord = api.get("/api/v1/campaigns", headers=bearer(people["coordinator"])).get_json()
    assert [c["id"] for c in coord["items"]] == [market["campaign"].id, draft.id]
    drafts = api.get("/api/v1/campaigns?state=draft", headers=bearer(people["coordinator"]))
    assert [c["id"] for c in drafts.get_json()["items"]] == [draft.id]
    assert_problem(api.get(f"/api/v1/campaigns/{draft.id}", headers=bearer(people["buyer"])), 404)


def test_campaign_list_cursor_walks_every_item_once(api, people):  # type: ignore[no-untyped-def]
    ids = [_campaign(people["coordinator"], title=f"C{i}").id for i in range(5)]
    headers = bearer(people["buyer"])
    seen, cursor = [], None
    while True:
        url = "/api/v1/campaigns?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url, headers=headers).get_json()
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids


@pytest.mark.parametrize("query", ["state=ouverte", "limit=0", "limit=abc", "cursor=%%%"])
def test_campaign_list_malformed_query_422(api, people, query):  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/campaigns?{query}", headers=bearer(people["buyer"]))
    body = assert_problem(response, 422)
    assert set(body["errors"]) <= {"state", "limit", "cursor"}


def test_unknown_campaign_404(api, people):  # type: ignore[no-untyped-def]
    assert_problem(api.get("/api/v1/campaigns/999999", headers=bearer(people["buyer"])), 404)


# --- orders -------------------------------------------------------------------------


def test_put_order_creates_then_changes_and_get_returns_it(api, people, market):  # type: ignore[no-untyped-def]
    campaign, offer = market["campaign"], market["accepted"]
    headers = bearer(people["buyer"])
    url = f"/api/v1/campaigns/{campaign.id}/order"
    assert_problem(api.get(url, headers=headers), 404)
    first = api.put(url, json={"lines": [{"offer_id": offer.id, "quantity": 2}]}, headers=headers)
    assert first.status_code == 200
    body = first.get_json()
    assert {"id", "campaign_id", "lines", "updated_at"} <= set(body)
    assert body["campaign_id"] == campaign.id and body["status"] == "active"
    assert [(line["offer_id"], line["quantity"]) for line in body["lines"]] == [(offer.id, 2)]
    assert dt.datetime.fromisoformat(body["updated_at"]).tzinfo is not None
    second = api.put(url, json={"lines": [{"offer_id": offer.id, "quantity": 5}]}, headers=headers)
    assert second.get_json()["id"] == body["id"]
    assert second.get_json()["lines"][0]["quantity"] == 5
    assert api.get(url, headers=headers).get_json() == second.get_json()
    orders = db.session.scalar(
        select(func.count(Order.id)).where(Order.buyer_id == people["buyer"].organisation_id)
    )
    assert orders == 1


def test_put_order_idempotent_replay(api, people, market):  # type: ignore[no-untyped-def]
    campaign, offer = market["campaign"], market["accepted"]
    headers = {**bearer(people["buyer"]), "Idempotency-Key": "order-1"}
    url = f"/api/v1/campaigns/{campaign.id}/order"
    payload = {"lines": [{"offer_id": offer.id, "quantity": 2}]}
    first = api.put(url, json=payload, headers=headers)
    again = api.put(url, json=payload, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()


def test_put_order_closed_window_409_changes_nothing(api, people, market):  # type: ignore[no-untyped-def]
    campaign, offer = market["campaign"], market["accepted"]
    campaign.state = CampaignState.CLOSED
    db.session.commit()
    response = api.put(
        f"/api/v1/campaigns/{campaign.id}/order",
        json={"lines": [{"offer_id": offer.id, "quantity": 2}]},
        headers=bearer(people["buyer"]),
    )
    body = assert_problem(response, 409)
    assert body["detail"].startswith("La campagne n'accepte pas de commande en ce moment")
    assert _order_count(people["buyer"]) == 0


def _order_count(user) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(
        select(func.count(Order.id)).where(Order.buyer_id == user.organisation_id)
    )


def test_put_order_on_offer_not_accepted_is_refused(api, people, market):  # type: ignore[no-untyped-def]
    response = api.put(
        f"/api/v1/campaigns/{market['campaign'].id}/order",
        json={"lines": [{"offer_id": market["pending"].id, "quantity": 2}]},
        headers=bearer(people["buyer"]),
    )
    body = assert_problem(response, 422)
    assert body["detail"] == "Une des offres n'est pas ou plus proposée dans cette campagne."
    assert _order_count(people["buyer"]) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "lines"),
        ({"lines": []}, "lines"),
        ({"lines": [{"offer_id": "x", "quantity": 1}]}, "lines.0.offer_id"),
        ({"lines": [{"offer_id": 1, "quantity": -1}]}, "lines.0.quantity"),
        ({"lines": [{"offer_id": 1, "quantity": 1, "prix": "1"}]}, "lines.0.prix"),
        ({"lines": [{"offer_id": 1, "quantity": 1}, {"offer_id": 1, "quantity": 2}]},
         "lines.1.offer_id"),
    ],
)  # fmt: skip
def test_put_order_malformed_422_changes_nothing(api, people, market, payload, field):  # type: ignore[no-untyped-def]
    response = api.put(
        f"/api/v1/campaigns/{market['campaign'].id}/order",
        json=payload,
        headers=bearer(people["buyer"]),
    )
    assert field in assert_problem(response, 422)["errors"]
    assert _order_count(people["buyer"]) == 0


@pytest.mark.parametrize("role", ["refurbisher", "coordinator"])
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_order_refused_to_other_roles(api, people, market, role, method):  # type: ignore[no-untyped-def]
    response = api.open(
        f"/api/v1/campaigns/{market['campaign'].id}/order",
        method=method,
        json={"lines": [{"offer_id": market["accepted"].id, "quantity": 1}]},
        headers=bearer(people[role]),
    )
    assert_problem(response, 403)
    assert db.session.scalar(select(func.count(OrderLine.id))) == 1


def test_order_of_another_buyer_is_not_visible(api, people, market):  # type: ignore[no-untyped-def]
    # the second buyer ordered; the first one sees no order of its own (404), not theirs
    url = f"/api/v1/campaigns/{market['campaign'].id}/order"
    assert_problem(api.get(url, headers=bearer(people["buyer"])), 404)
    theirs = api.get(url, headers=bearer(market["other_buyer"])).get_json()
    assert theirs["lines"][0]["quantity"] == 3


def test_order_in_draft_campaign_404(api, people, market):  # type: ignore[no-untyped-def]
    draft = _campaign(people["coordinator"], CampaignState.DRAFT)
    response = api.put(
        f"/api/v1/campaigns/{draft.id}/order",
        json={"lines": [{"offer_id": market["accepted"].id, "quantity": 1}]},
        headers=bearer(people["buyer"]),
    )
    assert_problem(response, 404)
    assert db.session.get(Campaign, draft.id).state == CampaignState.DRAFT


@pytest.mark.parametrize(
    ("state", "echoed", "status", "detail"),
    [
        # what a buyer may not see is missing, whatever else the body says
        (CampaignState.DRAFT, None, 404, "Campagne introuvable."),
        (CampaignState.CALL_FOR_STOCK, None, 404, "Campagne introuvable."),
        (CampaignState.DRAFT, "other", 404, "Campagne introuvable."),
        (None, None, 404, "Campagne introuvable."),
        # a visible campaign: the body's campaign first, then the ordering window
        (CampaignState.CLOSED, "other", 422, None),
        (CampaignState.CLOSED, "same", 409, "La campagne n'accepte pas de commande"),
        (CampaignState.CANCELLED, None, 409, "La campagne n'accepte pas de commande"),
    ],
)  # fmt: skip
def test_put_order_answers_in_order(api, people, market, state, echoed, status, detail):  # type: ignore[no-untyped-def]
    campaign_id = 2_000_000_000
    if state is not None:
        campaign_id = _campaign(people["coordinator"], state).id
    body: dict[str, object] = {"lines": [{"offer_id": market["accepted"].id, "quantity": 1}]}
    if echoed is not None:
        body["campaign_id"] = campaign_id + 1 if echoed == "other" else campaign_id
    response = api.put(
        f"/api/v1/campaigns/{campaign_id}/order", json=body, headers=bearer(people["buyer"])
    )
    problem = assert_problem(response, status)
    if detail is not None:
        assert problem["detail"].startswith(detail)
    else:
        assert "campaign_id" in problem["errors"]
    assert _order_count(people["buyer"]) == 0


def test_put_order_window_refused_before_the_membership(api, people, market):  # type: ignore[no-untyped-def]
    """A closed campaign is answered as closed, even to a buyer without a membership
    agreement; in an open one, that buyer is told about the agreement."""
    buyer = UserFactory(
        email="redon@example.fr", organisation=BuyerFactory(name="Redon", membership=False)
    )
    db.session.commit()
    closed = _campaign(people["coordinator"], CampaignState.CLOSED)
    line = {"lines": [{"offer_id": market["accepted"].id, "quantity": 1}]}
    refused = api.put(f"/api/v1/campaigns/{closed.id}/order", json=line, headers=bearer(buyer))
    assert assert_problem(refused, 409)["detail"].startswith("La campagne n'accepte pas")
    uncovered = api.put(
        f"/api/v1/campaigns/{market['campaign'].id}/order", json=line, headers=bearer(buyer)
    )
    assert "convention d'adhésion en vigueur" in assert_problem(uncovered, 409)["detail"]
    assert _order_count(buyer) == 0


# --- indicators ---------------------------------------------------------------------


@pytest.fixture
def ledger(people):  # type: ignore[no-untyped-def]
    buyer = people["buyer"].organisation
    other = BuyerFactory()
    db.session.commit()
    spend(buyer, dt.date(YEAR, 3, 1), "1000.00", category="laptop", quantity=2)
    spend(buyer, dt.date(YEAR, 4, 1), "250.00", category="laptop", quantity=1, reuse=True)
    spend(other, dt.date(YEAR, 5, 1), "750.00", category="laptop", quantity=3, reuse=True)
    return {"buyer": buyer, "other": other}


def _expected_target() -> str | None:
    percent = pages.hub_page_target(YEAR)
    return None if percent is None else str((percent / 100).quantize(Decimal("0.0001")))


def test_buyer_indicators_are_its_own(api, people, ledger):  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/indicators?year={YEAR}", headers=bearer(people["buyer"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["organisation"]["id"] == ledger["buyer"].id
    assert body["year"] == YEAR
    assert (body["it_spend"], body["reuse_spend"], body["reuse_share"]) == (
        "1250.00",
        "250.00",
        "0.2000",
    )
    assert body["target"] == _expected_target()
    assert body["clauses_count"] == 0
    assert body["spend_with_clause_share"] == "0.0000"
    assert body["retired_reuse_rate"] is None
    assert Decimal(body["co2e_avoided_kg"]) > 0
    for name in ("local_share", "ess_share"):
        assert body[name] is None or 0 <= Decimal(body[name]) <= 1
    assert [
        (c["code"], c["quantity"], c["it_spend"], c["reuse_spend"]) for c in body["by_category"]
    ] == [("laptop", 3, "1250.00", "250.00")]
    same = api.get(
        f"/api/v1/indicators?year={YEAR}&organisation={ledger['buyer'].id}",
        headers=bearer(people["buyer"]),
    )
    assert same.get_json() == body


def test_coordinator_indicators_hub_and_member(api, people, ledger):  # type: ignore[no-untyped-def]
    headers = bearer(people["coordinator"])
    hub = api.get(f"/api/v1/indicators?year={YEAR}", headers=headers).get_json()
    assert hub["organisation"] is None
    assert (hub["it_spend"], hub["reuse_spend"], hub["reuse_share"]) == (
        "2000.00",
        "1000.00",
        "0.5000",
    )
    member = api.get(
        f"/api/v1/indicators?year={YEAR}&organisation={ledger['other'].id}", headers=headers
    ).get_json()
    assert (member["organisation"]["id"], member["it_spend"], member["reuse_share"]) == (
        ledger["other"].id,
        "750.00",
        "1.0000",
    )


def test_indicators_without_data_give_null_shares(api, people):  # type: ignore[no-untyped-def]
    body = api.get("/api/v1/indicators?year=2031", headers=bearer(people["buyer"])).get_json()
    assert body["it_spend"] == "0.00" and body["reuse_share"] is None
    assert body["by_category"] == []


def test_buyer_asking_another_organisation_404(api, people, ledger):  # type: ignore[no-untyped-def]
    url = f"/api/v1/indicators?year={YEAR}&organisation={ledger['other'].id}"
    assert_problem(api.get(url, headers=bearer(people["buyer"])), 404)


def test_coordinator_asking_a_non_buyer_404(api, people, ledger):  # type: ignore[no-untyped-def]
    refurb = people["refurbisher"].organisation_id
    url = f"/api/v1/indicators?year={YEAR}&organisation={refurb}"
    assert_problem(api.get(url, headers=bearer(people["coordinator"])), 404)


def test_indicators_refused_to_refurbisher(api, people, ledger):  # type: ignore[no-untyped-def]
    assert_problem(api.get("/api/v1/indicators", headers=bearer(people["refurbisher"])), 403)
    assert_problem(api.get(f"/api/v1/declarations/{YEAR}.csv",
                           headers=bearer(people["refurbisher"])), 403)  # fmt: skip


@pytest.mark.parametrize(
    ("query", "field"),
    [("year=abc", "year"), ("year=1999", "year"), ("organisation=x", "organisation")],
)
def test_indicators_malformed_query_422(api, people, query, field):  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/indicators?{query}", headers=bearer(people["coordinator"]))
    assert field in assert_problem(response, 422)["errors"]


# --- declaration file -----------------------------------------------------------------


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_declaration_buyer_gets_its_rows_only(api, people, ledger):  # type: ignore[no-untyped-def]
    rows = _csv(api.get(f"/api/v1/declarations/{YEAR}.csv", headers=bearer(people["buyer"])))
    assert tuple(rows[0]) == DECLARATION_HEADER
    assert [(r[1], r[4], r[5]) for r in rows[1:]] == [(ledger["buyer"].siret, "1250.00", "250.00")]


def test_declaration_coordinator_gets_every_member(api, people, ledger):  # type: ignore[no-untyped-def]
    headers = bearer(people["coordinator"])
    rows = _csv(api.get(f"/api/v1/declarations/{YEAR}.csv", headers=headers))
    assert sorted(r[1] for r in rows[1:]) == sorted([ledger["buyer"].siret, ledger["other"].siret])
    one = _csv(
        api.get(
            f"/api/v1/declarations/{YEAR}.csv?organisation={ledger['other'].id}", headers=headers
        )
    )
    assert [r[1] for r in one[1:]] == [ledger["other"].siret]


def test_declaration_same_bytes_as_web_export(api, client, people, ledger):  # type: ignore[no-untyped-def]
    from tests.conftest import login

    api_body = api.get(
        f"/api/v1/declarations/{YEAR}.csv", headers=bearer(people["buyer"])
    ).get_data()
    login(client, "b@example.fr")
    web = client.get(f"/indicateurs/declaration/{YEAR}.csv")
    assert web.status_code == 200
    assert web.get_data() == api_body


def test_declaration_other_organisation_404_and_bad_year_422(api, people, ledger):  # type: ignore[no-untyped-def]
    headers = bearer(people["buyer"])
    url = f"/api/v1/declarations/{YEAR}.csv?organisation={ledger['other'].id}"
    assert_problem(api.get(url, headers=headers), 404)
    for year in ("20x5", "1999"):
        body = assert_problem(api.get(f"/api/v1/declarations/{year}.csv", headers=headers), 422)
        assert "year" in body["errors"]


def test_new_routes_in_openapi(api):  # type: ignore[no-untyped-def]
    doc = api.get("/api/v1/openapi.json").get_json()
    order = doc["paths"]["/api/v1/campaigns/{id}/order"]["put"]
    ref = order["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/OrderIn"
    assert {"409", "422", "403", "404"} <= set(order["responses"])
    assert "IndicatorsOut" in doc["components"]["schemas"]
    assert "CampaignOut" in doc["components"]["schemas"]
    csv_ok = doc["paths"]["/api/v1/declarations/{year}.csv"]["get"]["responses"]["200"]
    assert "text/csv" in csv_ok["content"]


# --- permission matrix ------------------------------------------------------------------

READ_ROUTES = [
    ("/api/v1/campaigns", {"anonymous": 401, "buyer": 200, "refurbisher": 200,
                           "coordinator": 200}),
    ("/api/v1/campaigns/{campaign}", {"anonymous": 401, "buyer": 200, "refurbisher": 200,
                                      "coordinator": 200}),
    ("/api/v1/campaigns/{campaign}/order", {"anonymous": 401, "buyer": 404,
                                            "refurbisher": 403, "coordinator": 403}),
    ("/api/v1/indicators", {"anonymous": 401, "buyer": 200, "refurbisher": 403,
                            "coordinator": 200}),
    ("/api/v1/declarations/2025.csv", {"anonymous": 401, "buyer": 200, "refurbisher": 403,
                                       "coordinator": 200}),
]  # fmt: skip


@pytest.mark.parametrize("who", ["anonymous", "buyer", "refurbisher", "coordinator"])
@pytest.mark.parametrize(("path", "expected"), READ_ROUTES)
def test_permission_matrix_reads(api, people, market, who, path, expected):  # type: ignore[no-untyped-def]
    headers = {} if who == "anonymous" else bearer(people[who])
    response = api.get(path.format(campaign=market["campaign"].id), headers=headers)
    assert response.status_code == expected[who], response.get_data(as_text=True)[:300]
    if expected[who] >= 400:
        assert response.mimetype == PROBLEM
