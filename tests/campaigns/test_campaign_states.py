"""Campaign creation, the state machine, cancellation and the cron tick."""

from __future__ import annotations

import datetime as dt

import pytest

from nrhub.campaigns import orders as order_services
from nrhub.campaigns import services
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignState,
    OfferStatus,
    Order,
    OrderStatus,
)
from nrhub.db import utcnow
from nrhub.errors import ConflictError, PermissionDeniedError
from nrhub.extensions import db
from nrhub.mail.models import OutboxMail
from nrhub.transactions import unit_of_work
from tests import factories
from tests.campaigns.conftest import category_ids, free_stock, outbox
from tests.conftest import login

FORM = {
    "title": "Campagne été 2027",
    "description": "Portables pour les écoles",
    "opens_at": "2027-06-01T09:00",
    "closes_at": "2027-06-30T18:00",
    "delivery_from": "2027-07-15",
    "delivery_to": "2027-08-31",
}


def _form(**extra):  # type: ignore[no-untyped-def]
    data = dict(FORM) | extra
    data.setdefault("category_ids", [str(i) for i in category_ids("laptop", "monitor")])
    return data


def test_coordinator_creates_campaign_with_paris_times(client, people):
    login(client, people.coordinator.email)
    response = client.post("/campagnes/nouvelle", data=_form())
    assert response.status_code == 302
    campaign = db.session.execute(db.select(Campaign)).scalar_one()
    assert campaign.state == CampaignState.DRAFT
    # 09:00 in Paris in June (UTC+2) is 07:00 UTC.
    assert campaign.opens_at == dt.datetime(2027, 6, 1, 7, 0, tzinfo=dt.UTC)
    assert campaign.closes_at == dt.datetime(2027, 6, 30, 16, 0, tzinfo=dt.UTC)
    html = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert "du 01/06/2027 09:00 au 30/06/2027 18:00" in html


