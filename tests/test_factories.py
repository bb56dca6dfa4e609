"""Every factory of tests/factories.py makes a row the database accepts, tied together."""

from __future__ import annotations

import pytest

from nrhub.extensions import db
from tests import factories

ALL = [f for f in factories._ALL if f is not factories.OrganisationFactory]


@pytest.mark.parametrize("factory_class", ALL, ids=lambda f: f.__name__)
def test_each_factory_makes_a_stored_row(app, factory_class) -> None:  # type: ignore[no-untyped-def]
    item = factory_class()
    db.session.commit()
    model = factory_class._meta.model
    assert db.session.get(model, item.id) is item


def test_an_order_line_orders_an_offer_of_its_own_campaign(app) -> None:  # type: ignore[no-untyped-def]
    line = factories.OrderLineFactory(quantity=3)
    assert line.offer.campaign_id == line.order.campaign_id
    assert line.offer.refurbisher_id == line.offer.listing.refurbisher_id


def test_a_person_factory_makes_an_organisation_of_its_role(app) -> None:  # type: ignore[no-untyped-def]
    coordinator = factories.CoordinatorFactory()
    refurbisher = factories.RefurbisherPersonFactory(organisation__name="Atelier Alpha")
    assert str(coordinator.organisation.kind) == "hub"
    assert refurbisher.organisation.name == "Atelier Alpha"
    assert str(refurbisher.organisation.kind) == "refurbisher"
