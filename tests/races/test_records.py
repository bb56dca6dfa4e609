"""Records raced over HTTP on gunicorn workers: a credit note, units recorded as never
delivered, a buyer's commitment and a declaration marked as published each change the
books once, whichever of the simultaneous requests gets there first."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from nrhub.commitments.models import BuyerCommitment
from nrhub.consolidation import services as consolidation
from nrhub.consolidation.models import Delivery, DeliveryLine, PurchaseOrder
from nrhub.extensions import db
from nrhub.formatting import paris_today
from nrhub.invoices.models import Invoice, InvoiceKind, InvoiceLine
from nrhub.invoices.services import issue_invoice
from nrhub.stats.models import DeclarationStatus
from tests.consolidation import factories as f
from tests.consolidation.factories import scenario
from tests.invoices.helpers import consolidated, delivery_of, ship_and_receive
from tests.races.conftest import api_call, commit_setup, race, statuses, token_for
from tests.races.test_ledger_donations import browser, copies

COPIES = 6


def test_parallel_credit_notes_of_the_same_units_credit_them_once(app, race_server):  # type: ignore[no-untyped-def]
    world = scenario()
    consolidated(world)
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    refurbisher = world.people["refurbisher_a"]
    invoice = f.run(issue_invoice, delivery, "FA-2026-1", paris_today(), by=refurbisher)
    line = (
        db.session.execute(
            select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.id)
        )
        .scalars()
        .first()
    )
    assert line is not None
    invoice_id, line_id, units = invoice.id, line.id, line.quantity
    token = token_for(refurbisher)
    calls = [
        api_call(
            race_server,
            token,
            "POST",
            f"/invoices/{invoice_id}/credit-notes",
            json={
                "number": f"AV-RACE-{n}",
                "issued_on": paris_today().isoformat(),
                "reason": "Unités refusées à la livraison",
                "lines": [{"line_id": line_id, "quantity": units}],
            },
        )
        for n in range(COPIES)
    ]
    commit_setup()

    responses = race(calls)

    # The others find nothing left to credit on that line: a field error, nothing written.
    assert statuses(responses) == [201] + [422] * (COPIES - 1)
    db.session.expire_all()
    credited = db.session.execute(
        select(func.sum(InvoiceLine.quantity))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.kind == InvoiceKind.CREDIT_NOTE, Invoice.credited_invoice_id == invoice_id)
    ).scalar_one()
    assert credited == units


def test_parallel_not_delivered_records_close_the_delivery_once(app, race_server):  # type: ignore[no-untyped-def]
    world = scenario()
    consolidated(world)
    delivery = delivery_of(world, "a", 1)
    f.run(
        consolidation.ship_delivery,
        delivery,
        paris_today(),
        None,
        by=world.people["refurbisher_a"],
        notify=False,
    )
    delivery_id, order_id = delivery.id, delivery.purchase_order_id
    units = db.session.execute(
        select(func.sum(DeliveryLine.quantity)).where(DeliveryLine.delivery_id == delivery_id)
    ).scalar_one()
    delivery_total = db.session.get(Delivery, delivery_id).total_ht  # type: ignore[union-attr]
    order_total = db.session.get(PurchaseOrder, order_id).total_ht  # type: ignore[union-attr]
    token = token_for(world.people["buyer1"])
    calls = [
        api_call(
            race_server,
            token,
            "POST",
            f"/deliveries/{delivery_id}/not-delivered",
            json={"reason": f"Transporteur en faillite ({n})"},
        )
        for n in range(COPIES)
    ]
    commit_setup()

    responses = race(calls)

    assert statuses(responses) == [200] + [409] * (COPIES - 1)
    db.session.expire_all()
    missing = db.session.execute(
        select(func.sum(DeliveryLine.not_delivered_quantity)).where(
            DeliveryLine.delivery_id == delivery_id
        )
    ).scalar_one()
    assert missing == units
    # The amounts drop by the missing units once: the delivery's to zero, the order's by as much.
    delivery_after = db.session.get(Delivery, delivery_id)
    order_after = db.session.get(PurchaseOrder, order_id)
    assert delivery_after is not None and order_after is not None
    assert delivery_after.total_ht == Decimal("0.00")
    assert order_after.total_ht == order_total - delivery_total


def test_parallel_first_commitments_of_one_buyer_keep_one_row(app, race_server):  # type: ignore[no-untyped-def]
    world = scenario()
    campaign_id = world.campaign.id
    token = token_for(world.people["buyer1"])
    sent = [f"EJ-2026-{n:05d}" for n in range(COPIES)]
    calls = [
        api_call(
            race_server,
            token,
            "PUT",
            f"/campaigns/{campaign_id}/commitment",
            json={
                "engagement_number": number,
                "budget_nature": "2183",
                "budget_chapter": "21",
                "service_code": None,
                "delivery_address": "Mairie, 1 place de la Mairie, 35500 Vitré",
            },
        )
        for number in sent
    ]
    commit_setup()

    responses = race(calls)

    # A PUT states the whole record: each one is applied in turn, none is refused.
    assert statuses(responses) == [200] * COPIES
    db.session.expire_all()
    rows = list(
        db.session.execute(
            select(BuyerCommitment).where(BuyerCommitment.campaign_id == campaign_id)
        ).scalars()
    )
    assert len(rows) == 1
    assert rows[0].engagement_number in sent


def test_parallel_declarations_marked_published_keep_the_first(app, race_server):  # type: ignore[no-untyped-def]
    world = scenario()
    buyer = world.people["buyer1"]
    buyer_org = buyer.organisation_id
    year = paris_today().year - 1
    session = browser(race_server, buyer)
    page = session.get(f"{race_server.url}/indicateurs?annee={year}", timeout=60)
    assert page.status_code == 200, page.text[:500]
    token = page.text.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    tabs = copies(session, COPIES)
    calls = [
        (
            lambda tab=tab: tab.post(
                f"{race_server.url}/indicateurs/declaration/{year}/publiee",
                data={"csrf_token": token},
                allow_redirects=False,
                timeout=60,
            )
        )
        for tab in tabs
    ]

    responses = race(calls)

    # One tab is sent back to the dashboard; the others are told it is already done.
    assert statuses(responses) == [302] + [409] * (COPIES - 1)
    assert all("déjà marquée" in r.text for r in responses if r.status_code == 409)
    db.session.expire_all()
    status = db.session.get(DeclarationStatus, (buyer_org, year))
    assert status is not None and status.done_at is not None
    assert status.done_by_id == buyer.id
    rows = db.session.execute(
        select(func.count())
        .select_from(DeclarationStatus)
        .where(DeclarationStatus.buyer_id == buyer_org)
    ).scalar_one()
    assert rows == 1
