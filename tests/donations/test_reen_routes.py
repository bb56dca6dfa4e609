"""Issue 14: REEN routes besides the hub's donation lots (décret 2023-266)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from nrhub.donations import reen, services
from nrhub.donations.models import RetiredOutcome
from nrhub.errors import PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.stats import queries
from tests.conftest import login
from tests.donations.conftest import claimed, png_bytes, today


def _input(**changes: object) -> reen.OutcomeInput:
    base = {
        "outcome_on": today(),
        "route": "sale",
        "reen_category": "small_it",
        "units": 4,
        "receiver": "Commune voisine",
        "reuse_committed": True,
        "in_scope": True,
    }
    return reen.OutcomeInput(**{**base, **changes})  # type: ignore[arg-type]


def _count() -> int:
    return db.session.execute(select(func.count()).select_from(RetiredOutcome)).scalar_one()


def test_every_route_counts_in_the_rate_only_with_a_reuse_commitment(people):
    year = today().year
    services.save_retired_stock(
        year, 20, None, by=people.donor, reen_category="small_it", in_scope=True
    )
    reen.record_outcome(_input(route="public_body", units=3), None, by=people.donor)
    reen.record_outcome(_input(route="staff", units=2), None, by=people.donor)
    reen.record_outcome(
        _input(route="eco_organisation", units=5, reuse_committed=False), None, by=people.donor
    )
    db.session.commit()
    retired = queries.retired_reuse(year, buyer_id=people.donor.organisation_id)
    assert retired.units_reused == 5  # 3 + 2; the 5 without commitment do not count
    assert retired.rate == pytest.approx(5 / 20)
    other = queries.retired_reuse(year, buyer_id=people.other_buyer.organisation_id)
    assert other.units_reused == 0
    assert queries.retired_reuse(year).units_reused_declared == 5


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"route": "landfill"}, "route"),
        ({"reen_category": "printer"}, "reen_category"),
        ({"units": 0}, "units"),
        ({"receiver": "  "}, "receiver"),
        ({"in_scope": False}, "in_scope"),
        ({"outcome_on": dt.date(2999, 1, 1)}, "outcome_on"),
        ({"outcome_on": dt.date(2022, 12, 31)}, "outcome_on"),
    ],
)
def test_bad_outcome_is_refused_and_writes_nothing(people, changes, field):
    with pytest.raises(ValidationError) as caught:
        reen.record_outcome(_input(**changes), None, by=people.donor)
    assert caught.value.field == field
    db.session.rollback()
    assert _count() == 0


def test_only_a_buyer_records_outcomes(people):
    with pytest.raises(PermissionDeniedError):
        reen.record_outcome(_input(), None, by=people.refurbisher)


def test_form_records_an_outcome_with_its_proof(people, client):
    login(client, people.donor.email)
    page = client.get("/acheteur/parc-reforme/sorties").get_data(as_text=True)
    assert "dix ans" in page and "100 cm²" in page and "300 €" in page
    response = client.post(
        "/acheteur/parc-reforme/sorties",
        data={
            "outcome_on": today().isoformat(),
            "route": "association",
            "reen_category": "screens",
            "units": "6",
            "receiver": "Association Emmaüs Connect",
            "reuse_committed": "y",
            "in_scope": "y",
            "proof": (io.BytesIO(png_bytes()), "engagement.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (outcome,) = reen.outcomes_of(people.donor.organisation_id)
    assert (outcome.units, outcome.route, outcome.reen_category) == (6, "association", "screens")
    assert outcome.proof_name is not None
    refused = client.post(
        "/acheteur/parc-reforme/sorties",
        data={"outcome_on": today().isoformat(), "route": "sale", "reen_category": "screens",
              "units": "2", "receiver": "Acheteur", "reuse_committed": "y"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "dix ans" in refused.get_data(as_text=True)
    assert len(reen.outcomes_of(people.donor.organisation_id)) == 1


def test_outcomes_are_private_to_their_buyer(people, client):
    reen.record_outcome(_input(receiver="Receveur secret"), None, by=people.donor)
    db.session.commit()
    login(client, people.other_buyer.email)
    page = client.get("/acheteur/parc-reforme/sorties").get_data(as_text=True)
    assert "Receveur secret" not in page
    login(client, people.refurbisher.email)
    assert client.get("/acheteur/parc-reforme/sorties").status_code in (403, 404)


def test_rate_per_reen_category_and_overall(people, make_lot):
    """Stock 10 screens and 20 small IT; reused: 3 laptops of a lot (screens), 4 screens
    and 2 small IT items sent out with a commitment; a lot of servers (no REEN category)
    does not count."""
    year = today().year
    donor = people.donor
    services.save_retired_stock(year, 10, None, by=donor, reen_category="screens", in_scope=True)
    services.save_retired_stock(year, 20, None, by=donor, reen_category="small_it", in_scope=True)
    laptops = claimed(make_lot(quantity=3), people.refurbisher, donor, 3, "picked_up")
    services.record_outcome(laptops, 3, 0, by=people.refurbisher)
    servers = claimed(
        make_lot(category_code="server", quantity=5), people.refurbisher, donor, 5, "picked_up"
    )
    services.record_outcome(servers, 5, 0, by=people.refurbisher)
    reen.record_outcome(_input(reen_category="screens", units=4), None, by=donor)
    reen.record_outcome(_input(reen_category="small_it", units=2), None, by=donor)
    db.session.commit()
    by_category = dict(queries.retired_reuse_by_category(year, buyer_id=donor.organisation_id))
    screens, small_it = by_category["screens"], by_category["small_it"]
    assert (screens.stock_units, screens.units_reused) == (10, 7)
    assert screens.rate == Decimal("0.7")
    assert (small_it.stock_units, small_it.units_reused) == (20, 2)
    assert small_it.rate == Decimal("0.1")
    overall = queries.retired_reuse(year, buyer_id=donor.organisation_id)
    assert (overall.stock_units, overall.units_reused) == (30, 9)
    assert overall.rate == Decimal("0.3")


def test_retired_stock_needs_the_scope_confirmation(people):
    with pytest.raises(ValidationError) as caught:
        services.save_retired_stock(
            today().year, 10, None, by=people.donor, reen_category="screens", in_scope=False
        )
    assert caught.value.field == "in_scope"
    with pytest.raises(ValidationError) as caught:
        services.save_retired_stock(
            today().year, 10, None, by=people.donor, reen_category="printer", in_scope=True
        )
    assert caught.value.field == "reen_category"


def test_proof_is_served_to_its_buyer_and_the_coordinator_only(people, client):
    outcome = reen.record_outcome(_input(), png_bytes(), by=people.donor)
    db.session.commit()
    url = f"/acheteur/parc-reforme/sorties/{outcome.id}/justificatif"
    login(client, people.donor.email)
    page = client.get("/acheteur/parc-reforme/sorties").get_data(as_text=True)
    assert url in page
    served = client.get(url)
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert "attachment" in served.headers["Content-Disposition"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.get_data().startswith(b"\x89PNG")
    served.close()
    login(client, people.coordinator.email)
    response = client.get(url)
    assert response.status_code == 200
    response.close()
    login(client, people.other_buyer.email)
    assert client.get(url).status_code == 404
    assert (
        client.get(f"/acheteur/parc-reforme/sorties/{outcome.id + 1}/justificatif").status_code
        == 404
    )
    login(client, people.refurbisher.email)
    assert client.get(url).status_code in (403, 404)


def test_indicators_page_shows_the_rate_per_reen_category(people, client):
    year = today().year
    donor = people.donor
    services.save_retired_stock(year, 10, None, by=donor, reen_category="screens", in_scope=True)
    reen.record_outcome(_input(reen_category="screens", units=4), None, by=donor)
    db.session.commit()
    login(client, donor.email)
    page = client.get(f"/indicateurs?annee={year}").get_data(as_text=True)
    assert "Par catégorie REEN" in page
    assert "écrans de plus de 100 cm² (2°)" in page
    assert "40,0" in page  # 4 / 10
    export = client.get(f"/indicateurs/export/indicateurs.csv?annee={year}")
    assert export.status_code == 200
    assert "écrans de plus de 100 cm² (2°)" in export.get_data(as_text=True)
