"""A shipment is dated from its purchase order's day to today (Europe/Paris days), on the
web form and in the API alike: otherwise a clear French message next to the field, and
nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from nrhub.campaigns.models import CampaignState
from nrhub.consolidation import services
from nrhub.consolidation.models import Delivery, DeliveryStatus
from nrhub.extensions import db
from nrhub.formatting import paris_today
from tests.api.conftest import bearer
from tests.conftest import login
from tests.consolidation import factories as f

# Issued on 4 October at 22:30 UTC: the purchase order is dated 5 October in Paris.
ISSUED_AT = dt.datetime(2026, 10, 4, 22, 30, tzinfo=dt.UTC)
TOO_EARLY = "La date d'expédition ne peut pas précéder celle du bon de commande (05/10/2026)."
IN_THE_FUTURE = "La date d'expédition ne peut pas être dans le futur."


@pytest.fixture
def delivery(world) -> Delivery:
    f.run(
        services.confirm_consolidation,
        world.campaign,
        by=world.coordinator,
        at=ISSUED_AT,
        notify=False,
    )
    return db.session.execute(
        select(Delivery).where(
            Delivery.refurbisher_id == world.refurbisher_a.id,
            Delivery.buyer_id == world.buyers[0].id,
        )
    ).scalar_one()


def assert_unchanged(world, delivery: Delivery) -> None:
    db.session.expire_all()
    assert (delivery.status, delivery.shipped_on, delivery.serial_numbers) == (
        DeliveryStatus.PENDING,
        None,
        None,
    )
    assert world.campaign.state == CampaignState.CONSOLIDATED


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (dt.date(2026, 10, 4), TOO_EARLY),
        (dt.date(2000, 1, 1), TOO_EARLY),
        (paris_today() + dt.timedelta(days=1), IN_THE_FUTURE),
    ],
)
def test_web_form_refuses_the_date_next_to_its_field(world, delivery, client, day, message):
    login(client, "atelier-a@test.fr")
    response = client.post(
        f"/livraisons/{delivery.id}/expedition",
        data={"shipped_on": day.isoformat(), "serials": "SN-1"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = message.replace("'", "&#39;")  # escaped like any text of the page
    assert f'<p class="field-error" id="shipped_on-erreur">{error}</p>' in html
    assert_unchanged(world, delivery)


def test_web_form_shows_the_allowed_range_and_accepts_the_purchase_orders_day(
    world, delivery, client
):
    login(client, "atelier-a@test.fr")
    page = client.get(f"/livraisons/{delivery.id}").get_data(as_text=True)
    assert "Entre le 05/10/2026 (date du bon de commande) et aujourd" in page
    response = client.post(
        f"/livraisons/{delivery.id}/expedition", data={"shipped_on": "2026-10-05", "serials": ""}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (delivery.status, delivery.shipped_on) == (DeliveryStatus.SHIPPED, dt.date(2026, 10, 5))


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (dt.date(2026, 10, 4), TOO_EARLY),
        (paris_today() + dt.timedelta(days=1), IN_THE_FUTURE),
    ],
)
def test_api_refuses_the_date_with_a_field_error(world, delivery, client, day, message):
    response = client.post(
        f"/api/v1/deliveries/{delivery.id}/shipment",
        json={"shipped_on": day.isoformat(), "serials": "SN-1"},
        headers=bearer(world.people["refurbisher_a"]),
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"shipped_on": [message]}
    assert_unchanged(world, delivery)


def test_api_accepts_the_purchase_orders_day(world, delivery, client):
    response = client.post(
        f"/api/v1/deliveries/{delivery.id}/shipment",
        json={"shipped_on": "2026-10-05"},
        headers=bearer(world.people["refurbisher_a"]),
    )
    assert response.status_code == 200
    assert response.get_json()["shipped_on"] == "2026-10-05"
