"""French search in the catalogue: accents and case do not count, each word is a prefix,
French stemming on PostgreSQL, the index follows every write, and a page still runs a
fixed number of statements."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from nrhub.catalog import search
from nrhub.catalog.models import Listing
from nrhub.extensions import db
from tests.catalog.conftest import make_listing
from tests.queries import count_queries


def _titles(client, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    html = client.get(f"/catalogue?q={query}").get_data(as_text=True)
    return sorted(re.findall(r'class="listing-title"><a href="/catalogue/\d+">([^<]+)</a>', html))


@pytest.fixture
def screens(people):  # type: ignore[no-untyped-def]
    make_listing(people.refurbisher, brand="Iiyama", model="ProLite", description="Écran 24 pouces")
    make_listing(
        people.refurbisher, brand="Dell", model="P2419H", description="écran mat, pied réglable"
    )
    make_listing(people.other_refurbisher, brand="Lenovo", model="ThinkPad T480", description="")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ecran", ["Dell P2419H", "Iiyama ProLite"]),
        ("écran", ["Dell P2419H", "Iiyama ProLite"]),
        ("ÉCRAN", ["Dell P2419H", "Iiyama ProLite"]),
        ("Ecran+reglable", ["Dell P2419H"]),
        ("think", ["Lenovo ThinkPad T480"]),  # a word's beginning
        ("LENOVO+t480", ["Lenovo ThinkPad T480"]),
        ("ecran+lenovo", []),  # every word must be found
        ("%25%25+'%22*", ["Dell P2419H", "Iiyama ProLite", "Lenovo ThinkPad T480"]),  # no word
        ("pied%22+OR+%22lenovo", []),  # quotes and operators are only text
    ],
)
def test_search_ignores_accents_and_case(client, screens, query, expected):
    assert _titles(client, query) == expected


def test_french_stemming_where_the_database_has_it(app, client, screens):
    plural = _titles(client, "écrans")
    if db.engine.dialect.name == "postgresql":
        assert plural == ["Dell P2419H", "Iiyama ProLite"]  # "écrans" finds "écran"
    else:
        assert plural == []  # SQLite ships no French stemmer


def test_the_index_follows_every_write(client, people, screens):
    listing = make_listing(people.refurbisher, brand="HP", model="EliteDisplay")
    assert _titles(client, "elitedisplay") == ["HP EliteDisplay"]
    # A bulk UPDATE (as imports and the API write) changes what is found.
    db.session.execute(update(Listing).where(Listing.id == listing.id).values(model="Z24n"))
    db.session.commit()
    assert _titles(client, "elitedisplay") == []
    assert _titles(client, "z24n") == ["HP Z24n"]
    db.session.delete(db.session.get(Listing, listing.id))
    db.session.commit()
    assert _titles(client, "z24n") == []


def test_a_search_adds_no_statement(client, screens):
    client.get("/catalogue")  # warm-up (reference data)
    with count_queries() as plain:
        client.get("/catalogue")
    with count_queries() as searched:
        client.get("/catalogue?q=écran+réglable")
    assert len(searched) == len(plain) <= 8


def test_words_are_letters_and_digits_at_most_eight():
    assert search.words("l'écran, 24\" (mat) -- pied*_x") == [
        "l",
        "écran",
        "24",
        "mat",
        "pied",
        "x",
    ]
    assert search.words(" ".join(f"w{n}" for n in range(12))) == [f"w{n}" for n in range(8)]
    assert search.matches(Listing.__table__, " %% ' ") is None
