"""GET /api/v1/framework-agreements(/{id}): lots, holders, maximum and amount ordered; the
coordination reads all, member buyers all, a refurbisher those it holds a lot of."""

from __future__ import annotations

from nrhub.campaigns.models import CampaignState
from tests.agreements.conftest import attach, make_framework
from tests.api.conftest import bearer


def test_coordinator_reads_every_agreement_with_lots_holders_and_amounts(  # type: ignore[no-untyped-def]
    app, client, people, make_campaign, listing, make_offer
):
    agreement, lot = make_framework(people, maximum="20000.00", lot_maximum="15000.00")
    make_framework(people, reference="AC-2026-02", holders=())
    campaign = attach(make_campaign(CampaignState.OPEN), lot)
    offer = make_offer(campaign, listing)
    response = client.put(
        f"/api/v1/campaigns/{campaign.id}/order",
        json={"lines": [{"offer_id": offer.id, "quantity": 2}]},
        headers=bearer(people.buyer),
    )
    assert response.status_code in (200, 201), response.get_json()
    page = client.get("/api/v1/framework-agreements", headers=bearer(people.coordinator))
    assert page.status_code == 200
    body = page.get_json()
    assert [item["reference"] for item in body["items"]] == ["AC-2026-01", "AC-2026-02"]
    assert body["next_cursor"] is None
    one = client.get(
        f"/api/v1/framework-agreements/{agreement.id}", headers=bearer(people.coordinator)
    ).get_json()
    assert one["maximum_amount_ht"] == "20000.00"
    assert one["ordered_amount_ht"] == "600.00"
    assert one["procedure"] == "Appel d'offres ouvert"
    assert one["ends_on"] == "2030-01-04"
    [lot_out] = one["lots"]
    assert lot_out["number"] == 1 and lot_out["cpv_code"] == "30213000-5"
    assert lot_out["maximum_amount_ht"] == "15000.00"
    assert lot_out["ordered_amount_ht"] == "600.00"
    assert sorted(lot_out["categories"]) == ["laptop", "smartphone"]
    assert lot_out["holders"] == [
        {
            "refurbisher": {
                "id": people.refurbisher.organisation_id,
                "name": "Atelier Alpha",
            },
            "reference": f"REF-{people.refurbisher.organisation_id}",
        }
    ]


def test_buyers_read_all_refurbishers_those_they_hold(app, client, people):  # type: ignore[no-untyped-def]
    held, _lot = make_framework(people)
    other, _other_lot = make_framework(
        people, reference="AC-2026-02", holders=(people.other_refurbisher.organisation_id,)
    )
    buyer_page = client.get("/api/v1/framework-agreements", headers=bearer(people.buyer))
    assert [i["id"] for i in buyer_page.get_json()["items"]] == [held.id, other.id]
    refurbisher = bearer(people.refurbisher)
    page = client.get("/api/v1/framework-agreements", headers=refurbisher)
    assert [i["id"] for i in page.get_json()["items"]] == [held.id]
    assert (
        client.get(f"/api/v1/framework-agreements/{held.id}", headers=refurbisher).status_code
        == 200
    )
    hidden = client.get(f"/api/v1/framework-agreements/{other.id}", headers=refurbisher)
    assert hidden.status_code == 404
    assert hidden.mimetype == "application/problem+json"
    assert client.get("/api/v1/framework-agreements/999999", headers=refurbisher).status_code == 404


def test_pagination_and_bad_parameters(app, client, people):  # type: ignore[no-untyped-def]
    for n in range(3):
        make_framework(people, reference=f"AC-P-{n}")
    headers = bearer(people.coordinator)
    first = client.get("/api/v1/framework-agreements?limit=2", headers=headers).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = client.get(
        f"/api/v1/framework-agreements?limit=2&cursor={first['next_cursor']}", headers=headers
    ).get_json()
    assert [i["reference"] for i in second["items"]] == ["AC-P-2"]
    assert second["next_cursor"] is None
    assert client.get("/api/v1/framework-agreements?limit=0", headers=headers).status_code == 422
    assert client.get("/api/v1/framework-agreements?x=1", headers=headers).status_code == 422
    assert client.get("/api/v1/framework-agreements").status_code == 401


def test_documented_in_the_openapi_document(app, client):  # type: ignore[no-untyped-def]
    document = client.get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/api/v1/framework-agreements"]["get"]
    detail = document["paths"]["/api/v1/framework-agreements/{id}"]["get"]
    assert "titulaire" in listing["description"]
    assert "404" in detail["responses"]
    assert "FrameworkAgreementOut" in document["components"]["schemas"]
