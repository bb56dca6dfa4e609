"""Invoices raced over HTTP on gunicorn workers: of several requests invoicing the same
received units at once (each with its own number), exactly one is 201, the others 409, and
the delivery's lines are invoiced once."""

from __future__ import annotations

from sqlalchemy import func, select

from nrhub.consolidation.models import DeliveryLine
from nrhub.extensions import db
from nrhub.formatting import paris_today
from nrhub.invoices.models import Invoice
from tests.consolidation.factories import scenario
from tests.invoices.helpers import consolidated, delivery_of, ship_and_receive
from tests.races.conftest import api_call, commit_setup, race, statuses, token_for

COPIES = 6


def test_parallel_invoices_of_the_same_received_units_make_one_invoice(app, race_server):  # type: ignore[no-untyped-def]
    world = scenario()
    consolidated(world)
    delivery = delivery_of(world, "a", 1)
    ship_and_receive(world, delivery)
    token = token_for(world.people["refurbisher_a"])
    calls = [
        api_call(
            race_server,
            token,
            "POST",
            f"/deliveries/{delivery.id}/invoices",
            json={"number": f"FA-RACE-{n}", "issued_on": paris_today().isoformat()},
        )
        for n in range(COPIES)
    ]
    commit_setup()

    responses = race(calls)

    assert statuses(responses) == [201] + [409] * (COPIES - 1)
    db.session.expire_all()
    assert db.session.execute(select(func.count(Invoice.id))).scalar_one() == 1
    invoiced, received = db.session.execute(
        select(
            func.sum(DeliveryLine.invoiced_quantity), func.sum(DeliveryLine.received_quantity)
        ).where(DeliveryLine.delivery_id == delivery.id)
    ).one()
    assert invoiced == received == 8
