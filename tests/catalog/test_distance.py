""" "Les plus proches": real distances between communes, from the shipped reference."""

from __future__ import annotations

import re

import pytest

from nrhub.catalog import browse
from nrhub.catalog.queries import RefurbisherPlace
from nrhub.organisations import communes
from nrhub.organisations.communes import Point
from tests import factories
from tests.catalog.conftest import make_listing
from tests.conftest import login

VITRE = Point(48.1228, -1.2098)


def test_the_reference_places_communes_by_postcode_and_name():
    assert communes.locate("35500", "Vitré", "35") == VITRE
    # Name spelt otherwise: the same commune.
    assert communes.locate("35500", "VITRE", "35") == VITRE
    # Several communes share 35500: a neighbour's name still finds its own place.
    assert communes.locate("35500", "Balazé", "35") != VITRE
    # An unknown name: a commune of the same postcode.
    assert communes.locate("35500", "Lieu-dit inconnu", "35") is not None
    # An unknown postcode: the department's centre, in Ille-et-Vilaine.
    centre = communes.locate("35999", "", "35")
    assert centre is not None and 47.6 < centre.latitude < 48.7
    assert -2.3 < centre.longitude < -1.0
    assert communes.locate("", "", "") is None


@pytest.mark.parametrize(
    ("postcode", "city", "km"),
    [("56000", "Vannes", 127), ("29200", "Brest", 244), ("35000", "Rennes", 35)],
)
def test_distances_from_vitre(postcode, city, km):
    there = communes.locate(postcode, city, postcode[:2])
    assert round(communes.distance_km(VITRE, there)) == km
    assert communes.distance_km(there, VITRE) == pytest.approx(communes.distance_km(VITRE, there))
    assert communes.distance_km(VITRE, VITRE) == 0


def test_distances_by_refurbisher_leave_unknown_places_out():
    places = [
        RefurbisherPlace(1, "56", "53", "56000", "Vannes"),
        RefurbisherPlace(2, "29", "53", "29200", "Brest"),
        RefurbisherPlace(3, "", "", "", ""),
    ]
    assert browse.distances(VITRE, places) == {1: 127, 2: 244}


def test_nearest_sort_orders_by_kilometres_and_shows_them(client):
    """For a buyer in Vitré, Vannes (127 km) comes before Brest (244 km), although Brest's
    department number is the same region's and sorted first before."""
    buyer = factories.UserFactory(
        email="vitre@example.fr",
        organisation=factories.BuyerFactory(
            postcode="35500", city="Vitré", department_code="35", region_code="53"
        ),
    )
    for city, postcode, model in (("Brest", "29200", "Brest"), ("Vannes", "56000", "Vannes")):
        refurbisher = factories.UserFactory(
            organisation=factories.RefurbisherFactory(
                city=city, postcode=postcode, department_code=postcode[:2], region_code="53"
            )
        )
        make_listing(refurbisher, brand="Atelier", model=model)
    login(client, buyer.email)
    html = client.get("/catalogue?tri=proximite").get_data(as_text=True)
    titles = re.findall(r'class="listing-title"><a href="/catalogue/\d+">([^<]+)</a>', html)
    assert titles == ["Atelier Vannes", "Atelier Brest"]
    distances = re.findall(r'class="listing-distance">à ([\d\u202f\xa0 ]+) km<', html)
    assert [d.replace("\u202f", "").replace("\xa0", "") for d in distances] == ["127", "244"]
    # Other sorts show no distance.
    assert "listing-distance" not in client.get("/catalogue?tri=prix").get_data(as_text=True)
