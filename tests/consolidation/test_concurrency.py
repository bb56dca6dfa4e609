"""Consolidation and deliveries at the same time, on real connections (threads), each call
in its own unit of work as a request runs: one winner per state change, whose side effects
(purchase orders, stock returned, ledger rows, e-mails) are written once; the others get a
ConflictError (409), never a second write nor a database error. Same figures on SQLite and
PostgreSQL (NRHUB_TEST_BACKEND=postgresql).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from nrhub.audit.models import AuditEvent
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.catalog.models import Listing
from nrhub.consolidation import delivery_services, services
from nrhub.consolidation.models import (
    Allocation,
    Consolidation,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    PurchaseOrder,
)
from nrhub.errors import ConflictError
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from nrhub.mail.models import OutboxMail
from nrhub.transactions import unit_of_work
from tests import factories
from tests.consolidation import factories as f

SHIPPED = f.CONFIRMED_AT.date().replace(day=12)
RECEIVED = SHIPPED.replace(day=14)


def run_in_threads(app, jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Start every job at once, each in its own thread, app context and unit of work."""
    results: list[Any] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(jobs))

    def worker(job: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                barrier.wait()
                with unit_of_work():
                    results.append(job())
            except Exception as err:  # collected and asserted below
                errors.append(err)
            finally:
                db.session.remove()

    db.session.commit()  # the test's own transaction would hold SQLite's write lock
    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    db.session.expire_all()
    return results, errors


def count(model: Any, *where: Any) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def only_conflicts(errors: list[BaseException]) -> bool:
    return all(isinstance(err, ConflictError) for err in errors)


def confirm_job(campaign_id: int, user_id: int, notify: bool = True) -> Callable[[], Any]:
    def job() -> Any:
        campaign = db.session.get(Campaign, campaign_id)
        user = db.session.get(User, user_id)
        return services.confirm_consolidation(campaign, by=user, at=f.CONFIRMED_AT, notify=notify)

    return job


def ship_job(delivery_id: int, user_id: int, serials: str) -> Callable[[], Any]:
    def job() -> Any:
        delivery = db.session.get(Delivery, delivery_id)
        user = db.session.get(User, user_id)
        return services.ship_delivery(delivery, SHIPPED, serials, by=user).id

    return job


def receive_job(delivery_id: int, user_id: int) -> Callable[[], Any]:
    def job() -> Any:
        delivery = db.session.get(Delivery, delivery_id)
        user = db.session.get(User, user_id)
        quantities = dict(
            db.session.execute(
                select(DeliveryLine.id, DeliveryLine.quantity).where(
                    DeliveryLine.delivery_id == delivery_id
                )
            ).all()
        )
        return services.confirm_receipt(delivery, RECEIVED, quantities, None, by=user).id

    return job


def consolidated(world) -> list[Delivery]:
    f.run(
        services.confirm_consolidation,
        world.campaign,
        by=world.coordinator,
        at=f.CONFIRMED_AT,
        notify=False,
    )
    return list(db.session.execute(select(Delivery).order_by(Delivery.id)).scalars())


def person_of(world, organisation_id: int) -> User:
    return next(p for p in world.people.values() if p.organisation_id == organisation_id)


def test_parallel_confirmations_create_one_set_of_purchase_orders(app, world):
    campaign_id, user_id = world.campaign.id, world.coordinator.id
    results, errors = run_in_threads(app, [confirm_job(campaign_id, user_id) for _ in range(4)])

    assert errors == []
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert len({r.purchase_order_ids for r in results}) == 1
    assert len({r.consolidation_id for r in results}) == 1
    assert count(Consolidation) == 1
    assert count(PurchaseOrder) == 2
    assert count(Allocation) == 7
    assert count(Delivery) == 5
    # 12 unallocated monitors given back once: 10 free + 12.
    assert db.session.get(Listing, world.listings["monitor"].id).quantity == 22
    assert count(AuditEvent, AuditEvent.action == "campaign.consolidated") == 1
    # Three buyers and two refurbishers told once.
    assert count(OutboxMail) == 5
    assert db.session.get(Campaign, campaign_id).state == CampaignState.CONSOLIDATED


def test_two_campaigns_at_once_get_distinct_numbers(app, world):
    other = f.campaign("Campagne parallèle")
    offer = f.offer(other, factories.ListingFactory(refurbisher=world.refurbisher_b), 2)
    f.order(other, world.buyers[0], [(offer, 1)], f.at(0))
    db.session.commit()
    user_id = world.coordinator.id
    results, errors = run_in_threads(
        app,
        [
            confirm_job(world.campaign.id, user_id, notify=False),
            confirm_job(other.id, user_id, notify=False),
        ],
    )
    assert errors == []
    assert all(r.created for r in results)
    numbers = sorted(db.session.execute(select(PurchaseOrder.number)).scalars())
    assert numbers == ["BC-2026-0001", "BC-2026-0002", "BC-2026-0003"]


def test_parallel_shipments_of_one_delivery_ship_it_once(app, world):
    delivery = consolidated(world)[0]
    shipper = person_of(world, delivery.refurbisher_id)
    jobs = [ship_job(delivery.id, shipper.id, f"SN-{n}") for n in range(4)]
    results, errors = run_in_threads(app, jobs)

    assert results == [delivery.id]
    assert len(errors) == 3 and only_conflicts(errors), errors
    assert {str(err) for err in errors} == {"Cette livraison a déjà été expédiée."}
    assert delivery.status == DeliveryStatus.SHIPPED
    assert delivery.serial_numbers in {"SN-0", "SN-1", "SN-2", "SN-3"}
    assert count(AuditEvent, AuditEvent.action == "delivery.shipped") == 1
    assert count(OutboxMail) == 1
    assert world.campaign.state == CampaignState.IN_DELIVERY


def test_parallel_receipts_of_one_delivery_write_the_ledger_once(app, world):
    deliveries = consolidated(world)
    # Atelier A → Commune 1: 3 laptops at 210.00 and 5 monitors at 120.00.
    delivery = next(
        d
        for d in deliveries
        if (d.refurbisher_id, d.buyer_id) == (world.refurbisher_a.id, world.buyers[0].id)
    )
    f.run(
        services.ship_delivery,
        delivery,
        SHIPPED,
        None,
        by=world.people["refurbisher_a"],
        notify=False,
    )
    jobs = [receive_job(delivery.id, world.people["buyer1"].id) for _ in range(4)]
    results, errors = run_in_threads(app, jobs)

    assert results == [delivery.id]
    assert len(errors) == 3 and only_conflicts(errors), errors
    assert {str(err) for err in errors} == {"La réception de cette livraison a déjà été confirmée."}
    rows = db.session.execute(select(SpendEntry.quantity, SpendEntry.amount)).all()
    assert sorted(rows) == [(3, Decimal("630.00")), (5, Decimal("600.00"))]
    assert count(AuditEvent, AuditEvent.action == "delivery.received") == 1
    assert count(OutboxMail) == 1
    assert delivery.status == DeliveryStatus.RECEIVED


def test_the_last_receipts_in_parallel_finish_the_campaign(app, world, monkeypatch):
    """Each receipt sees the other one: whichever commits last marks the campaign done."""

    def slow_record(action: str, *args: Any, **kwargs: Any) -> Any:
        # Between the receipt's "is every delivery received?" and its commit: without the
        # campaign's lock, each of two receipts would see the other one still outstanding.
        event = record(action, *args, **kwargs)
        if action == "delivery.received":
            time.sleep(0.3)
        return event

    monkeypatch.setattr(delivery_services, "record", slow_record)
    deliveries = consolidated(world)
    for delivery in deliveries:
        f.run(
            services.ship_delivery,
            delivery,
            SHIPPED,
            None,
            by=person_of(world, delivery.refurbisher_id),
            notify=False,
        )
    # The last two share no ledger summary row (other buyers, other categories), so that
    # nothing but the campaign's own lock orders them.
    pair = {
        (world.refurbisher_a.id, world.buyers[2].id),
        (world.refurbisher_b.id, world.buyers[1].id),
    }
    last_a, last_b = [d for d in deliveries if (d.refurbisher_id, d.buyer_id) in pair]
    first = [d for d in deliveries if d not in (last_a, last_b)]
    for delivery in first:
        f.run(receive_job(delivery.id, person_of(world, delivery.buyer_id).id))
    jobs = [receive_job(d.id, person_of(world, d.buyer_id).id) for d in (last_a, last_b)]
    results, errors = run_in_threads(app, jobs)

    assert errors == []
    assert sorted(results) == sorted([last_a.id, last_b.id])
    assert count(Delivery, Delivery.status == DeliveryStatus.RECEIVED) == 5
    assert world.campaign.state == CampaignState.DONE
    total = db.session.execute(select(func.sum(SpendEntry.amount))).scalar_one()
    assert Decimal(total) == Decimal("4139.94")
