from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from nrhub.extensions import db
from nrhub.ledger.models import LegalTarget, SpendEntry, SpendOrigin
from nrhub.organisations.models import OrgStatus
from tests import factories
from tests.conftest import login
from tests.stats.helpers import spend

ROLES = ("anonymous", "pending", "refurbisher", "buyer", "coordinator")


@pytest.fixture
def people(app):  # type: ignore[no-untyped-def]
    people = {
        "buyer": factories.UserFactory(email="buyer@example.fr"),
        "other_buyer": factories.UserFactory(email="other@example.fr"),
        "coordinator": factories.UserFactory(
            email="coord@example.fr", organisation=factories.HubFactory()
        ),
        "refurbisher": factories.UserFactory(
            email="ref@example.fr", organisation=factories.RefurbisherFactory()
        ),
        "pending": factories.UserFactory(
            email="pending@example.fr",
            organisation=factories.BuyerFactory(status=OrgStatus.PENDING),
        ),
    }
    db.session.commit()
    return people


def _entries() -> int:
    return db.session.execute(select(func.count()).select_from(SpendEntry)).scalar_one()


ROUTES = [
    # method, url, expected per role (anonymous, pending, refurbisher, buyer, coordinator)
    ("get", "/acheteur/depenses", (302, 302, 403, 200, 403)),
    ("get", "/acheteur/depenses.csv", (302, 302, 403, 200, 403)),
    ("get", "/acheteur/depenses/nouvelle", (302, 302, 403, 200, 403)),
    ("get", "/acheteur/depenses/{own}/modifier", (302, 302, 403, 200, 403)),
    ("post", "/acheteur/depenses/{own}/supprimer", (302, 302, 403, 302, 403)),
    ("get", "/acheteur/depenses/import", (302, 302, 403, 200, 403)),
    ("post", "/acheteur/depenses/import/appliquer", (302, 302, 403, 400, 403)),
    ("get", "/acheteur/depenses/modele.csv", (302, 302, 403, 200, 403)),
    ("get", "/coordination/objectifs", (302, 302, 403, 403, 200)),
    ("get", "/coordination/objectifs/nouveau", (302, 302, 403, 403, 200)),
    ("get", "/coordination/objectifs/{target}/modifier", (302, 302, 403, 403, 200)),
    ("post", "/coordination/objectifs/{target}/supprimer", (302, 302, 403, 403, 302)),
]


@pytest.mark.parametrize(("method", "url", "expected"), ROUTES)
@pytest.mark.parametrize("role", ROLES)
def test_ledger_permission_matrix(client, people, method, url, expected, role):
    own = spend(people["buyer"].organisation, dt.date(2025, 1, 5), "10.00")
    target = db.session.execute(select(LegalTarget.id)).scalars().first()
    if role != "anonymous":
        login(client, people[role].email)
    response = getattr(client, method)(url.format(own=own.id, target=target))
    assert response.status_code == expected[ROLES.index(role)]


@pytest.mark.parametrize("action", ["modifier", "supprimer"])
def test_another_buyers_row_is_not_found(client, people, action):
    other = spend(people["other_buyer"].organisation, dt.date(2025, 1, 5), "10.00")
    login(client, people["buyer"].email)
    url = f"/acheteur/depenses/{other.id}/{action}"
    response = client.post(url) if action == "supprimer" else client.get(url)
    assert response.status_code == 404
    assert _entries() == 1


def test_hub_row_cannot_be_deleted(client, people):
    entry = spend(people["buyer"].organisation, dt.date(2025, 1, 5), "10.00",
                  origin=SpendOrigin.HUB)  # fmt: skip
    login(client, people["buyer"].email)
    assert client.post(f"/acheteur/depenses/{entry.id}/supprimer").status_code == 409
    assert client.get(f"/acheteur/depenses/{entry.id}/modifier").status_code == 409
    assert _entries() == 1


def _form(**changes: str) -> dict[str, str]:
    data = {
        "spent_on": "2025-03-01",
        "category_id": str(factories.category("laptop").id),
        "quantity": "2",
        "nature": "reuse",
        "amount": "1 234,50",
        "supplier_name": "Atelier",
        "supplier_siret": "",
        "social_consideration": "Clause sociale",
        "environmental_consideration": "Pas de considération environnementale",
    }
    return {**data, **changes}


