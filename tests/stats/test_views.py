from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from flask import g
from frictionless import Resource, Schema

from nrhub.extensions import db
from nrhub.ledger.models import SpendOrigin
from nrhub.organisations.models import OrgStatus
from nrhub.transactions import unit_of_work
from tests import factories
from tests.conftest import login
from tests.queries import count_queries
from tests.stats.helpers import spend

DATA = Path(__file__).resolve().parent.parent / "data"


def _validate(directory: Path, name: str):  # type: ignore[no-untyped-def]
    """Frictionless validation of a CSV against tests/data/schema.json."""
    schema = Schema.from_descriptor(json.loads((DATA / "schema.json").read_text("utf-8")))
    return Resource(path=name, basepath=str(directory), schema=schema).validate()


@pytest.fixture
def people(app):  # type: ignore[no-untyped-def]
    refurbisher = factories.RefurbisherFactory()
    people = {
        "buyer": factories.UserFactory(email="buyer@example.fr"),
        "other_buyer": factories.UserFactory(email="other@example.fr"),
        "coordinator": factories.UserFactory(
            email="coord@example.fr", organisation=factories.HubFactory()
        ),
        "refurbisher": factories.UserFactory(email="ref@example.fr", organisation=refurbisher),
        "other_refurbisher": factories.UserFactory(
            email="ref2@example.fr", organisation=factories.RefurbisherFactory()
        ),
        "pending": factories.UserFactory(
            email="pending@example.fr",
            organisation=factories.BuyerFactory(status=OrgStatus.PENDING),
        ),
    }
    spend(people["buyer"].organisation, dt.date(2025, 3, 1), "800.00")
    spend(people["buyer"].organisation, dt.date(2025, 4, 1), "200.00", reuse=True,
          origin=SpendOrigin.HUB, supplier=refurbisher)  # fmt: skip
    spend(people["other_buyer"].organisation, dt.date(2025, 4, 1), "1234.56")
    db.session.commit()
    return people


ROUTES = [
    # url, expected status per role (anonymous, pending, refurbisher, buyer, coordinator)
    ("/indicateurs?annee=2025", (302, 302, 200, 200, 200)),
    ("/indicateurs/graphiques/categories.svg?annee=2025", (302, 302, 404, 200, 200)),
    ("/indicateurs/graphiques/mensuel.svg?annee=2025", (302, 302, 404, 200, 404)),
    ("/indicateurs/graphiques/departements.svg?annee=2025", (302, 302, 404, 404, 200)),
    ("/indicateurs/graphiques/ventes.svg", (302, 302, 200, 404, 404)),
    ("/indicateurs/export/indicateurs.csv?annee=2025", (302, 302, 404, 200, 200)),
    ("/indicateurs/export/categories.csv?annee=2025", (302, 302, 404, 200, 200)),
    ("/indicateurs/export/mensuel.csv?annee=2025", (302, 302, 404, 200, 404)),
    ("/indicateurs/export/departements.csv?annee=2025", (302, 302, 404, 404, 200)),
    ("/indicateurs/export/membres.csv?annee=2025", (302, 302, 404, 404, 200)),
    ("/indicateurs/export/ventes.csv", (302, 302, 200, 404, 404)),
    ("/indicateurs/declaration/2025.csv", (302, 302, 403, 200, 200)),
    ("/indicateurs/rapport/2025", (302, 302, 403, 200, 200)),
    ("/indicateurs/territoires", (200, 200, 200, 200, 200)),
]
ROLES = ("anonymous", "pending", "refurbisher", "buyer", "coordinator")


@pytest.mark.parametrize(("url", "expected"), ROUTES)
@pytest.mark.parametrize("role", ROLES)
def test_stats_permission_matrix(client, people, url, expected, role):
    if role != "anonymous":
        login(client, people[role].email)
    response = client.get(url)
    assert response.status_code == expected[ROLES.index(role)]


@pytest.mark.parametrize(
    "path",
    [
        "/indicateurs",
        "/indicateurs/graphiques/categories.svg",
        "/indicateurs/export/indicateurs.csv",
        "/indicateurs/declaration/2025.csv",
        "/indicateurs/rapport/2025",
    ],
)
def test_buyer_cannot_see_another_organisation_figures(client, people, path):
    login(client, people["buyer"].email)
    other = people["other_buyer"].organisation_id
    sep = "&" if "?" in path else "?"
    assert client.get(f"{path}{sep}annee=2025&organisation={other}").status_code == 404


def test_refurbisher_cannot_name_another_organisation(client, people):
    login(client, people["refurbisher"].email)
    other = people["other_refurbisher"].organisation_id
    assert client.get(f"/indicateurs?organisation={other}").status_code == 404


def test_refurbisher_sees_only_its_own_sales(client, people):
    login(client, people["other_refurbisher"].email)
    html = client.get("/indicateurs").get_data(as_text=True)
    assert "pas de données" in html
    login(client, people["refurbisher"].email)
    csv_text = client.get("/indicateurs/export/ventes.csv").get_data(as_text=True)
    assert "200,00" in csv_text
    assert "1234" not in csv_text


