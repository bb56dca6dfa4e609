"""Sign-up of an organisation with its first person."""

from __future__ import annotations

import pytest

from nrhub.audit.models import AuditEvent
from nrhub.auth.models import User
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgStatus
from tests import factories
from tests.web.people import clear_outbox, outbox

VALID_SIRET = "73282932000074"
LA_POSTE_SIRET = "35600000049837"  # not Luhn-valid, but La Poste's own rule holds


def buyer_form(**overrides: str) -> dict[str, str]:
    data = {
        "kind": "buyer",
        "name": "Commune de Montfort-sur-Meu",
        "siret": VALID_SIRET,
        "address": "1 place de l'Hôtel de Ville",
        "postcode": "35160",
        "city": "Montfort-sur-Meu",
        "department": "",
        "contact_email": "mairie@montfort.example.fr",
        "buyer_type": "commune",
        "population": "6900",
        "insertion_type": "none",
        "person_name": "Élodie Martin",
        "email": "elodie.martin@montfort.example.fr",
        "password": "un-mot-de-passe-long",
        "password_confirm": "un-mot-de-passe-long",
    }
    data.update(overrides)
    return data


def refurbisher_form(**overrides: str) -> dict[str, str]:
    data = buyer_form(
        kind="refurbisher",
        name="Ajaccio Réemploi",
        postcode="20000",
        city="Ajaccio",
        legal_form="scic",
        esus_agreement="y",
        esus_expires_on="2028-06-30",
        insertion_type="aci",
        buyer_type="",
        population="",
        email="contact@ajaccio-reemploi.example.fr",
    )
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(db.select(db.func.count(Organisation.id))),
        db.session.scalar(db.select(db.func.count(User.id))),
        db.session.scalar(db.select(db.func.count(AuditEvent.id))),
    )


@pytest.fixture
def coordinator(app):
    user = factories.UserFactory(email="coord@example.fr", organisation=factories.HubFactory())
    db.session.commit()
    clear_outbox(app)
    return user


def test_signup_page_is_french_and_labelled(client):
    response = client.get("/inscription")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Inscrire mon organisation" in html
    assert '<label for="siret">SIRET' in html