def test_declare_purchase_through_the_form(client, people):
    login(client, people["buyer"].email)
    response = client.post("/acheteur/depenses/nouvelle", data=_form())
    assert response.status_code == 302
    entry = db.session.execute(select(SpendEntry)).scalar_one()
    assert str(entry.amount) == "1234.50"
    assert entry.is_reuse is True
    assert entry.social_consideration == "Clause sociale"
    html = client.get("/acheteur/depenses?annee=2025").get_data(as_text=True)
    assert "1\xa0234,50\xa0€" in html


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        ({"supplier_siret": "12345678901234"}, "SIRET invalide", "supplier_siret"),
        ({"amount": "douze"}, "Nombre invalide", "amount"),
        ({"quantity": "0"}, "La quantité doit être positive", "quantity"),
        ({"spent_on": "31/02/2025"}, "", "spent_on"),
        (
            {"nature": "donation", "donation_age_bracket": ""},
            "âge du matériel donné",
            "donation_age_bracket",
        ),
        ({"spent_on": "2099-01-01"}, "La date ne peut pas être dans le futur", "spent_on"),
        ({"spent_on": "2999-01-01"}, "entre le 01/01/2000 et le 31/12/2100", "spent_on"),
        ({"amount": "12,345"}, "au plus 2 décimales", "amount"),
    ],
)
def test_bad_form_input_is_shown_next_to_the_field(client, people, changes, message, field):
    login(client, people["buyer"].email)
    response = client.post("/acheteur/depenses/nouvelle", data=_form(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-erreur"' in html
    assert 'aria-invalid="true"' in html
    assert _entries() == 0


def test_edit_own_declared_row(client, people):
    entry = spend(people["buyer"].organisation, dt.date(2025, 1, 5), "10.00")
    login(client, people["buyer"].email)
    assert "10,00" in client.get(f"/acheteur/depenses/{entry.id}/modifier").get_data(as_text=True)
    response = client.post(f"/acheteur/depenses/{entry.id}/modifier", data=_form(amount="20"))
    assert response.status_code == 302
    db.session.expire_all()
    assert str(db.session.get(SpendEntry, entry.id).amount) == "20.00"


CSV_OK = (
    "date;categorie;quantite;montant_ht;nature;fournisseur;matieres_recyclees;age_don\n"
    "15/03/2025;laptop;10;2 450,00;réemploi;Atelier;non;\n"
    "20/05/2025;Ordinateur portable;3;;don;Département;non;moins de 5 ans\n"
)


def test_import_preview_then_apply(client, people):
    login(client, people["buyer"].email)
    response = client.post(
        "/acheteur/depenses/import",
        data={"file": (__import__("io").BytesIO(CSV_OK.encode()), "depenses.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 lignes prêtes" in html
    assert _entries() == 0
    payload = html.split('name="payload"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    response = client.post("/acheteur/depenses/import/appliquer", data={"payload": payload})
    assert response.status_code == 302
    amounts = sorted(str(e.amount) for e in db.session.execute(select(SpendEntry)).scalars())
    assert amounts == ["2450.00", "600.00"]


def test_import_applied_again_writes_nothing_and_says_so(client, people):
    login(client, people["buyer"].email)
    response = client.post(
        "/acheteur/depenses/import",
        data={"file": (__import__("io").BytesIO(CSV_OK.encode()), "depenses.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    payload = html.split('name="payload"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert (
        client.post("/acheteur/depenses/import/appliquer", data={"payload": payload}).status_code
        == 302
    )
    for _replay in range(3):
        response = client.post("/acheteur/depenses/import/appliquer", data={"payload": payload})
        assert response.status_code == 409
        assert "Cet import a déjà été appliqué" in response.get_data(as_text=True)
    assert _entries() == 2
    # The same file previewed again is a new import: the buyer chose to send it twice.
    response = client.post(
        "/acheteur/depenses/import",
        data={"file": (__import__("io").BytesIO(CSV_OK.encode()), "depenses.csv")},
        content_type="multipart/form-data",
    )
    again = response.get_data(as_text=True).split('name="payload"', 1)[1]
    again = again.split('value="', 1)[1].split('"', 1)[0]
    assert again != payload
    assert (
        client.post("/acheteur/depenses/import/appliquer", data={"payload": again}).status_code
        == 302
    )
    assert _entries() == 4


def test_import_with_errors_names_the_lines_and_changes_nothing(client, people):
    login(client, people["buyer"].email)
    bad = CSV_OK + "32/01/2025;frigo;-1;abc;neuf;X;peut-être;\n"
    response = client.post(
        "/acheteur/depenses/import",
        data={"file": (__import__("io").BytesIO(bad.encode("cp1252")), "depenses.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ligne 4 : date « 32/01/2025 » invalide" in html
    assert "catégorie « frigo » inconnue" in html
    assert "payload" not in html
    assert _entries() == 0


def test_import_apply_refuses_a_forged_payload(client, people):
    login(client, people["buyer"].email)
    response = client.post("/acheteur/depenses/import/appliquer", data={"payload": "forged"})
    assert response.status_code == 400
    assert _entries() == 0


def test_import_template_downloads(client, people):
    login(client, people["buyer"].email)
    text = client.get("/acheteur/depenses/modele.csv").data.decode("utf-8-sig")
    assert text.startswith("date;categorie;quantite;montant_ht;nature")


def test_coordinator_edits_a_target(client, people):
    login(client, people["coordinator"].email)
    target = db.session.execute(
        select(LegalTarget).where(LegalTarget.code == "decret-2024-134-it-2027")
    ).scalar_one()
    html = client.get(f"/coordination/objectifs/{target.id}/modifier").get_data(as_text=True)
    assert 'value="25"' in html
    data = {
        "kind": "spend_share",
        "legal_category": "Matériel informatique et téléphonie",
        "first_year": "2027",
        "reuse_percent": "26,5",
        "recycled_percent": "",
        "source": "Décret n° 2024-134",
    }
    assert (
        client.post(f"/coordination/objectifs/{target.id}/modifier", data=data).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(LegalTarget, target.id).reuse_rate_bp == 2650
    data["reuse_percent"] = "120"
    response = client.post(f"/coordination/objectifs/{target.id}/modifier", data=data)
    assert response.status_code == 422
    assert "compris entre 0 et 100" in response.get_data(as_text=True)
