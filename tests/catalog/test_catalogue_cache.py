"""The catalogue's short-lived cache: off in tests, and when on (a real SimpleCache), one
entry per language, query string and kind of viewer, with the page around it per request."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from nrhub import caching
from nrhub.catalog import browse
from nrhub.catalog.models import Listing, PriceTier
from nrhub.extensions import cache, db
from nrhub.organisations.communes import Point
from tests.catalog.conftest import make_listing
from tests.conftest import csrf_token_from, login
from tests.queries import count_queries, tables_read
from tests.stats.helpers import spend


def _titles(client, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    html = client.get(f"/catalogue{query}").get_data(as_text=True)
    return re.findall(r'class="listing-title"><a href="/catalogue/\d+">([^<]+)</a>', html)


@pytest.fixture
def cached_app(app: Flask) -> Flask:
    app.config.update(CACHE_TYPE="SimpleCache", CATALOGUE_CACHE_SECONDS=30)
    cache.init_app(app)
    yield app
    cache.clear()


def test_testing_config_turns_the_cache_off(app, client, people):
    assert app.config["CACHE_TYPE"] == "NullCache"
    make_listing(people.refurbisher, brand="Lenovo", model="T480")
    assert _titles(client) == ["Lenovo T480"]
    make_listing(people.refurbisher, brand="Dell", model="Latitude")
    assert sorted(_titles(client)) == ["Dell Latitude", "Lenovo T480"]


def _rename_behind_the_app(listing_id: int, model: str) -> None:
    """A write that bypasses the application's session, so the data generation stays: what
    the page then shows tells whether it came from the cache."""
    db.session.rollback()  # end the test session's transaction, which holds SQLite's lock
    with db.engine.begin() as connection:
        connection.execute(update(Listing).where(Listing.id == listing_id).values(model=model))


def test_results_are_kept_per_normalised_query_string(cached_app, client, people):
    listing = make_listing(people.refurbisher, brand="Lenovo", model="T480")
    assert _titles(client, "?tri=prix&q=") == ["Lenovo T480"]
    _rename_behind_the_app(listing.id, "T490")
    # Same query, parameters in another order, empty ones dropped: the kept copy.
    assert _titles(client, "?q=&tri=prix") == ["Lenovo T480"]
    assert _titles(client, "?tri=prix") == ["Lenovo T480"]
    # Another query string is another entry, read fresh.
    assert _titles(client, "?tri=recent") == ["Lenovo T490"]


def test_a_write_through_the_application_empties_the_kept_copies(cached_app, client, people):
    make_listing(people.refurbisher, brand="Lenovo", model="T480")
    assert _titles(client) == ["Lenovo T480"]
    make_listing(people.refurbisher, brand="Dell", model="Latitude")
    assert sorted(_titles(client)) == ["Dell Latitude", "Lenovo T480"]


def test_logging_in_does_not_empty_the_kept_copies(cached_app, client, people):
    listing = make_listing(people.refurbisher, brand="Lenovo", model="T480")
    assert _titles(client) == ["Lenovo T480"]
    _rename_behind_the_app(listing.id, "T490")
    login(cached_app.test_client(), people.buyer.email)  # writes the person's last login
    assert _titles(client) == ["Lenovo T480"]


def test_results_are_kept_per_language(cached_app, client, people):
    listing = make_listing(people.refurbisher, brand="Lenovo", model="T480")
    french = client.get("/catalogue").get_data(as_text=True)
    assert "Filtrer les offres" in french
    english_reader = cached_app.test_client()
    response = english_reader.post("/langue", data={"lang": "en", "next": "/catalogue"})
    assert response.status_code == 302
    _rename_behind_the_app(listing.id, "T490")
    english = english_reader.get("/catalogue").get_data(as_text=True)
    assert "Filter listings" in english
    assert "Filtrer les offres" not in english
    assert "Lenovo T490" in english  # its own entry, built after the change
    assert _titles(client) == ["Lenovo T480"]  # the French entry, unchanged


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_page_around_the_kept_block_is_rendered_per_request(cached_app, client, people):
    make_listing(people.refurbisher, brand="Lenovo", model="T480")
    first = client.get("/catalogue").get_data(as_text=True)
    other = cached_app.test_client().get("/catalogue").get_data(as_text=True)
    # One entry for both visitors, but each page has its own session's CSRF token.
    assert _titles(client) == ["Lenovo T480"]
    assert CSRF_RE.findall(first) != CSRF_RE.findall(other)
    assert 'value="proximite"' not in first
    member = cached_app.test_client()
    login(member, people.buyer.email)
    html = member.get("/catalogue").get_data(as_text=True)
    assert "Se déconnecter" in html
    # A member is offered the "nearest" sort: not the anonymous visitors' entry.
    assert 'value="proximite"' in html
    again = client.get("/catalogue").get_data(as_text=True)
    assert "Se déconnecter" not in again
    assert 'value="proximite"' not in again


def test_a_visitors_kept_page_carries_a_working_token(cached_app, client, people):
    make_listing(people.refurbisher, brand="Lenovo", model="T480")
    client.get("/catalogue")
    html = client.get("/catalogue").get_data(as_text=True)  # the kept page
    (token,) = set(CSRF_RE.findall(html))
    assert "\x00" not in html
    cached_app.config["WTF_CSRF_ENABLED"] = True
    switch = {"lang": "en", "next": "/catalogue"}
    assert client.post("/langue", data=switch).status_code == 400
    assert client.post("/langue", data=switch | {"csrf_token": token}).status_code == 302


def test_kept_pages_follow_the_kind_of_visitor(cached_app, people):
    make_listing(people.refurbisher, brand="Lenovo", model="T480")
    pages = {}
    for who in (people.buyer, people.refurbisher, people.other_refurbisher):
        client = cached_app.test_client()
        login(client, who.email)
        client.get("/catalogue")
        pages[who.email] = client.get("/catalogue").get_data(as_text=True)  # kept
        (token,) = set(CSRF_RE.findall(pages[who.email]))
        assert token == csrf_token_from(client.get("/compte").get_data(as_text=True))
    nav = re.compile(r'<li><a href="([^"]+)"')
    buyer, refurbisher, other = (nav.findall(html) for html in pages.values())
    assert refurbisher == other and buyer != refurbisher


def test_nearest_sort_is_kept_per_viewer_location(cached_app, people):
    near = Point(48.1228, -1.2098)  # Vitré
    args = {"tri": "proximite"}
    key = browse.block_key("fr", True, near, MultiDict(args))
    assert key != browse.block_key("fr", True, Point(48.3903, -4.4863), MultiDict(args))
    assert key != browse.block_key("en", True, near, MultiDict(args))
    assert key != browse.block_key("fr", False, near, MultiDict(args))
    # Without that sort, members of every place share one entry.
    plain = MultiDict({"tri": "prix"})
    assert browse.block_key("fr", True, near, plain) == browse.block_key(
        "fr", True, Point(48.3903, -4.4863), plain
    )


def test_zero_seconds_keeps_nothing(cached_app, client, people):
    cached_app.config["CATALOGUE_CACHE_SECONDS"] = 0
    make_listing(people.refurbisher, brand="Lenovo", model="T480")
    assert _titles(client) == ["Lenovo T480"]
    make_listing(people.refurbisher, brand="Dell", model="Latitude")
    assert len(_titles(client)) == 2


def test_the_catalogue_area_lists_every_table_its_pages_read(cached_app, people):
    make_listing(people.refurbisher, brand="Lenovo", model="T480")
    member = cached_app.test_client()
    login(member, people.buyer.email)
    with tables_read() as tables:
        for query in (
            "",
            "?q=lenovo&tri=proximite&categorie=laptop",
            "?region=53&insertion=toutes",
        ):
            cache.clear()
            assert member.get(f"/catalogue{query}").status_code == 200
    shown = tables - caching.UNCACHED_TABLES - caching.SESSION_TABLES
    assert "listing" in shown
    assert shown <= caching.AREA_TABLES[caching.Area.CATALOGUE]


def test_a_write_elsewhere_keeps_the_catalogue_copies(cached_app, client, people):
    listing = make_listing(people.refurbisher, brand="Lenovo", model="T480")
    assert _titles(client) == ["Lenovo T480"]
    _rename_behind_the_app(listing.id, "T490")
    # A ledger line (what an order or a delivery writes) moves the indicators' generation
    # only: the catalogue's copy stays.
    stats_before = _generation(caching.Area.STATS)
    spend(people.buyer.organisation, dt.date(2025, 5, 1), "1.00")
    assert _generation(caching.Area.STATS) == stats_before + 1
    assert _titles(client) == ["Lenovo T480"]
    # A write to what the catalogue shows (here a price tier) empties it.
    db.session.add(PriceTier(listing_id=listing.id, min_quantity=10, unit_price=Decimal("5")))
    db.session.commit()
    assert _titles(client) == ["Lenovo T490"]


def _generation(area: caching.Area) -> int:
    db.session.rollback()
    with db.engine.connect() as connection:
        value = connection.execute(
            select(caching.CacheGeneration.value).where(caching.CacheGeneration.id == area)
        ).scalar()
    return int(value or 0)


@pytest.mark.parametrize(
    ("tables", "areas"),
    [
        ({"listing"}, {caching.Area.CATALOGUE, caching.Area.CAMPAIGNS}),
        ({"campaign_offer"}, {caching.Area.CAMPAIGNS}),
        (
            {"organisation"},
            {
                caching.Area.CATALOGUE,
                caching.Area.STATS,
                caching.Area.CAMPAIGNS,
                caching.Area.ACCOUNTS,
            },
        ),
        ({"spend_entry", "audit_event"}, {caching.Area.STATS}),
        ({"purchase_request", "purchase_request_line"}, set()),
        # A login writes its person: the people kept for their sessions are read again.
        ({"user_account", "login_throttle"}, {caching.Area.ACCOUNTS}),
        ({"login_throttle", "outbox_mail"}, set()),
        ({caching.ANY_TABLE}, set(caching.Area)),
    ],
)
def test_each_write_moves_the_generation_of_the_areas_that_show_it(tables, areas):
    assert caching.areas_of(tables) == areas


def test_a_page_served_from_the_cache_reads_the_generations_only(cached_app, client, people):
    make_listing(people.refurbisher, brand="Lenovo", model="T480")
    assert _titles(client) == ["Lenovo T480"]  # kept
    db.session.rollback()  # the test's own transaction, if any, is over
    with count_queries() as statements:
        assert _titles(client) == ["Lenovo T480"]
    # One statement, outside any transaction on PostgreSQL (no BEGIN nor COMMIT round trip:
    # tests/unit/test_read_until_first_write.py).
    assert [" ".join(s.split())[:40] for s in statements] == [
        "SELECT cache_generation.id, cache_genera"
    ]
