"""Public browsing: filters, sorts, pagination, prices, listing and refurbisher pages."""

from decimal import Decimal

import pytest

from nrhub.catalog.models import Grade, ListingStatus
from nrhub.extensions import db
from nrhub.organisations.models import OrgStatus
from tests import factories
from tests.catalog.conftest import draft, make_listing
from tests.conftest import login
from tests.queries import count_queries


def _titles(client, query: str = "") -> list[str]:
    import re

    html = client.get(f"/catalogue{query}").get_data(as_text=True)
    return re.findall(r'class="listing-title"><a href="/catalogue/\d+">([^<]+)</a>', html)


@pytest.fixture
def shelf(people):
    make_listing(
        people.refurbisher,
        brand="Lenovo",
        model="ThinkPad T480",
        unit_price=Decimal("279.00"),
        grade=Grade.A,
        warranty_months=24,
        os_update_years=5,
        repairability_index=Decimal("7.2"),
    )
    make_listing(
        people.refurbisher,
        brand="Apple",
        model="iPhone 12",
        category=factories.category("smartphone"),
        unit_price=Decimal("319.00"),
        grade=Grade.B,
        quantity=0,
        description="Batterie neuve",
    )
    make_listing(
        people.other_refurbisher,
        brand="Dell",
        model="Latitude 5400",
        unit_price=Decimal("299.00"),
        grade=Grade.A,
        warranty_months=12,
        os_update_years=3,
        repairability_index=Decimal("8.5"),
    )
    draft(people.refurbisher, brand="Caché", model="Brouillon")
    make_listing(people.refurbisher, brand="Caché", model="Archivée", status=ListingStatus.ARCHIVED)


def test_catalogue_lists_published_listings_only(client, shelf):
    assert sorted(_titles(client)) == [
        "Apple iPhone 12",
        "Dell Latitude 5400",
        "Lenovo ThinkPad T480",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?categorie=smartphone", ["Apple iPhone 12"]),
        ("?grade=B", ["Apple iPhone 12"]),
        ("?prix_min=280&prix_max=300", ["Dell Latitude 5400"]),
        ("?prix_max=299,00", ["Dell Latitude 5400", "Lenovo ThinkPad T480"]),
        ("?departement=29", ["Dell Latitude 5400"]),
        ("?region=53&tri=prix", ["Lenovo ThinkPad T480", "Dell Latitude 5400", "Apple iPhone 12"]),
        ("?forme=scop", ["Dell Latitude 5400"]),
        ("?insertion=toutes&tri=prix", ["Lenovo ThinkPad T480", "Apple iPhone 12"]),
        ("?insertion=aci&en_stock=y", ["Lenovo ThinkPad T480"]),
        ("?garantie_min=24", ["Lenovo ThinkPad T480"]),
        ("?maj_min=4", ["Lenovo ThinkPad T480"]),
        ("?reparabilite_min=8", ["Dell Latitude 5400"]),
        ("?en_stock=y&tri=prix", ["Lenovo ThinkPad T480", "Dell Latitude 5400"]),
        ("?q=batterie", ["Apple iPhone 12"]),
        ("?q=thinkpad+lenovo", ["Lenovo ThinkPad T480"]),
        ("?q=100%25", []),
        ("?tri=prix", ["Lenovo ThinkPad T480", "Dell Latitude 5400", "Apple iPhone 12"]),
        (
            "?tri=prix-decroissant",
            ["Apple iPhone 12", "Dell Latitude 5400", "Lenovo ThinkPad T480"],
        ),
    ],
)
def test_catalogue_filters_and_sorts(client, shelf, query, expected):
    assert _titles(client, query) == expected


def test_bad_filter_values_are_ignored_with_french_message(client, shelf):
    response = client.get("/catalogue?prix_min=abc&grade=Z&page=zz")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Nombre positif attendu : ce filtre est ignoré." in html
    assert "Choix inconnu : ce filtre est ignoré." in html
    assert len(_titles(client, "?prix_min=abc")) == 3


def test_nearest_sort_puts_same_department_first(client, people, shelf):
    login(client, people.buyer.email)  # buyer in department 29
    titles = _titles(client, "?tri=proximite")
    assert titles[0] == "Dell Latitude 5400"


