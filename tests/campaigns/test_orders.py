"""Ordering: one order per buyer, append-only history, window, privacy, pooled figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import orders as order_services
from nrhub.campaigns import queries
from nrhub.campaigns.models import CampaignState, Order, OrderEvent, OrderLine, OrderStatus
from nrhub.campaigns.pricing import Tier
from nrhub.db import utcnow
from nrhub.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests import factories
from tests.campaigns.conftest import add_listing_tiers
from tests.conftest import login
from tests.queries import count_queries


@pytest.fixture
def market(people, make_campaign, listing, make_offer):  # type: ignore[no-untyped-def]
    campaign = make_campaign()
    offer = make_offer(campaign, listing, 10)
    return campaign, offer


def _events(order_id: int) -> list[OrderEvent]:
    return list(
        db.session.execute(
            db.select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        ).scalars()
    )


def test_place_then_change_keeps_one_order_and_appends_history(people, market):
    campaign, offer = market
    t0 = utcnow()
    with unit_of_work():
        order = order_services.place_order(campaign, {offer.id: 3}, by=people.buyer, now=t0)
    t1 = t0 + dt.timedelta(minutes=5)
    with unit_of_work():
        same = order_services.place_order(campaign, {offer.id: 5}, by=people.buyer, now=t1)
    assert same.id == order.id
    assert db.session.execute(db.select(db.func.count(Order.id))).scalar_one() == 1
    events = _events(order.id)
    assert [e.action for e in events] == ["created", "updated"]
    assert [e.lines for e in events] == [
        [{"offer_id": offer.id, "quantity": 3}],
        [{"offer_id": offer.id, "quantity": 5}],
    ]
    assert events[1].at == t1 and same.updated_at == t1
    # Unchanged: nothing appended, last change kept.
    with unit_of_work():
        order_services.place_order(
            campaign, {offer.id: 5}, by=people.buyer, now=t1 + dt.timedelta(hours=1)
        )
    db.session.expire_all()
    assert len(_events(order.id)) == 2
    assert db.session.get(Order, order.id).updated_at == t1


def test_zero_removes_a_line_and_empty_order_is_refused(people, market, make_offer):
    campaign, offer = market
    phone = factories.ListingFactory(refurbisher=people.other_refurbisher.organisation, quantity=10)
    db.session.commit()
    second = make_offer(campaign, phone, 4)
    with unit_of_work():
        order = order_services.place_order(campaign, {offer.id: 2, second.id: 1}, by=people.buyer)
    with unit_of_work():
        order_services.place_order(campaign, {offer.id: 2, second.id: 0}, by=people.buyer)
    lines = db.session.execute(db.select(OrderLine.offer_id, OrderLine.quantity)).all()
    assert [tuple(r) for r in lines] == [(offer.id, 2)]
    with pytest.raises(ValidationError, match="annulez la commande"), unit_of_work():
        order_services.place_order(campaign, {offer.id: 0}, by=people.buyer)
    with pytest.raises(ValidationError, match="Indiquez au moins une quantité"), unit_of_work():
        order_services.place_order(campaign, {offer.id: 0}, by=people.other_buyer)
    assert order.id


@pytest.mark.parametrize(
    ("state", "opens_in", "closes_in"),
    [
        (CampaignState.OPEN, dt.timedelta(hours=1), dt.timedelta(days=3)),  # not started
        (CampaignState.OPEN, -dt.timedelta(days=3), -dt.timedelta(seconds=1)),  # ended
        (CampaignState.DRAFT, -dt.timedelta(days=1), dt.timedelta(days=3)),
        (CampaignState.CLOSED, -dt.timedelta(days=1), dt.timedelta(days=3)),
        (CampaignState.CANCELLED, -dt.timedelta(days=1), dt.timedelta(days=3)),
    ],
)
def test_place_order_rejected_outside_open_window(
    people, make_campaign, listing, make_offer, state, opens_in, closes_in
):
    now = utcnow()
    campaign = make_campaign(
        CampaignState.OPEN,
        opens_at=now - dt.timedelta(days=5),
        closes_at=now + dt.timedelta(days=5),
    )
    offer = make_offer(campaign, listing, 5)
    campaign.opens_at, campaign.closes_at, campaign.state = now + opens_in, now + closes_in, state
    db.session.commit()
    with (
        pytest.raises(ConflictError, match="n'accepte pas de commande en ce moment"),
        unit_of_work(),
    ):
        order_services.place_order(campaign, {offer.id: 1}, by=people.buyer, now=now)
    assert db.session.execute(db.select(Order)).first() is None


def test_window_bounds_are_inclusive_start_exclusive_end(people, market):
    campaign, offer = market
    with unit_of_work():
        order_services.place_order(campaign, {offer.id: 1}, by=people.buyer, now=campaign.opens_at)
    with pytest.raises(ConflictError), unit_of_work():
        order_services.place_order(campaign, {offer.id: 2}, by=people.buyer, now=campaign.closes_at)


def test_order_only_on_accepted_offers_of_this_campaign(people, make_campaign, listing, market):
    campaign, offer = market
    pending_listing = factories.ListingFactory(
        refurbisher=people.other_refurbisher.organisation, quantity=5
    )
    db.session.commit()
    with unit_of_work():
        pending = offer_services.commit_offer(
            campaign, pending_listing.id, 2, by=people.other_refurbisher
        )
    with pytest.raises(ValidationError, match="pas ou plus proposée"), unit_of_work():
        order_services.place_order(campaign, {pending.id: 1}, by=people.buyer)
    other = make_campaign(title="Autre")
    with pytest.raises(ValidationError), unit_of_work():
        order_services.place_order(other, {offer.id: 1}, by=people.buyer)
    with pytest.raises(PermissionDeniedError), unit_of_work():
        order_services.place_order(campaign, {offer.id: 1}, by=people.refurbisher)
    with pytest.raises(ValidationError), unit_of_work():
        order_services.place_order(campaign, {offer.id: -1}, by=people.buyer)


def test_cancel_order_then_order_again(people, market):
    campaign, offer = market
    with unit_of_work():
        order = order_services.place_order(campaign, {offer.id: 4}, by=people.buyer)
    with unit_of_work():
        order_services.cancel_order(order, by=people.buyer)
    assert order.status == OrderStatus.CANCELLED
    assert queries.pooled_quantities(campaign.id) == {}
    with pytest.raises(ConflictError, match="déjà annulée"), unit_of_work():
        order_services.cancel_order(order, by=people.buyer)
    with pytest.raises(NotFoundError), unit_of_work():
        order_services.cancel_order(order, by=people.other_buyer)
    with unit_of_work():
        again = order_services.place_order(campaign, {offer.id: 2}, by=people.buyer)
    assert again.id == order.id and again.status == OrderStatus.ACTIVE
    assert [e.action for e in _events(order.id)] == ["created", "cancelled", "reactivated"]
    assert _events(order.id)[1].lines == []


def test_buyer_orders_through_the_page_and_sees_history(client, people, market):
    campaign, offer = market
    login(client, people.buyer.email)
    response = client.post(f"/campagnes/{campaign.id}/commande", data={f"qty_{offer.id}": "3"})
    assert response.status_code == 302
    order = db.session.execute(db.select(Order)).scalar_one()
    client.post(f"/campagnes/{campaign.id}/commande", data={f"qty_{offer.id}": "6"})
    html = client.get(f"/campagnes/{campaign.id}/commandes/{order.id}").get_data(as_text=True)
    assert "Commande créée" in html and "Commande modifiée" in html
    assert "6 × Lenovo ThinkPad T14 Gen 1" in html
    response = client.post(f"/campagnes/{campaign.id}/commande", data={f"qty_{offer.id}": "x"})
    assert response.status_code == 422
    response = client.post(f"/campagnes/{campaign.id}/commandes/{order.id}/annuler")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED


def test_invalid_quantity_is_shown_on_its_row_with_the_title_escaped(
    client, people, market, listing
):
    campaign, offer = market
    listing.model = "T14 <b>Gen 1</b>"
    db.session.commit()
    login(client, people.buyer.email)
    response = client.post(f"/campagnes/{campaign.id}/commande", data={f"qty_{offer.id}": "x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    row = html[html.index(f'<tr data-offer="{offer.id}"') :]
    row = row[: row.index("</tr>")]
    assert "Quantité souhaitée : Lenovo T14 &lt;b&gt;Gen 1&lt;/b&gt;</label>" in row
    assert (
        f'<input aria-describedby="qty_{offer.id}-erreur" aria-invalid="true" '
        f'id="qty_{offer.id}" inputmode="numeric" max="100000" min="0" name="qty_{offer.id}" '
        'type="number" value="x">'
    ) in row
    assert f'<p class="field-error" id="qty_{offer.id}-erreur">Indiquez un nombre entier' in row
    assert "<b>Gen 1</b>" not in html  # neither in the row nor in the error summary


def test_buyer_never_sees_another_buyers_name_or_order(client, people, market):
    campaign, offer = market
    with unit_of_work():
        theirs = order_services.place_order(campaign, {offer.id: 4}, by=people.other_buyer)
    login(client, people.buyer.email)
    html = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert "Commune de Lannion" not in html
    assert ">4<" in html  # the pooled quantity is shown, anonymously
    assert client.get(f"/campagnes/{campaign.id}/commandes/{theirs.id}").status_code == 404
    response = client.post(f"/campagnes/{campaign.id}/commandes/{theirs.id}/annuler")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Order, theirs.id).status == OrderStatus.ACTIVE
    with unit_of_work():
        mine = order_services.place_order(campaign, {offer.id: 1}, by=people.buyer)
    html = client.get(f"/campagnes/{campaign.id}/commandes/{mine.id}").get_data(as_text=True)
    assert "Commune de Lannion" not in html


def test_coordinator_sees_buyer_names_and_orders(client, people, market):
    campaign, offer = market
    with unit_of_work():
        order = order_services.place_order(campaign, {offer.id: 4}, by=people.other_buyer)
    login(client, people.coordinator.email)
    assert "Commune de Lannion" in client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert client.get(f"/campagnes/{campaign.id}/commandes/{order.id}").status_code == 200


def test_pooled_price_and_units_to_next_tier_from_listing_tiers(people, market, listing):
    campaign, offer = market
    add_listing_tiers(listing, (10, "280.00"), (25, "260.00"))
    with unit_of_work():
        order_services.place_order(campaign, {offer.id: 6}, by=people.buyer)
    with unit_of_work():
        order_services.place_order(campaign, {offer.id: 3}, by=people.other_buyer)
    (row,) = queries.offer_figures(campaign.id)
    assert (row.committed, row.ordered, row.remaining) == (10, 9, 1)
    assert row.unit_price == Decimal("300.00")
    assert (row.units_to_next_tier, row.next_tier_price) == (1, Decimal("280.00"))
    with unit_of_work():
        order_services.place_order(campaign, {offer.id: 4}, by=people.other_buyer)
    (row,) = queries.offer_figures(campaign.id)
    assert (row.ordered, row.unit_price) == (10, Decimal("280.00"))
    # The tier at 25 needs more than the 10 committed units: never offered as "next".
    assert (row.units_to_next_tier, row.next_tier_price) == (None, None)
    assert row.max_reachable_price == Decimal("280.00")
    assert row.unreachable_tiers == (Tier(25, Decimal("260.00")),)
    assert not row.oversubscribed
    with unit_of_work():
        order_services.place_order(campaign, {offer.id: 25}, by=people.other_buyer)
    (row,) = queries.offer_figures(campaign.id)
    # Only the 10 committed units can be allocated: the price stays that of 10 units.
    assert (row.ordered, row.unit_price, row.units_to_next_tier) == (31, Decimal("280.00"), None)
    assert row.oversubscribed and row.remaining == 0


def test_campaign_tiers_override_listing_tiers(people, make_campaign, listing, make_offer, client):
    add_listing_tiers(listing, (5, "250.00"))
    campaign = make_campaign()
    offer = make_offer(
        campaign, listing, 10, tiers=(Tier(4, Decimal("290.00")), Tier(8, Decimal("275.50")))
    )
    with unit_of_work():
        order_services.place_order(campaign, {offer.id: 5}, by=people.buyer)
    (row,) = queries.offer_figures(campaign.id)
    assert row.tiers_from_campaign
    assert (row.unit_price, row.units_to_next_tier, row.next_tier_price) == (
        Decimal("290.00"),
        3,
        Decimal("275.50"),
    )
    login(client, people.other_buyer.email)
    html = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert "encore 3 unité(s) pour 275,50\xa0€" in html
    assert "290,00\xa0€" in html


def test_offer_figures_runs_a_constant_number_of_queries(people, make_campaign, make_offer):
    campaign = make_campaign()

    def grow(n: int) -> None:
        for _ in range(n):
            item = factories.ListingFactory(refurbisher=people.refurbisher.organisation)
            db.session.commit()
            make_offer(campaign, item, 2, tiers=(Tier(2, Decimal("200")),))
        offers = queries.offer_figures(campaign.id)
        for index, buyer in enumerate([people.buyer, people.other_buyer]):
            with unit_of_work():
                order_services.place_order(
                    campaign, {o.offer_id: index + 1 for o in offers}, by=buyer
                )

    campaign_id = campaign.id
    grow(1)
    db.session.expire_all()
    with count_queries() as small:
        queries.offer_figures(campaign_id)
    grow(5)
    db.session.expire_all()
    with count_queries() as large:
        rows = queries.offer_figures(campaign_id)
    assert len(rows) == 6
    # The offers, their tiers, their pooled quantities.
    assert len(small) == len(large) == 3
