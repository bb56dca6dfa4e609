"""The demo accounts exist and log in; the demo loader is idempotent."""

from __future__ import annotations

import pytest

from nrhub.demo import DEMO_PASSWORD, load_demo, organisations
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgStatus
from tests.conftest import login

DEMO_EMAILS = [
    "coordination@demo.nrhub.fr",
    "reconditionneur@demo.nrhub.fr",
    "reconditionneur2@demo.nrhub.fr",
    "acheteur@demo.nrhub.fr",
    "acheteur2@demo.nrhub.fr",
]


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(db.select(db.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_demo_accounts_log_in_with_the_published_password(app, client, email):
    organisations.load()
    login(client, email, DEMO_PASSWORD)
    assert client.get("/compte").status_code == 200


def test_demo_organisations_match_the_brief(app):
    organisations.load()
    orgs = db.session.scalars(db.select(Organisation)).all()
    kinds = [o.kind for o in orgs if o.status == OrgStatus.ACTIVE]
    assert (kinds.count("hub"), kinds.count("refurbisher"), kinds.count("buyer")) == (1, 5, 10)
    from stdnum.fr import siret

    assert all(siret.is_valid(o.siret) for o in orgs)
    assert len({o.legal_form for o in orgs if o.kind == "refurbisher"}) >= 4
    assert {o.buyer_type for o in orgs if o.kind == "buyer"} >= {"commune", "epci", "ccas"}


def test_organisations_loader_is_idempotent(app):
    organisations.load()
    first = row_counts()
    organisations.load()
    assert row_counts() == first


def test_full_demo_is_idempotent(app):
    load_demo()
    first = row_counts()
    load_demo()
    assert row_counts() == first
