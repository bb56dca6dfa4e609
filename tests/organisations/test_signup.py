"""Sign-up of an organisation with its first person."""

from __future__ import annotations

import re

import pytest

from nrhub.audit.models import AuditEvent
from nrhub.auth.models import User
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgStatus
from tests import factories
from tests.conftest import login
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


def test_signup_buyer_creates_pending_org_and_tells_coordinators_and_person(
    app, client, coordinator
):
    response = client.post("/inscription", data=buyer_form())
    assert response.status_code == 302
    assert response.headers["Location"] == "/inscription/envoyee"
    page = client.get("/inscription/envoyee")
    assert page.status_code == 200
    assert "<h1>Demande d'inscription envoyée</h1>" in page.get_data(as_text=True)

    org = db.session.execute(
        db.select(Organisation).where(Organisation.siret == VALID_SIRET)
    ).scalar_one()
    assert org.status == OrgStatus.PENDING
    assert (org.department_code, org.region_code) == ("35", "53")
    assert (org.buyer_type, org.population) == ("commune", 6900)
    assert org.legal_form is None
    user = db.session.execute(db.select(User).where(User.organisation_id == org.id)).scalar_one()
    assert user.is_org_admin and user.email == "elodie.martin@montfort.example.fr"

    # Not logged in by the sign-up (the answer must not differ for a known e-mail)...
    assert client.get("/compte").headers["Location"].startswith("/connexion")
    # ...but the person logs in with the password chosen and sees only the waiting page.
    login(client, "elodie.martin@montfort.example.fr", "un-mot-de-passe-long")
    page = client.get("/en-attente")
    assert page.status_code == 200
    assert "en attente de validation" in page.get_data(as_text=True)
    assert client.get("/").headers["Location"] == "/en-attente"
    assert client.get("/compte").headers["Location"] == "/en-attente"

    messages = outbox(app)
    assert [m.to for m in messages] == [
        ["coord@example.fr"],
        ["elodie.martin@montfort.example.fr"],
    ]
    assert "Commune de Montfort-sur-Meu" in messages[0].subject
    assert f"/coordination/organisations/{org.id}" in messages[0].body
    assert messages[1].subject == "[nrhub] Votre demande d'inscription sur nrhub"
    assert "Commune de Montfort-sur-Meu sur nrhub est enregistrée" in messages[1].body
    assert "http://localhost/connexion" in messages[1].body
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["organisation.signup", "auth.login"]


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


def strip_csrf(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*>|value="[^"]*"', "", html)


def test_signup_with_an_existing_email_answers_the_same_page_and_mails_its_owner(app, coordinator):
    owner = factories.UserFactory(
        email="Elodie.Martin@montfort.example.fr", name="Élodie Martin", locale="fr"
    )
    db.session.commit()
    clear_outbox(app)
    before = counts()

    known, unknown = app.test_client(), app.test_client()
    known_answer = known.post(
        "/inscription", data=buyer_form(email="ELODIE.MARTIN@MONTFORT.EXAMPLE.FR")
    )
    assert counts() == (before[0], before[1], before[2] + 1)  # one audit event, no account
    unknown_answer = unknown.post(
        "/inscription", data=buyer_form(siret=LA_POSTE_SIRET, email="nouvelle@montfort.example.fr")
    )
    assert known_answer.status_code == unknown_answer.status_code == 302
    assert known_answer.headers["Location"] == unknown_answer.headers["Location"]
    assert strip_csrf(known.get("/inscription/envoyee").get_data(as_text=True)) == strip_csrf(
        unknown.get("/inscription/envoyee").get_data(as_text=True)
    )
    assert (
        known.get_cookie("session") is None or "_user_id" not in known.get_cookie("session").value
    )

    mails = outbox(app)
    to_owner = [m for m in mails if m.to == ["Elodie.Martin@montfort.example.fr"]]
    assert len(to_owner) == 1
    assert to_owner[0].subject == "[nrhub] Votre demande d'inscription sur nrhub"
    body = to_owner[0].body
    assert "Un compte existe déjà avec cette adresse : aucune inscription n'a été créée." in body
    assert "« Commune de Montfort-sur-Meu »" in body
    assert "http://localhost/connexion" in body
    assert "http://localhost/mot-de-passe-oublie" in body
    # Only the new address's sign-up reached the coordinators.
    assert [m.to for m in mails].count(["coord@example.fr"]) == 1
    assert (
        db.session.scalar(
            db.select(AuditEvent.object_id).where(
                AuditEvent.action == "organisation.signup_existing_email"
            )
        )
        == owner.id
    )
    assert db.session.scalar(db.select(db.func.count(User.id)).where(User.id != owner.id)) == 2


def test_signup_is_rate_limited_per_address(app, client):
    app.config["SIGNUP_RATE_LIMIT"] = "3 per hour"
    for _ in range(3):
        assert client.post("/inscription", data=buyer_form(siret="1")).status_code == 422
    response = client.post("/inscription", data=buyer_form())
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert counts() == (0, 0, 0)
    other = client.post(
        "/inscription", data=buyer_form(), environ_overrides={"REMOTE_ADDR": "192.0.2.7"}
    )
    assert other.status_code == 302


def test_signup_rejects_existing_siret_and_writes_nothing(client):
    factories.BuyerFactory(siret=VALID_SIRET)
    db.session.commit()
    before = counts()
    response = client.post("/inscription", data=buyer_form())
    assert response.status_code == 409
    assert "Une organisation avec ce SIRET est déjà inscrite." in response.get_data(as_text=True)
    assert counts() == before


def test_signup_redirects_people_already_logged_in(app, client):
    factories.UserFactory(email="deja@example.fr")
    db.session.commit()
    login(client, "deja@example.fr")
    assert client.get("/inscription").status_code == 302
