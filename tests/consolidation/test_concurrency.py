"""Confirming at the same time, on real connections (threads): nothing doubled, numbers unique."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign
from nrhub.consolidation import services
from nrhub.consolidation.models import Allocation, Consolidation, PurchaseOrder
from nrhub.extensions import db
from tests import factories
from tests.consolidation import factories as f


def run_in_threads(app, jobs):
    results, errors = [], []
    barrier = threading.Barrier(len(jobs))

    def worker(job):
        with app.app_context():
            try:
                barrier.wait()
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
        thread.join(timeout=60)
    return results, errors


def confirm_job(campaign_id: int, user_id: int):
    def job():
        campaign = db.session.get(Campaign, campaign_id)
        user = db.session.get(User, user_id)
        return services.confirm_consolidation(campaign, by=user, notify=False)

    return job


def test_two_confirmations_of_one_campaign_write_it_once(app, world):
    campaign_id, user_id = world.campaign.id, world.coordinator.id
    results, errors = run_in_threads(
        app, [confirm_job(campaign_id, user_id), confirm_job(campaign_id, user_id)]
    )
    assert errors == []
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].purchase_order_ids == results[1].purchase_order_ids
    db.session.expire_all()
    assert db.session.execute(select(func.count(Consolidation.id))).scalar_one() == 1
    assert db.session.execute(select(func.count(Allocation.id))).scalar_one() == 7


def test_two_campaigns_at_once_get_distinct_numbers(app, world):
    other = f.campaign("Campagne parallèle")
    offer = f.offer(other, factories.ListingFactory(refurbisher=world.refurbisher_b), 2)
    f.order(other, world.buyers[0], [(offer, 1)], f.at(0))
    db.session.commit()
    user_id = world.coordinator.id
    results, errors = run_in_threads(
        app, [confirm_job(world.campaign.id, user_id), confirm_job(other.id, user_id)]
    )
    assert errors == []
    assert all(r.created for r in results)
    numbers = sorted(db.session.execute(select(PurchaseOrder.number)).scalars())
    year = numbers[0][3:7]
    assert numbers == [f"BC-{year}-0001", f"BC-{year}-0002", f"BC-{year}-0003"]
