"""Pages of maintenance offers and repair requests, through the web client."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from PIL import Image
from sqlalchemy import func, select

from nrhub.campaigns.models import CampaignState, OrderLine
from nrhub.catalog.models import MaintenanceOffer
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.repairs.models import RepairRequest, RepairStatus
from tests.conftest import login
from tests.consolidation import factories as f
from tests.repairs.conftest import delivery_of, lines_of


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(out, format="PNG")
    return out.getvalue()


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_refurbisher_adds_edits_and_deletes_a_maintenance_offer(world, client):
    login(client, "atelier-a@test.fr")
    listing = world.listings["phone"] if False else world.listings["laptop"]
    url = f"/reconditionneur/offres/{listing.id}/maintenance"
    page = client.get(url)
    assert page.status_code == 200
    assert "Maintenance 24 mois" in page.get_data(as_text=True)
    before = count(MaintenanceOffer)
    bad = client.post(
        url,
        data={
            "kind": "maintenance",
            "duration_months": "12",
            "unit_price": "douze",
            "coverage": "Tout.",
        },
    )
    assert bad.status_code == 422
    assert "Indiquez un prix HT positif" in bad.get_data(as_text=True)
    assert count(MaintenanceOffer) == before
    done = client.post(
        url,
        data={
            "kind": "extended_warranty",
            "duration_months": "36",
            "unit_price": "49,90",
            "coverage": "Remplacement si irréparable.",
            "is_active": "y",
        },
    )
    assert done.status_code == 302
    created = (
        db.session.execute(select(MaintenanceOffer).order_by(MaintenanceOffer.id.desc()))
        .scalars()
        .first()
    )
    assert (created.kind, created.duration_months, created.unit_price, created.is_active) == (
        "extended_warranty",
        36,
        Decimal("49.90"),
        True,
    )
    edit = client.post(
        f"{url}/{created.id}/modifier",
        data={
            "kind": "extended_warranty",
            "duration_months": "48",
            "unit_price": "59",
            "coverage": "Tout.",
        },
    )
    assert edit.status_code == 302
    db.session.expire_all()
    assert (created.duration_months, created.unit_price, created.is_active) == (
        48,
        Decimal("59.00"),
        False,
    )
    assert client.post(f"{url}/{created.id}/supprimer").status_code == 302
    assert count(MaintenanceOffer) == before
    # One chosen on an order line cannot be deleted.
    client.post(f"{url}/{world.maintenance.id}/supprimer")
    assert db.session.get(MaintenanceOffer, world.maintenance.id) is not None


def test_listing_page_shows_the_active_maintenance_offers(world, client):
    page = client.get(f"/catalogue/{world.listings['laptop'].id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Maintenance 24 mois" in html and "30,00" in html
    assert "Pièces et main-d&#39;œuvre" in html or "Pièces et main-d'œuvre" in html


def test_buyer_chooses_maintenance_on_the_campaign_page(app, client, request_ctx):
    from nrhub.catalog.models import MaintenanceKind
    from tests import factories
    from tests.repairs.conftest import maintenance_offer

    refurbisher = factories.RefurbisherFactory(name="Atelier A")
    buyer = factories.BuyerFactory(name="Commune 1")
    f.person(buyer, "acheteur@test.fr")
    campaign = f.campaign(state=CampaignState.OPEN, closes_at=utcnow() + dt.timedelta(days=2))
    listing = factories.ListingFactory(refurbisher=refurbisher, unit_price=Decimal("200"))
    offer = f.offer(campaign, listing, 10)
    chosen = maintenance_offer(listing, MaintenanceKind.MAINTENANCE, 24, "30.00")
    db.session.commit()
    login(client, "acheteur@test.fr")
    page = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert f'name="mnt_{offer.id}"' in page
    assert "Maintenance 24 mois — 30,00" in page
    response = client.post(
        f"/campagnes/{campaign.id}/commande",
        data={f"qty_{offer.id}": "2", f"mnt_{offer.id}": str(chosen.id)},
    )
    assert response.status_code == 302
    line = db.session.execute(select(OrderLine)).scalar_one()
    assert (line.quantity, line.maintenance_offer_id) == (2, chosen.id)
    bad = client.post(
        f"/campagnes/{campaign.id}/commande",
        data={f"qty_{offer.id}": "3", f"mnt_{offer.id}": "999"},
    )
    assert bad.status_code == 422
    db.session.expire_all()
    assert line.quantity == 2


def test_buyer_opens_a_request_with_a_photo_and_follows_it(received, client):
    world = received
    mine = lines_of(delivery_of(world, world.refurbisher_a, 0))[0]
    theirs = lines_of(delivery_of(world, world.refurbisher_a, 1))[0]
    login(client, "acheteur1@test.fr")
    form = client.get("/acheteur/reparations/nouvelle").get_data(as_text=True)
    assert f'value="{mine.id}"' in form
    assert f'value="{theirs.id}"' not in form
    too_many = client.post(
        "/acheteur/reparations/nouvelle",
        data={"delivery_line_id": str(mine.id), "quantity": "4", "description": "Panne."},
    )
    assert too_many.status_code == 422
    assert "entre 1 et 3" in too_many.get_data(as_text=True)
    other = client.post(
        "/acheteur/reparations/nouvelle",
        data={"delivery_line_id": str(theirs.id), "quantity": "1", "description": "Panne."},
    )
    assert other.status_code == 422  # not a choice of this buyer
    assert count(RepairRequest) == 0
    created = client.post(
        "/acheteur/reparations/nouvelle",
        data={
            "delivery_line_id": str(mine.id),
            "quantity": "2",
            "description": "Ventilateur bruyant.",
            "photos": (io.BytesIO(png()), "photo.png"),
        },
        content_type="multipart/form-data",
    )
    assert created.status_code == 302
    request = db.session.execute(select(RepairRequest)).scalar_one()
    detail = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Ventilateur bruyant." in detail
    photo = db.session.execute(
        select(RepairRequest).where(RepairRequest.id == request.id)
    ).scalar_one()
    assert photo is not None
    listing = client.get("/acheteur/reparations").get_data(as_text=True)
    assert "Lenovo ThinkPad T480" in listing
    login(client, "acheteur2@test.fr")
    assert client.get(f"/acheteur/reparations/{request.id}").status_code == 404
    assert "Lenovo ThinkPad T480" not in client.get("/acheteur/reparations").get_data(as_text=True)


def test_refurbisher_moves_a_request_and_refusal_needs_a_message(received, client, request_ctx):
    from nrhub.repairs import services

    world = received
    line = lines_of(delivery_of(world, world.refurbisher_a, 0))[0]
    request = services.open_repair_request(
        services.RepairInput(line.id, 1, "Panne."), by=world.people["buyer1"], notify=False
    )
    login(client, "atelier-a@test.fr")
    url = f"/reconditionneur/reparations/{request.id}"
    assert "Prendre en charge" in client.get(url).get_data(as_text=True)
    refused = client.post(f"{url}/statut", data={"status": "refused", "message": ""})
    assert refused.status_code == 422
    assert "pourquoi la demande est refusée" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert request.status == RepairStatus.OPEN
    assert client.post(f"{url}/statut", data={"status": "repaired"}).status_code == 422
    assert client.post(f"{url}/statut", data={"status": "in_progress"}).status_code == 302
    assert client.post(f"{url}/message", data={"body": "Pièce commandée."}).status_code == 302
    assert (
        client.post(f"{url}/statut", data={"status": "refused", "message": "Casse."}).status_code
        == 302
    )
    db.session.expire_all()
    assert request.status == RepairStatus.REFUSED
    page = client.get(url).get_data(as_text=True)
    assert "Pièce commandée." in page and "Casse." in page
    login(client, "coordination@test.fr")
    overview = client.get("/coordination/reparations").get_data(as_text=True)
    assert "Atelier A" in overview and "refusée" in overview
    assert "Méthode" in overview


def test_dashboards_show_the_repair_figures(received, client, request_ctx):
    from nrhub.repairs import services

    world = received
    line = lines_of(delivery_of(world, world.refurbisher_a, 0))[0]
    services.open_repair_request(
        services.RepairInput(line.id, 1, "Panne."), by=world.people["buyer1"], notify=False
    )
    for email in ("coordination@test.fr", "atelier-a@test.fr", "acheteur1@test.fr"):
        login(client, email)
        page = client.get("/indicateurs").get_data(as_text=True)
        assert "par reconditionneur" in page, email
        assert "Atelier A" in page, email
    login(client, "acheteur2@test.fr")
    page = client.get("/indicateurs").get_data(as_text=True)
    assert "Aucune demande de réparation" in page


def test_dashboard_figures_follow_the_year_of_the_page(received, client, request_ctx):
    from nrhub.repairs import services
    from nrhub.stats.queries import current_year

    world = received
    line = lines_of(delivery_of(world, world.refurbisher_a, 0))[0]
    services.open_repair_request(
        services.RepairInput(line.id, 1, "Panne."), by=world.people["buyer1"], notify=False
    )
    this_year, last_year = current_year(), current_year() - 1
    login(client, "acheteur1@test.fr")
    page = client.get(f"/indicateurs?annee={this_year}").get_data(as_text=True)
    assert f"Réparations {this_year}" in page
    assert f"Demandes de réparation ouvertes en {this_year}, par reconditionneur" in page
    assert f"/reparations/indicateurs.csv?annee={this_year}" in page
    page = client.get(f"/indicateurs?annee={last_year}").get_data(as_text=True)
    assert f"Aucune demande de réparation ouverte en {last_year}." in page
    csv_this = client.get(f"/reparations/indicateurs.csv?annee={this_year}")
    assert csv_this.get_data(as_text=True).splitlines()[1].startswith("Atelier A;1;")
    assert f"reparations-{this_year}.csv" in csv_this.headers["Content-Disposition"]
    csv_last = client.get(f"/reparations/indicateurs.csv?annee={last_year}")
    assert len(csv_last.get_data(as_text=True).strip().splitlines()) == 1
    assert client.get("/reparations/indicateurs.csv?annee=1500").status_code == 404


def test_figures_csv_is_scoped_to_the_viewer(received, client, request_ctx):
    from nrhub.repairs import services

    world = received
    line = lines_of(delivery_of(world, world.refurbisher_a, 0))[0]
    services.open_repair_request(
        services.RepairInput(line.id, 1, "Panne."), by=world.people["buyer1"], notify=False
    )
    login(client, "acheteur1@test.fr")
    text = client.get("/reparations/indicateurs.csv").get_data(as_text=True)
    assert text.splitlines()[1].startswith("Atelier A;1;1;0;0;0;0;")
    login(client, "atelier-b@test.fr")
    text = client.get("/reparations/indicateurs.csv").get_data(as_text=True)
    assert len(text.strip().splitlines()) == 1  # the header only
