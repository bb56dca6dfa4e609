from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from nrhub.api import tokens
from nrhub.auth.models import User
from nrhub.extensions import db
from nrhub.organisations.models import OrgKind
from tests.factories import (
    BuyerPersonFactory,
    CoordinatorFactory,
    ListingFactory,
    OrganisationFactory,
    RefurbisherFactory,
    UserFactory,
)


def bearer(user: User) -> dict[str, str]:
    """A committed token of ``user``: a refused request (rolled back) does not take it."""
    _token, raw = tokens.issue_token(user, "test", by=user)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def people(app):  # type: ignore[no-untyped-def]
    refurb_org = RefurbisherFactory(department_code="29")
    other_refurb_org = RefurbisherFactory()
    result = {
        "refurbisher": UserFactory(organisation=refurb_org, email="r@example.fr"),
        "other_refurbisher": UserFactory(organisation=other_refurb_org, email="r2@example.fr"),
        "buyer": BuyerPersonFactory(email="b@example.fr"),
        "coordinator": CoordinatorFactory(email="c@example.fr"),
        "pending": UserFactory(
            organisation=OrganisationFactory(kind=OrgKind.BUYER, status="pending"),
            email="p@example.fr",
        ),
    }
    db.session.commit()
    return result


@pytest.fixture
def own_listing(people):  # type: ignore[no-untyped-def]
    listing = ListingFactory(
        refurbisher=people["refurbisher"].organisation, sku="T480-1", quantity=5
    )
    db.session.commit()
    return listing


@pytest.fixture
def api(client: FlaskClient) -> FlaskClient:
    return client
