"""Coordinators validate, reject, suspend and reactivate organisations."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from nrhub.audit.models import AuditEvent
from nrhub.errors import ConflictError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.organisations import services
from nrhub.organisations.models import Organisation, OrgStatus
from nrhub.transactions import unit_of_work
from tests import factories
from tests.conftest import login
from tests.web.people import clear_outbox, make_people, outbox


@pytest.fixture
def people(app):
    people = make_people()
    clear_outbox(app)
    return people


def audit_actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_admin_list_filters_by_status_and_kind(client, people):
    login(client, "coord@example.fr")
    html = client.get("/coordination/organisations?status=pending").get_data(as_text=True)
    assert people.pending.organisation.name in html
    assert "Commune de Vitré" not in html
    html = client.get("/coordination/organisations?kind=refurbisher").get_data(as_text=True)
    assert people.refurbisher.organisation.name in html
    assert "Commune de Vitré" not in html
    html = client.get("/coordination/organisations").get_data(as_text=True)
    assert "5 organisations" in html
    assert client.get("/coordination/organisations?status=nimporte").status_code == 200


def test_coordinator_validates_pending_organisation(app, client, people):
    org = people.pending.organisation
    login(client, "coord@example.fr")
    response = client.post(f"/coordination/organisations/{org.id}/valider")
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.status == OrgStatus.ACTIVE
    assert org.validated_at is not None
    assert audit_actions()[-1] == "organisation.validate"
    mail = outbox(app)[-1]
    assert "attente@example.fr" in mail.to
    assert "validée" in mail.subject

    other = app.test_client()
    login(other, "attente@example.fr")
    assert other.get("/").status_code == 200


def test_validating_twice_is_a_conflict(client, people):
    org = people.pending.organisation
    login(client, "coord@example.fr")
    client.post(f"/coordination/organisations/{org.id}/valider")
    response = client.post(f"/coordination/organisations/{org.id}/valider")
    assert response.status_code == 409
    assert "pas possible pour une organisation dans cet état" in response.get_data(as_text=True)


def test_reject_requires_a_reason_and_emails_it(app, client, people):
    org = people.pending.organisation
    login(client, "coord@example.fr")
    response = client.post(
        f"/coordination/organisations/{org.id}/refuser", data={"reject-reason": ""}
    )
    assert response.status_code == 422
    assert "Indiquez le motif." in response.get_data(as_text=True)
    db.session.refresh(org)
    assert org.status == OrgStatus.PENDING
    assert outbox(app) == []

    response = client.post(
        f"/coordination/organisations/{org.id}/refuser",
        data={"reject-reason": "SIRET d'une entreprise privée hors périmètre."},
    )
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.status == OrgStatus.REJECTED
    assert org.status_reason == "SIRET d'une entreprise privée hors périmètre."
    assert "SIRET d'une entreprise privée hors périmètre." in outbox(app)[-1].body
    event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.action == "organisation.reject"
    assert event.details["reason"] == "SIRET d'une entreprise privée hors périmètre."
    assert event.actor_id == people.coordinator.id

    # The rejected person can no longer log in.
    response = app.test_client().post(
        "/connexion", data={"email": "attente@example.fr", "password": factories.PASSWORD}
    )
    assert response.status_code == 401


def test_suspension_ends_open_sessions_and_blocks_login(app, client, people):
    buyer_client = app.test_client()
    login(buyer_client, "achat@example.fr")
    assert buyer_client.get("/compte").status_code == 200

    login(client, "coord@example.fr")
    org = people.buyer.organisation
    response = client.post(
        f"/coordination/organisations/{org.id}/suspendre",
        data={"suspend-reason": "Impayés répétés."},
    )
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.status == OrgStatus.SUSPENDED
    assert "Impayés répétés." in outbox(app)[-1].body
    assert sorted(outbox(app)[-1].to) == sorted(
        [org.contact_email, "achat@example.fr", "collegue@example.fr"]
    )

    # The buyer's existing session no longer works...
    response = buyer_client.get("/compte")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")
    # ... and logging in again is refused.
    response = buyer_client.post(
        "/connexion", data={"email": "achat@example.fr", "password": factories.PASSWORD}
    )
    assert response.status_code == 401
    assert "suspendue" in response.get_data(as_text=True)

    response = client.post(f"/coordination/organisations/{org.id}/reactiver")
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.status == OrgStatus.ACTIVE
    login(buyer_client, "achat@example.fr")
    assert audit_actions()[-3:] == ["organisation.suspend", "organisation.reactivate", "auth.login"]


def test_suspended_person_with_unrotated_session_is_refused(app, people):
    """Even if the session token were left unchanged, an inactive person is logged out."""
    buyer_client = app.test_client()
    login(buyer_client, "achat@example.fr")
    org = people.buyer.organisation
    org.status = OrgStatus.SUSPENDED
    db.session.commit()
    response = buyer_client.get("/compte")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion")


def test_hub_status_cannot_change(people, request_ctx):
    hub = people.coordinator.organisation
    with pytest.raises(ConflictError):
        services.suspend_organisation(hub, "test", by=people.coordinator)
    assert hub.status == OrgStatus.ACTIVE


def test_a_decision_on_a_stale_organisation_is_a_conflict_and_does_nothing(
    app, people, request_ctx
):
    org = people.pending.organisation
    org_id = org.id
    assert org.status == OrgStatus.PENDING  # what the coordinator's page showed
    db.session.commit()  # end the transaction, which holds SQLite's lock
    with db.engine.begin() as connection:  # another coordinator rejected it meanwhile
        connection.execute(
            update(Organisation).where(Organisation.id == org_id).values(status="rejected")
        )
    # This request read the organisation before that (as two requests do in a race).
    set_committed_value(org, "status", OrgStatus.PENDING)
    with pytest.raises(ConflictError), unit_of_work():
        services.validate_organisation(org, by=people.coordinator)
    db.session.refresh(org)
    assert org.status == OrgStatus.REJECTED and org.validated_at is None
    assert "organisation.validate" not in audit_actions()
    assert outbox(app) == []


def test_removing_a_member_twice_removes_once(people, request_ctx):
    colleague = people.buyer_colleague
    with unit_of_work():
        services.remove_member(colleague, by=people.buyer)
    with pytest.raises(ConflictError, match="déjà été retirée"), unit_of_work():
        services.remove_member(colleague, by=people.buyer)
    assert audit_actions().count("organisation.remove_member") == 1


def test_only_coordinators_decide(people, request_ctx):
    with pytest.raises(PermissionDeniedError):
        services.validate_organisation(people.pending.organisation, by=people.buyer)
    with pytest.raises(ValidationError):
        services.reject_organisation(people.pending.organisation, "  ", by=people.coordinator)
    assert people.pending.organisation.status == OrgStatus.PENDING


def test_admin_detail_shows_identity_members_and_events(client, people):
    login(client, "coord@example.fr")
    org = people.buyer.organisation
    html = client.get(f"/coordination/organisations/{org.id}").get_data(as_text=True)
    assert org.siret in html
    assert "achat@example.fr" in html and "collegue@example.fr" in html
    assert "Suspendre" in html
    assert client.get("/coordination/organisations/999999").status_code == 404
