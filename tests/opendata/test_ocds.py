"""The OCDS release package: valid against the standard's 1.1.5 schemas, figures from orders."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

from nrhub.campaigns.models import Campaign, OfferStatus
from nrhub.clauses.models import ClauseForm, ClauseKind
from nrhub.consolidation import services
from nrhub.extensions import db
from nrhub.opendata import ocds
from nrhub.organisations.models import LegalForm
from tests.consolidation import factories as f
from tests.opendata import helpers, schemas
from tests.opendata.conftest import CONSOLIDATED_AT


def _package(client, campaign_id: int) -> dict:
    response = client.get(f"/campagnes/{campaign_id}/ocds.json")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def _roles(release: dict) -> dict[str, list[str]]:
    return {party["name"]: party["roles"] for party in release["parties"]}


def test_package_and_release_are_valid_against_the_ocds_schemas(consolidated, client):
    package = _package(client, consolidated.campaign.id)

    assert schemas.errors(schemas.package_validator(), package) == []
    assert len(package["releases"]) == 1
    for release in package["releases"]:
        assert schemas.errors(schemas.release_validator(), release) == []


def test_schemas_refuse_broken_packages(consolidated, client):
    """Validation can fail: a naive date, a relative URI, a tag outside the closed codelist."""
    package = _package(client, consolidated.campaign.id)
    release = package["releases"][0]
    assert schemas.errors(schemas.release_validator(), {**release, "date": "2026-10-02T11:00:00"})
    assert schemas.errors(schemas.release_validator(), {**release, "tag": ["consolidation"]})
    assert schemas.errors(schemas.package_validator(), {**package, "uri": "ocds.json"})
    del release["initiationType"]
    assert schemas.errors(schemas.package_validator(), package)


def test_release_identifies_the_process_with_the_configured_prefix(consolidated, client, app):
    package = _package(client, consolidated.campaign.id)
    release = package["releases"][0]
    campaign_id = consolidated.campaign.id

    assert release["ocid"] == f"ocds-nrhub-campagne-{campaign_id}"
    assert release["initiationType"] == "tender"
    # The deliveries to come are milestones of the contracts' implementation.
    assert release["tag"] == ["tender", "award", "contract", "implementation"]
    assert release["date"] == "2026-10-02T11:00:00+02:00"
    # Published when first served (stored), not at the consolidation.
    db.session.expire_all()
    published_at = db.session.get(Campaign, campaign_id).open_data_published_at
    assert package["publishedDate"] == ocds.timestamp(published_at)
    assert published_at > CONSOLIDATED_AT
    assert package["uri"] == f"http://localhost/campagnes/{campaign_id}/ocds.json"
    assert package["publisher"] == {
        "name": consolidated.hub.name,
        "scheme": "FR-INSEE",
        "uid": consolidated.hub.siret,
    }
    assert package["extensions"] == [ocds.SUSTAINABILITY_EXTENSION]

    app.config["OCDS_OCID_PREFIX"] = "ocds-a1b2c3"
    again = _package(client, campaign_id)["releases"][0]
    assert again["ocid"] == f"ocds-a1b2c3-campagne-{campaign_id}"
    assert again["id"] == f"ocds-a1b2c3-campagne-{campaign_id}-consolidation"


def test_parties_carry_the_hub_buyers_and_refurbishers_roles(world, client):
    helpers.other_offer(world, "Atelier refusé", OfferStatus.REFUSED)
    helpers.other_offer(world, "Atelier retiré", OfferStatus.WITHDRAWN)
    services.confirm_consolidation(world.campaign, by=world.coordinator, notify=False)
    db.session.expire_all()

    release = _package(client, world.campaign.id)["releases"][0]

    assert _roles(release) == {
        "Centrale d'achat de test": ["procuringEntity", "wholesaleBuyer"],
        "Commune 1": ["buyer"],
        "Commune 2": ["buyer"],
        "Commune 3": ["buyer"],
        "Atelier refusé": ["tenderer"],
        "Atelier A": ["tenderer", "supplier"],
        "Atelier B": ["tenderer", "supplier"],
    }
    hub = release["parties"][0]
    assert hub["identifier"] == {
        "scheme": "FR-INSEE",
        "id": world.hub.siret,
        "legalName": world.hub.name,
    }
    assert hub["id"] == f"FR-INSEE-{world.hub.siret}"
    assert release["tender"]["procuringEntity"] == {"id": hub["id"], "name": hub["name"]}
    assert release["tender"]["numberOfTenderers"] == 3
    # Every reference points at a party of the release.
    ids = {party["id"] for party in release["parties"]}
    references = [release["tender"]["procuringEntity"], *release["tender"]["tenderers"]]
    references += [s for award in release["awards"] for s in award["suppliers"]]
    assert {r["id"] for r in references} <= ids
    assert all("contactPoint" not in party for party in release["parties"])


def test_awards_and_contracts_follow_the_purchase_orders(consolidated, client):
    release = _package(client, consolidated.campaign.id)["releases"][0]
    orders = helpers.purchase_orders(consolidated.campaign.id)

    assert [a["id"] for a in release["awards"]] == [po.number for po in orders]
    assert [c["awardID"] for c in release["contracts"]] == [po.number for po in orders]
    for award, contract, po in zip(release["awards"], release["contracts"], orders, strict=True):
        for value in (award["value"], contract["value"]):
            assert value["currency"] == "EUR"
            assert Decimal(str(value["amount"])) == po.total_ht
        items_total = sum(
            Decimal(str(item["unit"]["value"]["amount"])) * item["quantity"]
            for item in award["items"]
        )
        assert items_total == po.total_ht
        assert contract["dateSigned"] == "2026-10-02T11:00:00+02:00"
        assert contract["period"] == {
            "startDate": "2026-10-02T11:00:00+02:00",
            "endDate": "2027-01-15T23:59:59+01:00",
        }
    assert release["awards"][0]["suppliers"][0]["name"] == "Atelier A"
    assert Decimal(str(release["tender"]["value"]["amount"])) == Decimal("4139.94")


def test_items_are_classified_by_cpv(consolidated, client):
    release = _package(client, consolidated.campaign.id)["releases"][0]

    items = release["tender"]["items"]
    tender_items = {i["id"]: (i["classification"], i["quantity"]) for i in items}
    assert tender_items == {
        "laptop": ({"scheme": "CPV", "id": "30213100", "description": "Ordinateur portable"}, 10),
        "monitor": ({"scheme": "CPV", "id": "30231300", "description": "Écran"}, 8),
        "smartphone": ({"scheme": "CPV", "id": "32250000", "description": "Smartphone"}, 6),
    }
    award_items = [i for award in release["awards"] for i in award["items"]]
    assert {i["classification"]["scheme"] for i in award_items} == {"CPV"}
    assert sorted((i["description"], i["quantity"]) for i in award_items) == [
        ("Dell P2419H", 8),
        ("Fairphone 4", 6),
        ("Lenovo ThinkPad T480", 10),
    ]


def test_maintenance_is_an_item_of_its_own(world, client):
    helpers.add_maintenance(world, buyer_number=1, months=24, price="30.00")
    world.campaign.delivery_to = dt.date(2027, 1, 15)
    db.session.commit()
    services.confirm_consolidation(
        world.campaign, by=world.coordinator, at=CONSOLIDATED_AT, notify=False
    )
    db.session.expire_all()

    package = _package(client, world.campaign.id)
    award = package["releases"][0]["awards"][0]

    assert schemas.errors(schemas.package_validator(), package) == []
    maintenance = [i for i in award["items"] if i["classification"]["id"] == "50312000"]
    assert [(i["quantity"], i["unit"]["value"]["amount"]) for i in maintenance] == [(3, 30.0)]
    assert Decimal(str(award["value"]["amount"])) == Decimal("3150.00")
    assert award["contractPeriod"]["endDate"] == "2029-01-15T23:59:59+01:00"


def test_considerations_are_structured_in_tender_sustainability(consolidated, client):
    """The scenario's clauses: a social execution clause and an environmental award
    criterion, both of theme reuse (a reuse theme on a social clause gives the social
    goal)."""
    tender = _package(client, consolidated.campaign.id)["releases"][0]["tender"]

    assert "description" not in tender  # the campaign has none; no free-text summary
    assert tender["hasSustainability"] is True
    assert tender["sustainability"] == [
        {
            "goal": "environmental.resourceReuse",
            "strategies": ["awardCriteria"],
            "description": "Réparabilité",
        },
        {
            "goal": "social",
            "strategies": ["contractPerformanceConditions"],
            "description": "Heures d'insertion",
        },
    ]


def test_sustainability_goals_and_strategies_follow_theme_and_form(consolidated, client):
    insertion = f.clause(ClauseKind.SOCIAL, ClauseForm.RESERVED, "Marché réservé aux SIAE")
    insertion.theme = "insertion"
    repair = f.clause(ClauseKind.ENVIRONMENTAL, ClauseForm.CLAUSE, "Pièces 7 ans")
    repair.theme = "spare_parts"
    repair_criterion = f.clause(ClauseKind.ENVIRONMENTAL, ClauseForm.CRITERION, "Indice")
    repair_criterion.theme = "repairability"
    helpers.set_clauses(consolidated.campaign, [insertion, repair, repair_criterion])

    tender = _package(client, consolidated.campaign.id)["releases"][0]["tender"]

    assert tender["sustainability"] == [
        {
            "goal": "environmental.wasteReduction",
            "strategies": ["contractPerformanceConditions", "awardCriteria"],
            "description": "Pièces 7 ans ; Indice",
        },
        {
            "goal": "social.disadvantagedEmploymentOpportunities",
            "strategies": ["reservedParticipation"],
            "description": "Marché réservé aux SIAE",
        },
    ]
    codes = _codelist("sustainabilityGoal") | _codelist("sustainabilityStrategy")
    used = {e["goal"] for e in tender["sustainability"]}
    used |= {s for e in tender["sustainability"] for s in e["strategies"]}
    assert used <= codes


def test_campaign_without_clause_has_no_sustainability(consolidated, client):
    helpers.set_clauses(consolidated.campaign, [])
    tender = _package(client, consolidated.campaign.id)["releases"][0]["tender"]
    assert tender["hasSustainability"] is False
    assert "sustainability" not in tender


def test_identifier_scheme_fits_each_party(world, client):
    """Companies and cooperatives in the RCS under FR-RCS; associations, the hub and the
    member authorities under FR-INSEE (SIRENE)."""
    world.refurbisher_b.legal_form = LegalForm.SCIC
    db.session.commit()
    services.confirm_consolidation(world.campaign, by=world.coordinator, notify=False)
    db.session.expire_all()

    release = _package(client, world.campaign.id)["releases"][0]

    schemes = {p["name"]: p["identifier"]["scheme"] for p in release["parties"]}
    assert schemes == {
        "Centrale d'achat de test": "FR-INSEE",
        "Commune 1": "FR-INSEE",
        "Commune 2": "FR-INSEE",
        "Commune 3": "FR-INSEE",
        "Atelier A": "FR-INSEE",  # an association
        "Atelier B": "FR-RCS",  # a SCIC
    }
    for party in release["parties"]:
        assert party["id"] == f"{party['identifier']['scheme']}-{party['identifier']['id']}"


def test_no_item_has_a_zero_quantity(consolidated, client):
    release = _package(client, consolidated.campaign.id)["releases"][0]
    items = list(release["tender"]["items"])
    items += [i for a in release["awards"] for i in a["items"]]
    items += [i for c in release["contracts"] for i in c["items"]]
    assert items
    assert all(item["quantity"] > 0 for item in items)


def _codelist(name: str) -> set[str]:
    path = schemas.DATA / "ocds-1.1.5" / "extensions" / "sustainability" / "codelists"
    with (path / f"{name}.csv").open(encoding="utf-8") as rows:
        return {row["Code"] for row in csv.DictReader(rows)}
