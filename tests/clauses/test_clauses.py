"""The clause library: seeded reference data, coordinator edits, reading rights."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from nrhub.audit.models import AuditEvent
from nrhub.clauses.models import Clause, ClauseForm, ClauseKind
from nrhub.clauses.reference import load_clauses
from nrhub.clauses.services import decp_considerations
from nrhub.extensions import db
from nrhub.organisations.models import OrgStatus
from nrhub.reference import read_data
from tests import factories
from tests.conftest import login


@pytest.fixture
def users(app):  # type: ignore[no-untyped-def]
    result = {
        "coordinator": factories.UserFactory(
            email="coord@example.fr", organisation=factories.HubFactory()
        ),
        "refurbisher": factories.UserFactory(
            email="recond@example.fr", organisation=factories.RefurbisherFactory()
        ),
        "buyer": factories.UserFactory(email="achat@example.fr"),
        "pending": factories.UserFactory(
            email="attente@example.fr",
            organisation=factories.BuyerFactory(status=OrgStatus.PENDING),
        ),
    }
    db.session.commit()
    return result


def _clauses() -> list[Clause]:
    return list(db.session.execute(db.select(Clause).order_by(Clause.id)).scalars())


def test_seeded_clauses_cover_the_issue_themes_with_sources(app):
    clauses = _clauses()
    assert len(clauses) == len(read_data("clauses.json")) == 13
    assert len({c.code for c in clauses}) == 13
    assert {c.theme for c in clauses} >= {
        "reuse",
        "repairability",
        "security_updates",
        "spare_parts",
        "maintenance",
        "data_wiping",
        "take_back",
        "leasing",
        "insertion",
        "reserved",
    }
    assert all(c.source and len(c.text) > 150 for c in clauses)
    by_code = {c.code: c for c in clauses}
    assert "décret n° 2024-134" in by_code["reemploi-part-minimale"].source
    assert by_code["reserve-siae"].decp_value == "Marché réservé"
    assert by_code["heures-insertion"].decp_value == "Clause sociale"
    assert by_code["critere-insertion"].decp_value == "Critère social"
    assert by_code["mises-a-jour-5-ans"].decp_value == "Clause environnementale"
    assert by_code["indice-reparabilite"].decp_value == "Critère environnemental"


def test_clause_loader_is_idempotent_and_keeps_coordinator_edits(app):
    clause = db.session.execute(
        db.select(Clause).where(Clause.code == "heures-insertion")
    ).scalar_one()
    clause.text = "Texte corrigé par la coordination."
    db.session.commit()
    load_clauses(db.session)
    db.session.commit()
    assert len(_clauses()) == 13
    db.session.refresh(clause)
    assert clause.text == "Texte corrigé par la coordination."


def test_decp_considerations_of_seeded_clauses(app):
    by_code = {c.code: c for c in _clauses()}
    assert decp_considerations(
        [by_code["heures-insertion"], by_code["reserve-ea-esat"], by_code["pieces-detachees"]]
    ) == ("Marché réservé", "Clause environnementale")
    assert decp_considerations([]) == (
        "Pas de considération sociale",
        "Pas de considération environnementale",
    )


VALID = {
    "title": "Emballages réemployables",
    "text": "Le titulaire livre les équipements dans des emballages réemployables et les reprend.",
    "kind": "environmental",
    "clause_form": "clause",
    "strength": "coercive",
    "theme": "reuse",
    "source": "Loi AGEC",
}


def test_coordinator_creates_a_clause_with_a_generated_code(client, users):
    login(client, "coord@example.fr")
    response = client.post("/clauses/nouvelle", data=VALID)
    assert response.status_code == 302
    clause = db.session.execute(
        db.select(Clause).where(Clause.title == "Emballages réemployables")
    ).scalar_one()
    assert clause.code == "emballages-reemployables"
    assert clause.kind == ClauseKind.ENVIRONMENTAL and clause.form == ClauseForm.CLAUSE
    assert response.headers["Location"].endswith(f"/clauses/{clause.id}")
    client.post("/clauses/nouvelle", data=VALID)
    codes = db.session.execute(
        db.select(Clause.code).where(Clause.title == "Emballages réemployables")
    ).scalars()
    assert sorted(codes) == ["emballages-reemployables", "emballages-reemployables-2"]


def test_create_clause_rejects_missing_title_next_to_the_field(client, users):
    login(client, "coord@example.fr")
    response = client.post("/clauses/nouvelle", data=VALID | {"title": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Indiquez un titre." in html
    assert 'aria-describedby="title-erreur"' in html
    assert len(_clauses()) == 13


def test_create_clause_rejects_unknown_kind(client, users):
    login(client, "coord@example.fr")
    response = client.post("/clauses/nouvelle", data=VALID | {"kind": "fiscal"})
    assert response.status_code == 422
    assert len(_clauses()) == 13


def test_coordinator_edits_a_clause(client, users):
    clause = _clauses()[0]
    login(client, "coord@example.fr")
    page = client.get(f"/clauses/{clause.id}/modifier")
    assert page.status_code == 200
    assert str(escape(clause.title)) in page.get_data(as_text=True)
    response = client.post(
        f"/clauses/{clause.id}/modifier",
        data=VALID | {"title": "Titre revu", "kind": "social", "clause_form": "reserved"},
    )
    assert response.status_code == 302
    db.session.refresh(clause)
    assert clause.title == "Titre revu"
    assert clause.decp_value == "Marché réservé"


def test_an_edit_started_before_another_one_is_refused_not_applied(app, client, users):
    clause = _clauses()[0]
    login(client, "coord@example.fr")
    page = client.get(f"/clauses/{clause.id}/modifier").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([^"]+)"', page).group(1)
    # A colleague saves the same clause meanwhile, from a form opened just now.
    colleague = app.test_client()
    login(colleague, "coord@example.fr")
    colleague_page = colleague.get(f"/clauses/{clause.id}/modifier").get_data(as_text=True)
    fresh = re.search(r'name="version" type="hidden" value="([^"]+)"', colleague_page).group(1)
    assert fresh == version
    saved = colleague.post(
        f"/clauses/{clause.id}/modifier",
        data=VALID | {"title": "Titre du collègue"} | {"version": fresh},
    )
    assert saved.status_code == 302

    late = client.post(
        f"/clauses/{clause.id}/modifier", data=VALID | {"title": "Mon titre", "version": version}
    )
    assert late.status_code == 409
    assert "vient d&#39;être modifiée par quelqu&#39;un d&#39;autre" in late.get_data(as_text=True)
    db.session.refresh(clause)
    assert clause.title == "Titre du collègue"
    updates = db.session.scalar(
        db.select(db.func.count(AuditEvent.id)).where(AuditEvent.action == "clause.updated")
    )
    assert updates == 1


def test_buyer_cannot_create_or_edit(client, users):
    clause = _clauses()[0]
    login(client, "achat@example.fr")
    assert client.post("/clauses/nouvelle", data=VALID).status_code == 403
    assert client.post(f"/clauses/{clause.id}/modifier", data=VALID).status_code == 403
    assert len(_clauses()) == 13
    db.session.refresh(clause)
    assert clause.title != VALID["title"]


def test_list_filters_by_kind_and_shows_decp_value(client, users):
    login(client, "achat@example.fr")
    html = client.get("/clauses/?nature=social").get_data(as_text=True)
    assert "Heures d&#39;insertion professionnelle" in html
    assert "Effacement certifié des données" not in html
    assert "Marché réservé" in html


ROUTES = [
    ("get", "/clauses/", {"coordinator": 200, "refurbisher": 200, "buyer": 200}),
    ("get", "/clauses/{id}", {"coordinator": 200, "refurbisher": 200, "buyer": 200}),
    ("get", "/clauses/nouvelle", {"coordinator": 200, "refurbisher": 403, "buyer": 403}),
    ("get", "/clauses/{id}/modifier", {"coordinator": 200, "refurbisher": 403, "buyer": 403}),
    ("post", "/clauses/nouvelle", {"coordinator": 302, "refurbisher": 403, "buyer": 403}),
]


@pytest.mark.parametrize("role", ["anonymous", "pending", "refurbisher", "buyer", "coordinator"])
@pytest.mark.parametrize(("method", "path", "expected"), ROUTES)
def test_clause_permission_matrix(client, users, role, method, path, expected):
    clause_id = _clauses()[0].id
    emails = {
        "pending": "attente@example.fr",
        "refurbisher": "recond@example.fr",
        "buyer": "achat@example.fr",
        "coordinator": "coord@example.fr",
    }
    if role in emails:
        login(client, emails[role])
    response = getattr(client, method)(path.format(id=clause_id), data=VALID)
    if role == "anonymous":
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    elif role == "pending":
        assert response.status_code == 302 and "/en-attente" in response.headers["Location"]
    else:
        assert response.status_code == expected[role]


@pytest.mark.parametrize("path", ["/clauses/999999", "/clauses/999999/modifier"])
def test_unknown_clause_is_404(client, users, path):
    login(client, "coord@example.fr")
    assert client.get(path).status_code == 404
