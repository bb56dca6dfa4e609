"""The campaign rush's own pieces: what wrk's script counted, the addresses it draws from,
the buyers' sessions, and the oversold check after the run."""

from __future__ import annotations

from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import select, update

from bench import catalog
from bench.consolidation import _confirm
from bench.rush import RushCounts, oversold_units, parse_rush_result
from bench.rush_data import _campaign, _orders, catalogue_urls, session_cookie
from bench.server import USER_AGENT
from nrhub.campaigns.models import Campaign, CampaignOffer, CampaignState
from nrhub.consolidation.models import Allocation
from nrhub.db import utcnow
from nrhub.extensions import db
from tests import factories

RESULT = """\
requests 1000
duration_us 20000000
p99_us 187500
socket_errors 0 0 0 2
status read 200 700
status write 200 150
status write 409 40
status read 302 3
detail 30 409 Stock de l'offre \\u00e9puis\\u00e9 : 2 unit\\u00e9s disponibles.
status read 200 100
status write 409 5
status write 422 2
detail 10 409 Trop d'op\\u00e9rations simultan\\u00e9es sur les m\\u00eames donn\\u00e9es.
detail 5 409 Stock de l'offre \\u00e9puis\\u00e9 : 2 unit\\u00e9s disponibles.
detail 2 422 Les donn\\u00e9es envoy\\u00e9es sont invalides.
"""


def test_rush_result_adds_up_the_threads_and_decodes_the_messages() -> None:
    counts = parse_rush_result(RESULT)

    assert counts.requests == 1000
    assert counts.requests_per_second == 50.0
    assert counts.p99_ms == 187.5
    assert counts.socket_errors == 2
    assert counts.statuses == Counter(
        {("read", 200): 800, ("write", 200): 150, ("write", 409): 45, ("read", 302): 3,
         ("write", 422): 2}
    )  # fmt: skip
    assert counts.details[(409, "Stock de l'offre épuisé : 2 unités disponibles.")] == 35


def test_rush_errors_are_all_but_200_and_the_expected_conflicts() -> None:
    counts = parse_rush_result(RESULT)

    # 409 because of the campaign's state: expected; the unit of work's own 409: errors.
    assert counts.conflicts() == 35
    assert counts.unexpected_conflicts() == 10
    # 3 redirects on reads, 2 refused order changes (422), 10 unexpected 409, 2 timeouts.
    assert counts.errors() == 17


def test_rush_error_on_a_read_409_too() -> None:
    counts = RushCounts(requests=10, duration_s=1.0)
    counts.statuses.update({("read", 200): 8, ("read", 409): 1, ("write", 500): 1})

    assert counts.errors() == 2
    assert counts.conflicts() == 0


def test_rush_result_refuses_an_empty_or_unknown_report() -> None:
    with pytest.raises(RuntimeError, match="no request"):
        parse_rush_result("requests 0\nduration_us 1\n")
    with pytest.raises(RuntimeError, match="unexpected result line"):
        parse_rush_result("Running 20s test @ http://127.0.0.1:1/\n")


def test_catalogue_urls_are_sixty_distinct_combinations_of_filters() -> None:
    urls = catalogue_urls(["laptop", "smartphone", "tablet"])

    assert len(urls) == len(set(urls)) == 60
    assert urls[: len(catalog.QUERIES)] == catalog.QUERIES
    assert all(url.startswith("/catalogue") for url in urls)
    assert urls == catalogue_urls(["laptop", "smartphone", "tablet"])  # the same every run


def test_bench_session_logs_the_buyer_in_as_the_login_form_does(app: Flask, client: object) -> None:
    user = factories.UserFactory(email="acheteuse@example.fr")
    db.session.commit()
    cookie = session_cookie(app, app.secret_key or "", user)

    client.set_cookie("session", cookie)  # type: ignore[attr-defined]
    response = client.get("/compte", headers={"User-Agent": USER_AGENT})  # type: ignore[attr-defined]

    assert response.status_code == 200
    assert "acheteuse@example.fr" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers  # a settled session: wrk keeps no cookie


def test_bench_session_signed_with_another_key_is_anonymous(app: Flask, client: object) -> None:
    user = factories.UserFactory()
    db.session.commit()
    client.set_cookie("session", session_cookie(app, "another-key", user))  # type: ignore[attr-defined]

    response = client.get("/compte", headers={"User-Agent": USER_AGENT})  # type: ignore[attr-defined]

    assert response.status_code == 302


def test_oversold_units_counts_allocations_beyond_the_commitment(app: Flask) -> None:
    for _ in range(4):
        factories.ListingFactory(quantity=100)
    buyers = [factories.BuyerFactory().id for _ in range(25)]
    coordinator = factories.UserFactory(organisation=factories.HubFactory())
    now = utcnow()
    campaign_id, offer_ids = _campaign(now)
    _orders(campaign_id, offer_ids, buyers, now, lines=3)
    db.session.execute(
        update(Campaign).where(Campaign.id == campaign_id).values(state=CampaignState.CLOSED)
    )
    db.session.commit()
    campaign = db.session.get(Campaign, campaign_id)
    assert campaign is not None

    _confirm(campaign, coordinator, notify=False)

    assert oversold_units(campaign_id) == 0
    # Demand went beyond the 40 units committed on the short offers, shared pro rata.
    short = offer_ids[1]
    committed = db.session.get(CampaignOffer, short).committed_quantity  # type: ignore[union-attr]
    allocations = (
        db.session.execute(select(Allocation).where(Allocation.offer_id == short)).scalars().all()
    )
    assert committed == 40
    assert sum(a.quantity for a in allocations) == 40
    assert sum(a.requested_quantity for a in allocations) > 40

    first = allocations[0]
    given, more = first.quantity, first.requested_quantity + 7
    db.session.execute(
        update(Allocation)
        .where(Allocation.id == first.id)
        .values(quantity=more, requested_quantity=more)
    )
    db.session.commit()

    assert oversold_units(campaign_id) == more - given
