"""Who may download the exports, what they answer, and the links to them."""

from __future__ import annotations

import pytest

from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from tests.conftest import login
from tests.consolidation.factories import pending_person
from tests.queries import count_queries

EXPORTS = ("donnees-essentielles.json", "ocds.json")
NOT_PUBLISHED = "Aucune donnée ouverte pour cette campagne"


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize(
    "email",
    [
        None,
        "coordination@test.fr",
        "atelier-a@test.fr",
        "atelier-b@test.fr",
        "acheteur1@test.fr",
        "en-attente@test.fr",
    ],
)
def test_consolidated_campaign_exports_are_open_to_everyone(consolidated, client, export, email):
    pending_person()
    db.session.commit()
    if email:
        login(client, email)

    response = client.get(f"/campagnes/{consolidated.campaign.id}/{export}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.get_json()


@pytest.mark.parametrize(
    ("export", "filename"),
    [
        ("donnees-essentielles.json", "donnees-essentielles-campagne-{id}.json"),
        ("ocds.json", "ocds-campagne-{id}.json"),
    ],
)
def test_exports_download_as_named_utf8_files(consolidated, client, export, filename):
    campaign_id = consolidated.campaign.id

    response = client.get(f"/campagnes/{campaign_id}/{export}")

    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{filename.format(id=campaign_id)}"'
    )
    body = response.get_data()
    assert "Écran".encode() in body or b"Ordinateur" in body
    assert b"\\u00" not in body  # accents written as UTF-8, not escaped


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize(
    "state",
    [CampaignState.DRAFT, CampaignState.OPEN, CampaignState.CLOSED, CampaignState.CANCELLED],
)
@pytest.mark.parametrize("email", [None, "coordination@test.fr"])
def test_campaign_not_consolidated_is_not_found(world, client, export, state, email):
    world.campaign.state = state
    db.session.commit()
    if email:
        login(client, email)

    response = client.get(f"/campagnes/{world.campaign.id}/{export}")

    assert response.status_code == 404
    assert NOT_PUBLISHED in response.get_data(as_text=True)


@pytest.mark.parametrize("export", EXPORTS)
def test_unknown_campaign_is_not_found(app, client, export):
    response = client.get(f"/campagnes/987654/{export}")

    assert response.status_code == 404
    assert NOT_PUBLISHED in response.get_data(as_text=True)


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("state", [CampaignState.IN_DELIVERY, CampaignState.DONE])
def test_exports_stay_published_during_and_after_delivery(consolidated, client, export, state):
    consolidated.campaign.state = state
    db.session.commit()

    assert client.get(f"/campagnes/{consolidated.campaign.id}/{export}").status_code == 200


@pytest.mark.parametrize("export", EXPORTS)
def test_exports_read_a_fixed_number_of_queries(consolidated, client, export):
    # 2 purchase orders, 5 lines, 3 buyers: one query per relation, not per row.
    url = f"/campagnes/{consolidated.campaign.id}/{export}"
    with count_queries() as first:
        response = client.get(url)
    assert response.status_code == 200
    # The first reading stamps the publication date (its update, its read, and the cache
    # bumps of the two areas that show a campaign: indicators and campaign pages).
    assert len(first) == 13, "\n".join(first)
    with count_queries() as statements:
        response = client.get(url)

    assert response.status_code == 200
    assert len(statements) == 9, "\n".join(statements)


def test_publication_date_is_stored_at_first_serving_and_never_moves(consolidated, client):
    """Consolidated on 2 October 2026; first served today: both exports give today's date,
    and still do after a later receipt (OCDS publishedDate, the last change, moves then)."""
    campaign_id = consolidated.campaign.id
    decp = client.get(f"/campagnes/{campaign_id}/donnees-essentielles.json").get_json()
    ocds = client.get(f"/campagnes/{campaign_id}/ocds.json").get_json()
    db.session.expire_all()
    stamped = db.session.get(Campaign, campaign_id).open_data_published_at
    assert stamped is not None and stamped > consolidated.campaign.consolidated_at
    today = paris_date_of(stamped).isoformat()
    assert {m["datePublicationDonnees"] for m in decp["marches"]["marche"]} == {today}
    assert ocds["publishedDate"].startswith(today)
    assert ocds["releases"][0]["date"].startswith("2026-10-02")
    again = client.get(f"/campagnes/{campaign_id}/donnees-essentielles.json").get_json()
    assert again == decp
    db.session.expire_all()
    assert db.session.get(Campaign, campaign_id).open_data_published_at == stamped


def test_campaign_page_links_the_exports_once_consolidated(world, client):
    login(client, "acheteur1@test.fr")
    page = client.get(f"/campagnes/{world.campaign.id}").get_data(as_text=True)
    assert "donnees-essentielles.json" not in page

    from nrhub.consolidation import services

    services.confirm_consolidation(world.campaign, by=world.coordinator, notify=False)
    db.session.expire_all()

    page = client.get(f"/campagnes/{world.campaign.id}").get_data(as_text=True)
    assert f'href="/campagnes/{world.campaign.id}/donnees-essentielles.json"' in page
    assert f'href="/campagnes/{world.campaign.id}/ocds.json"' in page


def test_consolidation_page_links_the_exports(consolidated, client):
    login(client, "coordination@test.fr")

    page = client.get(f"/campagnes/{consolidated.campaign.id}/consolidation").get_data(as_text=True)

    assert "Données ouvertes des marchés" in page
    assert f'href="/campagnes/{consolidated.campaign.id}/ocds.json"' in page
