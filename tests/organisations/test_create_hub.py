"""``flask create-hub``: the first coordinator of a fresh installation."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from nrhub.auth.models import User
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus
from tests import factories

ARGS = [
    "create-hub",
    "--nom",
    "Centrale bretonne du numérique",
    "--adresse",
    "1 place de la Mairie",
    "--code-postal",
    "35000",
    "--ville",
    "Rennes",
    "--departement",
    "35",
    "--email",
    "premier@centrale.example.fr",
    "--personne",
    "Anne Premier",
    "--mot-de-passe",
    "un-mot-de-passe-solide",
]


def _run(app: Flask, siret: str, *extra: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=[*ARGS, "--siret", siret, *extra])


def test_creates_an_active_hub_and_its_coordinator_who_can_log_in(app: Flask) -> None:
    siret = factories.valid_siret()
    result = _run(app, siret)
    assert result.exit_code == 0, result.output
    assert "premier@centrale.example.fr" in result.output
    hub = db.session.execute(select(Organisation).where(Organisation.siret == siret)).scalar_one()
    assert (hub.kind, hub.status, hub.department_code) == (OrgKind.HUB, OrgStatus.ACTIVE, "35")
    user = db.session.execute(select(User).where(User.organisation_id == hub.id)).scalar_one()
    assert user.is_org_admin
    response = app.test_client().post(
        "/connexion",
        data={"email": "premier@centrale.example.fr", "password": "un-mot-de-passe-solide"},
    )
    assert response.status_code == 302


def test_refuses_a_second_hub_and_a_bad_siret_without_writing(app: Flask) -> None:
    factories.HubFactory()
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Organisation))
    second = _run(app, factories.valid_siret())
    assert second.exit_code != 0
    assert "La centrale existe déjà" in second.output
    bad = _run(app, "12345678901234")
    assert bad.exit_code != 0
    assert "SIRET n'est pas valide" in bad.output
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == before
