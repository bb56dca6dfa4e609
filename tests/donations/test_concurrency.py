"""Two refurbishers claiming the last units at once: one wins, the other gets a clear
French message. Real connections, one app context, session and unit of work per thread,
on SQLite (its write lock serialises the claims) and on PostgreSQL
(NRHUB_TEST_BACKEND=postgresql: the lot's row lock and conditional UPDATE do)."""

from __future__ import annotations

import threading

from nrhub.auth.models import User
from nrhub.donations import services
from nrhub.donations.models import DonationClaim, DonationLot, LotReach
from nrhub.errors import ConflictError
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests.factories import RefurbisherFactory, UserFactory

THREADS = 8
ROUNDS = 5


def _race(app, lot_id: int, user_ids: list[int], quantity: int) -> tuple[int, list[str]]:  # type: ignore[no-untyped-def]
    db.session.commit()
    barrier = threading.Barrier(len(user_ids))
    wins: list[int] = []
    refusals: list[str] = []
    errors: list[BaseException] = []

    def runner(user_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                with unit_of_work():
                    by = db.session.get(User, user_id)
                    lot = db.session.get(DonationLot, lot_id)
                    services.claim_lot(lot, quantity, by=by)
                wins.append(user_id)
            except ConflictError as err:
                refusals.append(str(err))
            except BaseException as err:  # asserted in the main thread
                errors.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(u,)) for u in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return len(wins), refusals


def test_last_units_claimed_at_once_one_wins(app, people, make_lot):
    user_ids = [people.refurbisher.id, people.regional.id]
    for _round in range(ROUNDS):
        lot = make_lot(quantity=3)
        lot.reach = LotReach.REGION
        db.session.commit()
        wins, refusals = _race(app, lot.id, user_ids, 3)
        assert wins == 1
        assert refusals == [
            "Ce lot vient d'être entièrement réservé par un autre reconditionneur : "
            "il ne reste plus aucune unité."
        ]
        db.session.expire_all()
        assert db.session.get(DonationLot, lot.id).remaining_quantity == 0


def test_many_refurbishers_never_overclaim(app, people, make_lot):
    users = [
        UserFactory(
            organisation=RefurbisherFactory(department_code="35", region_code="53"),
        )
        for _ in range(THREADS)
    ]
    lot = make_lot(quantity=10)
    db.session.commit()
    wins, refusals = _race(app, lot.id, [u.id for u in users], 3)
    assert wins == 3  # 3 × 3 units; the fourth finds 1 unit left
    assert len(refusals) == THREADS - 3
    assert all("il ne reste que 1 unité" in r for r in refusals)
    db.session.expire_all()
    claimed_units = db.session.execute(
        db.select(db.func.sum(DonationClaim.quantity)).where(DonationClaim.lot_id == lot.id)
    ).scalar_one()
    assert claimed_units == 9
    assert db.session.get(DonationLot, lot.id).remaining_quantity == 1
