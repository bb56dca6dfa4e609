"""Membership agreements: a buyer orders only under one in force; the coordination records
them with their signed copy and sees who is covered and until when."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nrhub.agreements import memberships
from nrhub.agreements.models import MembershipAgreement
from nrhub.campaigns import orders as order_services
from nrhub.campaigns.models import CampaignState, Order
from nrhub.db import utcnow
from nrhub.errors import ConflictError, PermissionDeniedError
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.transactions import unit_of_work
from tests import factories
from tests.api.conftest import bearer
from tests.conftest import login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _buyer_without_membership() -> factories.User:  # type: ignore[name-defined]
    user = factories.UserFactory(
        email="redon@example.fr",
        organisation=factories.BuyerFactory(name="Commune de Redon", membership=False),
    )
    db.session.commit()
    return user


def _orders_of(org_id: int) -> int:
    return int(
        db.session.scalar(select(func.count()).select_from(Order).where(Order.buyer_id == org_id))
        or 0
    )


@pytest.fixture
def open_offer(people, make_campaign, listing, make_offer):  # type: ignore[no-untyped-def]
    campaign = make_campaign(CampaignState.OPEN)
    return campaign, make_offer(campaign, listing)


def test_buyer_without_membership_cannot_order(app, open_offer):  # type: ignore[no-untyped-def]
    campaign, offer = open_offer
    buyer = _buyer_without_membership()
    with pytest.raises(ConflictError, match="convention d'adhésion en vigueur"), unit_of_work():
        order_services.place_order(campaign, {offer.id: 2}, by=buyer)
    assert _orders_of(buyer.organisation_id) == 0


@pytest.mark.parametrize(
    ("signed", "ends", "covered"),
    [
        (-400, -1, False),  # ended yesterday
        (3, None, False),  # signed in three days
        (-400, 0, True),  # ends today (included)
        (0, None, True),  # signed today, no end
    ],
)
def test_membership_in_force_from_signature_to_end_date(  # type: ignore[no-untyped-def]
    app, open_offer, signed, ends, covered
):
    campaign, offer = open_offer
    buyer = _buyer_without_membership()
    today = paris_date_of(utcnow())
    db.session.add(
        MembershipAgreement(
            buyer_id=buyer.organisation_id,
            text_version="v1",
            signed_on=today + dt.timedelta(days=signed),
            ends_on=today + dt.timedelta(days=ends) if ends is not None else None,
            signatory_name="M. le Maire",
            signatory_role="Maire",
        )
    )
    db.session.commit()
    if covered:
        with unit_of_work():
            order_services.place_order(campaign, {offer.id: 2}, by=buyer)
        assert _orders_of(buyer.organisation_id) == 1
    else:
        with pytest.raises(ConflictError), unit_of_work():
            order_services.place_order(campaign, {offer.id: 2}, by=buyer)
        assert _orders_of(buyer.organisation_id) == 0


def test_api_order_refused_with_the_french_message(app, client, open_offer):  # type: ignore[no-untyped-def]
    campaign, offer = open_offer
    buyer = _buyer_without_membership()
    response = client.put(
        f"/api/v1/campaigns/{campaign.id}/order",
        json={"lines": [{"offer_id": offer.id, "quantity": 1}]},
        headers=bearer(buyer),
    )
    assert response.status_code == 409
    assert "convention d'adhésion" in response.get_json()["detail"]


def test_campaign_page_tells_an_uncovered_buyer(app, client, open_offer):  # type: ignore[no-untyped-def]
    campaign, _offer = open_offer
    buyer = _buyer_without_membership()
    login(client, buyer.email)
    html = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert "pas de convention d'adhésion en vigueur" in html


def test_campaign_page_says_nothing_to_a_covered_buyer(app, client, people, open_offer):  # type: ignore[no-untyped-def]
    campaign, _offer = open_offer
    login(client, people.buyer.email)
    html = client.get(f"/campagnes/{campaign.id}").get_data(as_text=True)
    assert "pas de convention d'adhésion en vigueur" not in html


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "text_version": "Convention v2",
        "signed_on": "2026-02-03",
        "signatory_name": "Isabelle Le Goff",
        "signatory_role": "Maire",
        "deliberation_reference": "DEL-2026-014",
        "ends_on": "2030-12-31",
        "document": (io.BytesIO(PDF), "convention.pdf"),
    }
    data.update(overrides)
    return data


def test_coordinator_records_a_membership_with_its_signed_copy(app, client, people):  # type: ignore[no-untyped-def]
    buyer = _buyer_without_membership()
    login(client, people.coordinator.email)
    listing_html = client.get("/adhesions/").get_data(as_text=True)
    assert "Commune de Redon" in listing_html and "Non couverte" in listing_html
    response = client.post(
        f"/adhesions/nouvelle/{buyer.organisation_id}",
        data=_form(),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    agreement = db.session.execute(
        select(MembershipAgreement).where(MembershipAgreement.buyer_id == buyer.organisation_id)
    ).scalar_one()
    assert agreement.deliberation_reference == "DEL-2026-014"
    assert agreement.ends_on == dt.date(2030, 12, 31)
    stored = Path(app.config["UPLOAD_DIR"]) / "conventions" / str(agreement.document_name)
    assert stored.read_bytes() == PDF
    html = client.get("/adhesions/").get_data(as_text=True)
    assert "31/12/2030" in html
    download = client.get(f"/adhesions/{agreement.id}/convention.pdf")
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    download.close()
    client.get("/deconnexion")
    login(client, buyer.email)
    own = client.get("/adhesions/").get_data(as_text=True)
    assert "Convention v2" in own and "31/12/2030" in own
    again = client.get(f"/adhesions/{agreement.id}/convention.pdf")
    assert again.data == PDF
    again.close()


def test_a_file_that_is_not_a_pdf_is_refused_and_nothing_written(app, client, people):  # type: ignore[no-untyped-def]
    buyer = _buyer_without_membership()
    login(client, people.coordinator.email)
    response = client.post(
        f"/adhesions/nouvelle/{buyer.organisation_id}",
        data=_form(document=(io.BytesIO(b"MZ\x90\x00 not a pdf"), "convention.pdf")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "pas un PDF" in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(MembershipAgreement)
            .where(MembershipAgreement.buyer_id == buyer.organisation_id)
        )
        == 0
    )


def test_end_before_signature_is_refused_next_to_the_field(app, client, people):  # type: ignore[no-untyped-def]
    buyer = _buyer_without_membership()
    login(client, people.coordinator.email)
    response = client.post(
        f"/adhesions/nouvelle/{buyer.organisation_id}",
        data=_form(ends_on="2025-01-01", document=(io.BytesIO(b""), "")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "ne peut pas précéder sa signature" in response.get_data(as_text=True)


def test_other_people_cannot_read_nor_write_a_membership(app, client, people):  # type: ignore[no-untyped-def]
    own = db.session.execute(
        select(MembershipAgreement).where(
            MembershipAgreement.buyer_id == people.buyer.organisation_id
        )
    ).scalar_one()
    login(client, people.other_buyer.email)
    assert client.get(f"/adhesions/{own.id}/convention.pdf").status_code == 404
    assert client.get(f"/adhesions/{own.id}/modifier").status_code == 403
    assert client.get(f"/adhesions/nouvelle/{people.buyer.organisation_id}").status_code == 403
    assert "Commune de Vitré" not in client.get("/adhesions/").get_data(as_text=True)
    client.get("/deconnexion")
    login(client, people.refurbisher.email)
    assert client.get("/adhesions/").status_code == 403


def test_only_the_coordination_records_memberships(app, people):  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDeniedError):
        memberships.record_membership(
            people.buyer.organisation_id,
            memberships.MembershipData("v1", dt.date(2026, 1, 1), "X", "Maire"),
            None,
            by=people.buyer,
        )


def test_a_stale_edit_is_refused(app, client, people):  # type: ignore[no-untyped-def]
    agreement = db.session.execute(
        select(MembershipAgreement).where(
            MembershipAgreement.buyer_id == people.buyer.organisation_id
        )
    ).scalar_one()
    login(client, people.coordinator.email)
    response = client.post(
        f"/adhesions/{agreement.id}/modifier",
        data=_form(version="2000-01-01T00:00:00+00:00", document=(io.BytesIO(b""), "")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(MembershipAgreement, agreement.id).text_version == "2026-01"  # type: ignore[union-attr]