def test_buyer_dashboard_shows_gauge_sentence_and_method(client, people):
    login(client, people["buyer"].email)
    html = client.get("/indicateurs?annee=2025").get_data(as_text=True)
    assert "Objectif atteint" in html  # 200 / 1 000 = 20 %
    assert "20,0 %" in html
    assert "Méthode" in html
    assert "ADEME" in html
    assert "<script" not in html
    assert "1\xa0000,00\xa0€" in html


def test_year_without_spend_shows_no_data(client, people):
    login(client, people["buyer"].email)
    html = client.get("/indicateurs?annee=2023").get_data(as_text=True)
    assert "pas de données" in html


def test_coordinator_can_open_a_member_dashboard_and_sort_members(client, people):
    login(client, people["coordinator"].email)
    other = people["other_buyer"].organisation_id
    html = client.get(f"/indicateurs?annee=2025&organisation={other}").get_data(as_text=True)
    assert "1\xa0234,56\xa0€" in html
    html = client.get("/indicateurs?annee=2025&tri=-depense").get_data(as_text=True)
    assert html.index(people["other_buyer"].organisation.name) < html.index(
        people["buyer"].organisation.name
    )
    assert 'aria-sort="descending"' in html


def test_chart_svg_has_no_script_and_its_own_csp(client, people):
    login(client, people["buyer"].email)
    response = client.get("/indicateurs/graphiques/categories.svg?annee=2025")
    assert response.mimetype == "image/svg+xml"
    assert b"<script" not in response.data
    assert "script-src" not in response.headers["Content-Security-Policy"]


def test_csv_export_is_french_spreadsheet_friendly(client, people):
    login(client, people["buyer"].email)
    data = client.get("/indicateurs/export/categories.csv?annee=2025").data
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("categorie;quantite;depense_ht")
    assert "Ordinateur portable;2;1000,00;200,00;0,00;800,00" in text


def test_declaration_file_is_valid_against_the_national_schema(client, people, tmp_path):
    schema_path = DATA / "schema.json"
    enum = json.loads(schema_path.read_text())["fields"][3]["constraints"]["enum"]
    assert "Matériel informatique et téléphonie" in enum
    assert _validate(DATA, "exemple-valide.csv").valid
    login(client, people["coordinator"].email)
    response = client.get("/indicateurs/declaration/2025.csv")
    text = response.get_data(as_text=True)
    lines = text.strip().splitlines()
    assert lines[0] == (
        "annee,siret,raison_sociale,type_produit_acquis,montant_total,"
        "montant_reemploi_et_reutilisation,montant_produits_issus_don,"
        "montant_produits_recycles,commentaires"
    )
    assert len(lines) == 3  # two members with spend in 2025
    buyer = people["buyer"].organisation
    assert (
        f"2025,{buyer.siret},{buyer.name},Matériel informatique et téléphonie,"
        "1000.00,200.00,0.00,0.00," in lines
    )
    path = tmp_path / "declaration.csv"
    path.write_text(text, encoding="utf-8")
    report = _validate(tmp_path, "declaration.csv")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_buyer_declaration_has_only_its_rows(client, people):
    login(client, people["buyer"].email)
    lines = client.get("/indicateurs/declaration/2025.csv").get_data(as_text=True).splitlines()
    assert len(lines) == 2
    assert people["buyer"].organisation.siret in lines[1]


def test_report_page_is_printable(client, people):
    login(client, people["buyer"].email)
    html = client.get("/indicateurs/rapport/2025").get_data(as_text=True)
    assert "css/stats.css" in html
    assert "rapport 2025" in html


def test_department_figures_are_public_only_if_the_hub_chooses(app, client, people):
    app.config["PUBLIC_DEPARTMENT_STATS"] = True
    html = client.get("/indicateurs/territoires?annee=2025").get_data(as_text=True)
    # Two buyers only: no group of at least 3 buyers, their figures are not shown.
    assert "2\xa0234,56\xa0€" not in html
    assert "au moins 3 acheteurs" in html
    third = factories.BuyerFactory()
    db.session.commit()
    spend(third, dt.date(2025, 5, 1), "100.00")
    html = client.get("/indicateurs/territoires?annee=2025").get_data(as_text=True)
    assert "2\xa0334,56\xa0€" in html
    app.config["PUBLIC_DEPARTMENT_STATS"] = False
    assert client.get("/indicateurs/territoires").status_code == 404


def _statements(client, url: str) -> int:  # type: ignore[no-untyped-def]
    # The test app context outlives requests: forget the cached person so that every
    # measured request loads it the same way.
    g.pop("_login_user", None)
    db.session.expire_all()
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_dashboard_statement_count_does_not_grow_with_members(app, client, people):
    login(client, people["coordinator"].email)
    hub_one = _statements(client, "/indicateurs?annee=2025")
    buyer_url = f"/indicateurs?annee=2025&organisation={people['buyer'].organisation_id}"
    buyer_one = _statements(client, buyer_url)
    with unit_of_work():  # the summaries are refreshed once, at its commit
        for n in range(50):
            member = factories.BuyerFactory()
            spend(member, dt.date(2025, 1 + n % 12, 1), f"{n + 1}.00", commit=False,
                  reuse=n % 2 == 0)  # fmt: skip
            spend(people["buyer"].organisation, dt.date(2025, 1 + n % 12, 2), "1.00",
                  commit=False)  # fmt: skip
    assert _statements(client, "/indicateurs?annee=2025") == hub_one
    assert _statements(client, buyer_url) == buyer_one