def test_signup_buyer_creates_pending_org_logs_in_and_tells_coordinators(app, client, coordinator):
    response = client.post("/inscription", data=buyer_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/en-attente"

    org = db.session.execute(
        db.select(Organisation).where(Organisation.siret == VALID_SIRET)
    ).scalar_one()
    assert org.status == OrgStatus.PENDING
    assert (org.department_code, org.region_code) == ("35", "53")
    assert (org.buyer_type, org.population) == ("commune", 6900)
    assert org.legal_form is None
    user = db.session.execute(db.select(User).where(User.organisation_id == org.id)).scalar_one()
    assert user.is_org_admin and user.email == "elodie.martin@montfort.example.fr"

    page = client.get("/en-attente")
    assert page.status_code == 200
    assert "en attente de validation" in page.get_data(as_text=True)
    # A pending person sees only the waiting page.
    assert client.get("/").headers["Location"] == "/en-attente"
    assert client.get("/compte").headers["Location"] == "/en-attente"

    messages = outbox(app)
    assert [m.to for m in messages] == [["coord@example.fr"]]
    assert "Commune de Montfort-sur-Meu" in messages[0].subject
    assert f"/coordination/organisations/{org.id}" in messages[0].body
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert actions == ["organisation.signup"]


def test_signup_refurbisher_in_corsica_derives_2a_and_keeps_ess_fields(client):
    response = client.post("/inscription", data=refurbisher_form())
    assert response.status_code == 302
    org = db.session.execute(
        db.select(Organisation).where(Organisation.name == "Ajaccio Réemploi")
    ).scalar_one()
    assert (org.department_code, org.region_code) == ("2A", "94")
    assert (org.legal_form, org.insertion_type, org.esus_agreement) == ("scic", "aci", True)
    assert str(org.esus_expires_on) == "2028-06-30"
    assert org.buyer_type is None and org.population is None


def test_signup_accepts_la_poste_siret(client):
    response = client.post("/inscription", data=buyer_form(siret="356 000 000 49837"))
    assert response.status_code == 302
    assert db.session.scalar(
        db.select(Organisation.siret).where(Organisation.siret == LA_POSTE_SIRET)
    )


def test_signup_accepts_chosen_department_consistent_with_corsican_postcode(client):
    response = client.post("/inscription", data=refurbisher_form(postcode="20200", department="2B"))
    assert response.status_code == 302
    org = db.session.scalars(db.select(Organisation)).one()
    assert org.department_code == "2B"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"siret": "73282932000075"}, "siret", "Le SIRET doit comporter 14 chiffres"),
        ({"siret": "7328293200007"}, "siret", "Le SIRET doit comporter 14 chiffres"),
        ({"siret": "35600000049838"}, "siret", "Le SIRET doit comporter 14 chiffres"),
        ({"postcode": "3516"}, "postcode", "Code postal invalide"),
        ({"postcode": "00100"}, "postcode", "Code postal invalide"),
        ({"postcode": "96100"}, "postcode", "Code postal invalide"),
        ({"department": "29"}, "department", "Le département ne correspond pas au code postal"),
        ({"department": "2A"}, "department", "Le département ne correspond pas au code postal"),
        ({"department": "99"}, "department", "Not a valid choice"),
        ({"password": "court-11car", "password_confirm": "court-11car"}, "password",
         "au moins 12 caractères"),
        ({"password_confirm": "un-autre-mot-de-passe"}, "password_confirm",
         "ne sont pas identiques"),
        ({"email": "pas-une-adresse"}, "email", "Adresse e-mail invalide"),
        ({"kind": "hub"}, "kind", "Not a valid choice"),
        ({"buyer_type": ""}, "buyer_type", "Indiquez le type d'acheteur"),
        ({"population": ""}, "population", "Indiquez la population"),
        ({"population": "-3"}, "population", "Population invalide"),
        ({"population": "beaucoup"}, "population", "Not a valid integer value"),
    ],
)  # fmt: skip
def test_signup_rejects_bad_input_next_to_field_and_writes_nothing(
    client, overrides, field, message
):
    before = counts()
    response = client.post("/inscription", data=buyer_form(**overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-erreur"' in html
    if message.startswith("Not a valid"):
        # WTForms' own messages come translated into French.
        assert message not in html
    else:
        assert message in html
    assert f'aria-describedby="{field}-erreur"' in html or f'{field}-erreur"' in html
    assert counts() == before


def test_signup_refurbisher_requires_legal_form_and_esus_expiry(client):
    response = client.post("/inscription", data=refurbisher_form(legal_form="", esus_expires_on=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Indiquez la forme juridique." in html
    assert "Indiquez la date de fin de validité" in html
    assert counts() == (0, 0, 0)


def test_signup_rejects_existing_email_in_other_case_and_writes_nothing(client):
    factories.UserFactory(email="Elodie.Martin@montfort.example.fr")
    db.session.commit()
    before = counts()
    response = client.post(
        "/inscription", data=buyer_form(email="ELODIE.MARTIN@MONTFORT.EXAMPLE.FR")
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="email-erreur"' in html
    assert "Un compte existe déjà avec cette adresse e-mail." in html
    assert counts() == before


def test_signup_rejects_existing_siret_and_writes_nothing(client):
    factories.BuyerFactory(siret=VALID_SIRET)
    db.session.commit()
    before = counts()
    response = client.post("/inscription", data=buyer_form())
    assert response.status_code == 409
    assert "Une organisation avec ce SIRET est déjà inscrite." in response.get_data(as_text=True)
    assert counts() == before


def test_signup_redirects_people_already_logged_in(app, client):
    from tests.conftest import login

    factories.UserFactory(email="deja@example.fr")
    db.session.commit()
    login(client, "deja@example.fr")
    assert client.get("/inscription").status_code == 302
