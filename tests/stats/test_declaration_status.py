"""Issue 14: the guided yearly declaration and who has done it."""

from __future__ import annotations

import datetime as dt

import pytest

from nrhub.extensions import db
from nrhub.stats import declaration
from nrhub.stats.models import DeclarationStatus
from tests import factories
from tests.conftest import login
from tests.stats.helpers import spend

YEAR = 2025


@pytest.fixture
def members(app):  # type: ignore[no-untyped-def]
    people = {
        "buyer": factories.UserFactory(email="decl-buyer@example.fr"),
        "other": factories.UserFactory(email="decl-other@example.fr"),
        "coordinator": factories.UserFactory(
            email="decl-coord@example.fr", organisation=factories.HubFactory()
        ),
        "refurbisher": factories.UserFactory(
            email="decl-ref@example.fr", organisation=factories.RefurbisherFactory()
        ),
    }
    db.session.commit()
    spend(people["buyer"].organisation, dt.date(YEAR, 3, 1), "800.00")
    return people


def _status(user) -> DeclarationStatus | None:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.get(DeclarationStatus, (user.organisation_id, YEAR))


def test_deadline_is_30_june_of_the_next_year():
    assert declaration.deadline(2025) == dt.date(2026, 6, 30)


def test_buyer_page_guides_the_declaration(client, members):
    login(client, members["buyer"].email)
    page = client.get(f"/indicateurs?annee={YEAR}").get_data(as_text=True)
    assert 'id="declarer"' in page
    assert "30/06/2026" in page
    assert "data.gouv.fr" in page
    assert "800,00" in page


def test_download_then_done_is_seen_by_the_coordinator(client, members):
    buyer = members["buyer"]
    login(client, buyer.email)
    assert client.get(f"/indicateurs/declaration/{YEAR}.csv").status_code == 200
    first = _status(buyer)
    assert first is not None and first.downloaded_at is not None and first.done_at is None
    downloaded_at = first.downloaded_at
    client.get(f"/indicateurs/declaration/{YEAR}.csv")
    assert _status(buyer).downloaded_at == downloaded_at  # the first download is kept

    response = client.post(f"/indicateurs/declaration/{YEAR}/publiee")
    assert response.status_code == 302
    assert _status(buyer).done_at is not None
    again = client.post(f"/indicateurs/declaration/{YEAR}/publiee")
    assert again.status_code == 409
    assert "déjà marquée" in again.get_data(as_text=True)

    client.post("/deconnexion")
    login(client, members["coordinator"].email)
    page = client.get(f"/indicateurs/declarations?annee={YEAR}").get_data(as_text=True)
    assert buyer.organisation.name in page and members["other"].organisation.name in page
    assert page.count(">non<") == 2  # the other member: neither downloaded nor published


def test_coordinator_download_is_not_the_buyers(client, members):
    login(client, members["coordinator"].email)
    url = f"/indicateurs/declaration/{YEAR}.csv?organisation={members['buyer'].organisation_id}"
    assert client.get(url).status_code == 200
    assert _status(members["buyer"]) is None


@pytest.mark.parametrize("who", ["coordinator", "refurbisher"])
def test_only_a_buyer_marks_its_declaration(client, members, who):
    login(client, members[who].email)
    assert client.post(f"/indicateurs/declaration/{YEAR}/publiee").status_code in (403, 404)
    assert db.session.execute(db.select(DeclarationStatus)).first() is None


def test_members_page_is_for_coordinators_only(client, members):
    login(client, members["buyer"].email)
    assert client.get("/indicateurs/declarations").status_code in (403, 404)