def test_pagination_splits_pages(client, people):
    for n in range(30):
        make_listing(people.refurbisher, model=f"Modèle {n:02d}", unit_price=Decimal(100 + n))
    first = _titles(client, "?tri=prix")
    second = _titles(client, "?tri=prix&page=2")
    assert len(first) == 24
    assert second == [f"Lenovo Modèle {n:02d}" for n in range(24, 30)]
    html = client.get("/catalogue?tri=prix").get_data(as_text=True)
    assert "page=2" in html
    assert "30 offres" in html


def test_prices_hidden_from_anonymous_when_hub_so_configures(app, client, people, shelf):
    app.config["CATALOGUE_PRICES_PUBLIC"] = False
    html = client.get("/catalogue?tri=prix").get_data(as_text=True)
    assert "279,00\xa0€" not in html
    assert "Prix réservés aux membres de la centrale." in html
    assert 'name="prix_min"' not in html
    listing_id = _first_id(client)
    assert "€" not in client.get(f"/catalogue/{listing_id}").get_data(as_text=True)
    login(client, people.buyer.email)
    assert "279,00\xa0€" in client.get("/catalogue").get_data(as_text=True)


def _first_id(client) -> int:
    import re

    html = client.get("/catalogue").get_data(as_text=True)
    return int(re.search(r'href="/catalogue/(\d+)"', html).group(1))


def test_listing_page_shows_sustainability_badges_and_profile(client, people):
    listing = make_listing(
        people.refurbisher,
        os_update_years=5,
        repairability_index=Decimal("8.2"),
        spare_parts_years=7,
        refurbished_in_france=True,
        tiers=[(10, "240.00"), (50, "225.00")],
    )
    import html as html_module

    html = html_module.unescape(client.get(f"/catalogue/{listing.id}").get_data(as_text=True))
    for badge in (
        "Mises à jour de sécurité garanties 5 ans",
        "Indice de réparabilité 8,2/10",
        "Pièces détachées 7 ans",
        "Reconditionné en France",
        "Structure d'insertion",
        "Ordi'Breizh",
        "225,00\xa0€",
        "Atelier et chantier d'insertion (ACI)",
    ):
        assert badge in html, badge


def test_html_in_description_is_shown_escaped(client, people):
    listing = make_listing(people.refurbisher, description="<script>alert('x')</script><b>gras</b>")
    html = client.get(f"/catalogue/{listing.id}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;b&gt;gras&lt;/b&gt;" in html


def test_draft_listing_is_404_for_others_and_visible_to_owner(client, people):
    listing = draft(people.refurbisher)
    assert client.get(f"/catalogue/{listing.id}").status_code == 404
    login(client, people.buyer.email)
    assert client.get(f"/catalogue/{listing.id}").status_code == 404
    client.post("/deconnexion")
    login(client, people.colleague.email)
    assert "vous seul la voyez" in client.get(f"/catalogue/{listing.id}").get_data(as_text=True)


def test_listings_of_suspended_refurbisher_are_hidden(client, people, shelf):
    people.other_refurbisher.organisation.status = OrgStatus.SUSPENDED
    db.session.commit()
    assert "Dell Latitude 5400" not in _titles(client)
    other_id = people.other_refurbisher.organisation_id
    assert client.get(f"/reconditionneurs/{other_id}").status_code == 404


def test_refurbisher_profile_lists_its_published_listings(client, people, shelf):
    html = client.get(f"/reconditionneurs/{people.refurbisher.organisation_id}").get_data(
        as_text=True
    )
    assert "Lenovo ThinkPad T480" in html
    assert "Apple iPhone 12" in html
    assert "Brouillon" not in html
    assert "Dell Latitude" not in html
    assert client.get(f"/reconditionneurs/{people.buyer.organisation_id}").status_code == 404


def _page_queries(client, url: str) -> int:
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("logged_in", [False, True])
def test_query_count_is_the_same_with_5_and_200_listings(client, people, logged_in):
    from tests.catalog.conftest import image_bytes  # noqa: F401

    refurbishers = [people.refurbisher, people.other_refurbisher]
    for n in range(5):
        make_listing(refurbishers[n % 2], tiers=[(10, "240.00")])
    if logged_in:
        login(client, people.buyer.email)
    url = "/catalogue?tri=proximite&en_stock=y" if logged_in else "/catalogue?categorie=laptop"
    small = _page_queries(client, url)
    detail_small = _page_queries(client, "/catalogue/1")
    for n in range(195):
        make_listing(refurbishers[n % 2], tiers=[(10, "240.00"), (20, "230.00")])
    assert _page_queries(client, url) == small
    assert _page_queries(client, "/catalogue/1") == detail_small
    assert small <= 8
