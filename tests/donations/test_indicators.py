"""REEN figures computed by hand: units reused in the year / retired stock at 1 January,
and kg diverted from waste."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from nrhub.donations import services
from nrhub.donations.models import AgeBracket, DonationClaim
from nrhub.extensions import db
from nrhub.stats import queries
from tests import factories
from tests.donations.conftest import claimed, lot_data, today


def _complete(lot, people, reused: int, recycled: int, on: dt.date | None = None) -> None:  # type: ignore[no-untyped-def]
    claim = claimed(lot, people.refurbisher, people.donor, lot.quantity, "picked_up")
    services.record_outcome(claim, reused, recycled, by=people.refurbisher)
    if on is not None:  # an outcome recorded in another year
        db.session.get(DonationClaim, claim.id).outcome_on = on
        db.session.commit()


def test_no_declared_stock_means_no_rate(people, make_lot):
    lot = make_lot(quantity=4)
    _complete(lot, people, 4, 0)
    year = today().year
    assert queries.retired_reuse_rate(year, buyer_id=people.donor.organisation_id) is None
    figures = queries.retired_reuse(year, buyer_id=people.donor.organisation_id)
    assert figures.units_reused == 4 and figures.rate is None


def test_rate_and_kg_by_hand(people, make_lot):
    year = today().year
    buyer_id = people.donor.organisation_id
    services.save_retired_stock(
        year, 40, None, by=people.donor, reen_category="small_it", in_scope=True
    )
    # 10 laptops of 2.3 kg: 7 reused, 2 recycled, 1 unaccounted.
    _complete(make_lot(quantity=10, unit_weight_g=2300), people, 7, 2)
    # 5 monitors of 4.5 kg, 5-10 years: 5 reused.
    _complete(
        make_lot(quantity=5, unit_weight_g=4500, age_bracket=AgeBracket.FROM_5_TO_10),
        people,
        5,
        0,
    )
    # Over 10 years: 6 units of 8 kg, all recycled; never reuse.
    _complete(
        make_lot(quantity=6, unit_weight_g=8000, age_bracket=AgeBracket.OVER_10), people, 0, 6
    )
    # Reused last year: not this year's figure.
    _complete(make_lot(quantity=3), people, 3, 0, on=dt.date(year - 1, 12, 31))

    figures = queries.retired_reuse(year, buyer_id=buyer_id)
    assert figures.units_reused == 12  # 7 + 5
    assert figures.units_recycled == 8  # 2 + 6
    assert figures.stock_units == 40
    assert figures.rate == Decimal(12) / Decimal(40)  # 30 %
    assert queries.retired_reuse_rate(year, buyer_id=buyer_id) == Decimal("0.3")
    assert figures.kg_diverted == Decimal("38.6")  # 7 × 2.3 + 5 × 4.5
    assert figures.kg_recycled == Decimal("52.6")  # 2 × 2.3 + 6 × 8

    last_year = queries.retired_reuse(year - 1, buyer_id=buyer_id)
    assert (last_year.units_reused, last_year.rate) == (3, None)


def test_hub_rate_counts_buyers_that_declared_their_stock(people, make_lot):
    year = today().year
    services.save_retired_stock(
        year, 20, 300, by=people.donor, reen_category="small_it", in_scope=True
    )
    _complete(make_lot(quantity=5), people, 5, 0)
    # Another buyer of the same department donates without declaring its stock.
    other = factories.UserFactory(
        organisation=factories.BuyerFactory(department_code="35", region_code="53")
    )
    db.session.commit()
    lot = services.create_lot(lot_data(quantity=4, unit_weight_g=1000), by=other)
    claim = claimed(lot, people.refurbisher, other, 4, "picked_up")
    services.record_outcome(claim, 4, 0, by=people.refurbisher)

    hub = queries.retired_reuse(year)
    assert hub.units_reused == 9
    assert hub.units_reused_declared == 5
    assert hub.stock_units == 20
    assert hub.rate == Decimal("0.25")  # 5 / 20
    assert hub.kg_diverted == Decimal("15.5")  # 5 × 2.3 + 4 × 1
    assert queries.retired_reuse_rate(year) == Decimal("0.25")


def test_api_indicators_return_the_real_rate(client, people, make_lot):
    from tests.api.conftest import bearer

    year = today().year
    services.save_retired_stock(
        year, 8, None, by=people.donor, reen_category="small_it", in_scope=True
    )
    _complete(make_lot(quantity=3), people, 2, 1)
    response = client.get(f"/api/v1/indicators?year={year}", headers=bearer(people.donor))
    assert response.status_code == 200
    assert response.get_json()["retired_reuse_rate"] == "0.2500"  # 2 / 8
