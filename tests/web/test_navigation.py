"""The main navigation: entries per kind of visitor, the current page, the language.

The entries are resolved once per kind of visitor and kept (nrhub/navigation.py): these
tests ask several kinds in turn on one application, so a copy kept for the wrong kind shows.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.web.people import make_people
from tests.web.test_pages import english_catalog  # noqa: F401  (fixture)

LINK = re.compile(r'<li><a href="([^"]+)"( aria-current="page")?>([^<]+)</a></li>')


def nav(html: str) -> list[tuple[str, str]]:
    header = html.split('<header class="site container">', 1)[1].split("</header>", 1)[0]
    return [(href, label) for href, _current, label in LINK.findall(header)]


def current(html: str) -> list[str]:
    header = html.split("</header>", 1)[0]
    return [href for href, marked, _label in LINK.findall(header) if marked]


COORDINATOR = [
    ("/catalogue", "Catalogue"),
    ("/coordination/organisations", "Organisations"),
    ("/campagnes/", "Campagnes"),
    ("/clauses/", "Clausier"),
    ("/dons", "Dons"),
    ("/coordination/reparations", "Réparations"),
    ("/indicateurs", "Indicateurs"),
    ("/coordination/objectifs", "Objectifs"),
    ("/coordination/journal", "Journal"),
    ("/organisation/membres", "Mon organisation"),
    ("/compte", "Mon compte"),
]
BUYER = [
    ("/catalogue", "Catalogue"),
    ("/campagnes/", "Campagnes"),
    ("/livraisons", "Livraisons"),
    ("/acheteur/reparations", "Réparations"),
    ("/acheteur/depenses", "Dépenses"),
    ("/dons", "Dons"),
    ("/indicateurs", "Indicateurs"),
    ("/organisation/membres", "Mon organisation"),
    ("/compte", "Mon compte"),
]
ANONYMOUS = [
    ("/catalogue", "Catalogue"),
    ("/connexion", "Se connecter"),
    ("/inscription", "Inscrire mon organisation"),
]


def test_each_kind_of_visitor_gets_its_own_entries(app, client):
    make_people()
    assert nav(client.get("/").get_data(as_text=True)) == ANONYMOUS
    login(client, "coord@example.fr")
    assert nav(client.get("/").get_data(as_text=True)) == COORDINATOR
    client.post("/deconnexion")
    login(client, "achat@example.fr")
    assert nav(client.get("/").get_data(as_text=True)) == BUYER
    client.post("/deconnexion")
    # A colleague who does not administer the organisation has no "Mon organisation".
    login(client, "collegue@example.fr")
    assert nav(client.get("/").get_data(as_text=True)) == [
        entry for entry in BUYER if entry[1] != "Mon organisation"
    ]
    client.post("/deconnexion")
    login(client, "reco@example.fr")
    labels = [label for _href, label in nav(client.get("/").get_data(as_text=True))]
    assert labels == [
        "Catalogue",
        "Mes offres",
        "Campagnes",
        "Bons de commande",
        "Livraisons",
        "Lots de réemploi",
        "Réparations",
        "Mes ventes",
        "Mon organisation",
        "Mon compte",
    ]
    client.post("/deconnexion")
    # An organisation still waiting for validation reaches only the public catalogue.
    login(client, "attente@example.fr")
    html = client.get("/en-attente").get_data(as_text=True)
    assert nav(html) == [("/catalogue", "Catalogue")]
    assert "Se déconnecter" in html


def test_the_current_page_is_marked_and_only_it(app, client):
    make_people()
    login(client, "achat@example.fr")
    assert current(client.get("/campagnes/").get_data(as_text=True)) == ["/campagnes/"]
    assert current(client.get("/livraisons").get_data(as_text=True)) == ["/livraisons"]
    assert current(client.get("/").get_data(as_text=True)) == []


@pytest.mark.usefixtures("english_catalog")
def test_entries_follow_the_language_of_each_request(app, client):
    make_people()
    login(client, "achat@example.fr")
    client.post("/langue", data={"lang": "en", "next": "/"})
    english = [label for _href, label in nav(client.get("/").get_data(as_text=True))]
    assert "Deliveries" in english and "Livraisons" not in english
    client.post("/langue", data={"lang": "fr", "next": "/"})
    assert nav(client.get("/").get_data(as_text=True)) == BUYER