def test_winter_time_is_one_hour_from_utc(client, people):
    login(client, people.coordinator.email)
    client.post(
        "/campagnes/nouvelle",
        data=_form(opens_at="2027-01-10T09:00", closes_at="2027-01-20T09:00", delivery_from=""),
    )
    campaign = db.session.execute(db.select(Campaign)).scalar_one()
    assert campaign.opens_at == dt.datetime(2027, 1, 10, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"closes_at": "2027-05-01T09:00"}, "La clôture des commandes doit suivre leur ouverture."),
        ({"category_ids": []}, "Choisissez au moins une catégorie éligible."),
        ({"title": ""}, "Indiquez un titre."),
        ({"opens_at": "demain"}, ""),
        ({"delivery_from": "2027-06-10"}, "Les livraisons ne peuvent commencer"),
    ],
)
def test_invalid_campaign_form_is_422_and_creates_nothing(client, people, changes, message):
    login(client, people.coordinator.email)
    response = client.post("/campagnes/nouvelle", data=_form(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.execute(db.select(Campaign)).first() is None


def test_coordinator_edits_campaign_and_cannot_drop_a_used_category(
    client, people, make_campaign, listing, make_offer
):
    campaign = make_campaign(CampaignState.OPEN, codes=("laptop", "monitor"))
    make_offer(campaign, listing, 5)
    login(client, people.coordinator.email)
    page = client.get(f"/campagnes/{campaign.id}/modifier")
    assert page.status_code == 200
    response = client.post(
        f"/campagnes/{campaign.id}/modifier",
        data=_form(category_ids=[str(i) for i in category_ids("monitor")]),
    )
    assert response.status_code == 422
    assert "Des offres portent sur une catégorie retirée" in response.get_data(as_text=True)
    response = client.post(
        f"/campagnes/{campaign.id}/modifier",
        data=_form(title="Nouveau titre", category_ids=[str(i) for i in category_ids("laptop")]),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).title == "Nouveau titre"


def test_state_machine_draft_open_closed(people, make_campaign):
    campaign = make_campaign(CampaignState.DRAFT)
    with unit_of_work():
        services.open_campaign(campaign, by=people.coordinator)
    assert campaign.state == CampaignState.OPEN
    with (
        pytest.raises(ConflictError, match="Impossible d'ouvrir une campagne ouverte"),
        unit_of_work(),
    ):
        services.open_campaign(campaign, by=people.coordinator)
    with unit_of_work():
        services.close_campaign(campaign, by=people.coordinator)
    assert campaign.state == CampaignState.CLOSED
    with (
        pytest.raises(ConflictError, match="Impossible de clôturer une campagne clôturée"),
        unit_of_work(),
    ):
        services.close_campaign(campaign, by=people.coordinator)
    with (
        pytest.raises(ConflictError, match="Impossible d'ouvrir une campagne clôturée"),
        unit_of_work(),
    ):
        services.open_campaign(campaign, by=people.coordinator)


def test_close_refused_on_draft_and_cancel_refused_after_consolidation(people, make_campaign):
    draft = make_campaign(CampaignState.DRAFT)
    with (
        pytest.raises(ConflictError, match="Impossible de clôturer une campagne en préparation"),
        unit_of_work(),
    ):
        services.close_campaign(draft, by=people.coordinator)
    consolidated = make_campaign(CampaignState.CONSOLIDATED, title="Consolidée")
    with (
        pytest.raises(ConflictError, match="Impossible d'annuler une campagne consolidée"),
        unit_of_work(),
    ):
        services.cancel_campaign(consolidated, "Erreur de saisie", by=people.coordinator)


def test_cannot_open_a_campaign_whose_window_is_over(people, make_campaign):
    now = utcnow()
    campaign = make_campaign(
        CampaignState.DRAFT,
        opens_at=now - dt.timedelta(days=10),
        closes_at=now - dt.timedelta(days=1),
    )
    with (
        pytest.raises(ConflictError, match="La période de commande est déjà passée"),
        unit_of_work(),
    ):
        services.open_campaign(campaign, by=people.coordinator)
    assert campaign.state == CampaignState.DRAFT


def test_only_coordinators_change_states(people, make_campaign):
    campaign = make_campaign(CampaignState.DRAFT)
    for user in (people.buyer, people.refurbisher):
        with pytest.raises(PermissionDeniedError), unit_of_work():
            services.open_campaign(campaign, by=user)


def test_transitions_through_http_flash_french_refusals(client, people, make_campaign):
    campaign = make_campaign(CampaignState.DRAFT)
    login(client, people.coordinator.email)
    assert client.post(f"/campagnes/{campaign.id}/ouvrir").status_code == 302
    html = client.post(f"/campagnes/{campaign.id}/ouvrir", follow_redirects=True).get_data(
        as_text=True
    )
    assert "Impossible d&#39;ouvrir une campagne ouverte." in html
    assert client.post(f"/campagnes/{campaign.id}/cloturer").status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.CLOSED


def test_cancel_returns_units_cancels_orders_and_mails_participants(
    app, client, people, make_campaign, listing, make_offer
):
    campaign = make_campaign(CampaignState.OPEN)
    accepted = make_offer(campaign, listing, 8)
    other = factories.ListingFactory(refurbisher=people.other_refurbisher.organisation, quantity=5)
    db.session.commit()
    make_offer(campaign, other, 5, accept=False)
    with unit_of_work():
        order_services.place_order(campaign, {accepted.id: 3}, by=people.buyer)
    assert free_stock(listing.id) == 12 and free_stock(other.id) == 0
    outbox(app).clear()
    login(client, people.coordinator.email)
    assert client.post(f"/campagnes/{campaign.id}/annuler", data={"reason": ""}).status_code == 422
    response = client.post(
        f"/campagnes/{campaign.id}/annuler",
        data={"reason": "Trop peu d'offres reçues pour cette campagne."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).state == CampaignState.CANCELLED
    assert free_stock(listing.id) == 20 and free_stock(other.id) == 5
    statuses = set(db.session.execute(db.select(CampaignOffer.status)).scalars())
    assert statuses == {OfferStatus.CANCELLED}
    order = db.session.execute(db.select(Order)).scalar_one()
    assert order.status == OrderStatus.CANCELLED
    (message,) = outbox(app)
    assert sorted(message.to) == sorted(
        [people.buyer.email, people.refurbisher.email, people.other_refurbisher.email]
    )
    assert "Trop peu d'offres reçues" in message.body
    assert "Campagne de test" in message.subject


def test_tick_closes_due_campaigns_and_releases_pending_offers(
    people, make_campaign, listing, make_offer
):
    now = utcnow()
    due = make_campaign(CampaignState.OPEN, title="Échue")
    make_offer(due, listing, 4, accept=False)
    running = make_campaign(CampaignState.OPEN, title="En cours")
    scheduled = make_campaign(
        CampaignState.OPEN,
        title="Programmée",
        opens_at=now + dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=9),
    )
    draft = make_campaign(CampaignState.DRAFT, title="Brouillon")
    assert free_stock(listing.id) == 16
    with unit_of_work():
        report = services.tick_campaigns(now + dt.timedelta(days=11))
    assert report.closed == ["Échue", "En cours", "Programmée"]
    db.session.expire_all()
    assert db.session.get(Campaign, due.id).state == CampaignState.CLOSED
    assert db.session.get(Campaign, draft.id).state == CampaignState.DRAFT
    assert free_stock(listing.id) == 20
    offer = db.session.execute(db.select(CampaignOffer)).scalar_one()
    assert offer.status == OfferStatus.REFUSED
    with unit_of_work():
        report = services.tick_campaigns(now)
    assert report.closed == []
    assert running.id and scheduled.id


def test_tick_command_reports_in_french(app, people, make_campaign):
    now = utcnow()
    make_campaign(
        CampaignState.OPEN,
        title="Échue",
        opens_at=now - dt.timedelta(days=5),
        closes_at=now - dt.timedelta(minutes=1),
    )
    make_campaign(CampaignState.OPEN, title="En cours")
    result = app.test_cli_runner().invoke(args=["campaigns", "tick"])
    assert result.exit_code == 0, result.output
    assert "Clôturée : Échue" in result.output
    assert "Commandes en cours : En cours" in result.output


def test_second_cancel_is_refused_and_gives_nothing_back(
    app, people, make_campaign, listing, make_offer
):
    campaign = make_campaign(CampaignState.OPEN)
    make_offer(campaign, listing, 8)
    with unit_of_work():
        services.cancel_campaign(campaign, "Trop peu d'offres reçues", by=people.coordinator)
    outbox(app).clear()
    with (
        pytest.raises(ConflictError, match="Impossible d'annuler une campagne annulée"),
        unit_of_work(),
    ):
        services.cancel_campaign(campaign, "Encore une fois", by=people.coordinator)
    assert free_stock(listing.id) == 20
    assert outbox(app) == []
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).cancel_reason == "Trop peu d'offres reçues"


def test_cancel_mail_reaches_each_person_in_their_language(
    app, people, make_campaign, listing, make_offer
):
    campaign = make_campaign(CampaignState.OPEN)
    make_offer(campaign, listing, 8)
    people.refurbisher.locale = "en"
    db.session.commit()
    outbox(app).clear()
    with unit_of_work():
        services.cancel_campaign(campaign, "Trop peu d'offres reçues", by=people.coordinator)
    (message,) = outbox(app)
    assert message.to == [people.refurbisher.email]
    assert message.subject == "[nrhub] Campaign cancelled: Campagne de test"


def test_a_refused_cancel_queues_no_mail(app, people, make_campaign, listing, make_offer):
    campaign = make_campaign(CampaignState.CONSOLIDATED)
    outbox(app).clear()
    with pytest.raises(ConflictError), unit_of_work():
        services.cancel_campaign(campaign, "Trop tard pour annuler", by=people.coordinator)
    assert outbox(app) == []
    assert db.session.execute(db.select(db.func.count()).select_from(OutboxMail)).scalar() == 0
