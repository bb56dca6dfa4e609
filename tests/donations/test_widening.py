"""Widening the reach of unclaimed lots: the service and the cron command."""

from __future__ import annotations

import datetime as dt

from nrhub.db import utcnow
from nrhub.donations import services
from nrhub.donations.models import DonationLot, LotReach
from nrhub.donations.widening import widen_lots
from nrhub.extensions import db
from tests.donations.conftest import outbox


def reach_of(lot_id: int) -> LotReach:
    db.session.expire_all()
    return LotReach(db.session.get(DonationLot, lot_id).reach)  # type: ignore[union-attr]


def test_lot_widens_department_region_all_after_the_hub_delay(app, people, make_lot):
    services.save_settings(3, by=people.coordinator)
    lot = make_lot()
    start = lot.reach_changed_at
    assert widen_lots(start + dt.timedelta(days=2, hours=23)).widened == []
    assert reach_of(lot.id) == LotReach.DEPARTMENT

    report = widen_lots(start + dt.timedelta(days=3))
    assert [(w.lot_id, w.reach, w.refurbishers) for w in report.widened] == [
        (lot.id, LotReach.REGION, 1)
    ]
    assert reach_of(lot.id) == LotReach.REGION
    mail = outbox(app)[-1]
    assert mail.to == ["brest@example.fr"]  # only the newly reached refurbisher
    assert "Commune de Vitré" in mail.body and f"/dons/{lot.id}" in mail.body

    # The delay counts again from the widening.
    assert widen_lots(start + dt.timedelta(days=5)).widened == []
    report = widen_lots(start + dt.timedelta(days=6))
    assert [(w.reach, w.refurbishers, w.emails) for w in report.widened] == [(LotReach.ALL, 1, 1)]
    assert outbox(app)[-1].to == ["nantes@example.fr"]
    assert widen_lots(start + dt.timedelta(days=30)).widened == []


def test_fully_claimed_or_withdrawn_lots_do_not_widen(app, people, make_lot):
    claimed_lot = make_lot(quantity=2)
    services.claim_lot(claimed_lot, 2, by=people.refurbisher)
    withdrawn = make_lot()
    services.withdraw_lot(withdrawn, by=people.donor)
    assert widen_lots(utcnow() + dt.timedelta(days=8)).widened == []
    assert reach_of(claimed_lot.id) == LotReach.DEPARTMENT


def test_partly_claimed_lot_widens_with_its_remaining_units(app, people, make_lot):
    lot = make_lot(quantity=5)
    services.claim_lot(lot, 2, by=people.refurbisher)
    report = widen_lots(utcnow() + dt.timedelta(days=7, minutes=1))  # default delay: 7 days
    assert [w.reach for w in report.widened] == [LotReach.REGION]
    assert "Unités disponibles : 3" in outbox(app)[-1].body


def test_widen_command(app, people, make_lot):
    lot = make_lot()
    lot.reach_changed_at = utcnow() - dt.timedelta(days=8)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["donations", "widen"])
    assert result.exit_code == 0, result.output
    assert f"Lot n° {lot.id} : diffusion élargie (region)" in result.output
    assert reach_of(lot.id) == LotReach.REGION
    result = runner.invoke(args=["donations", "widen"])
    assert "Aucun lot à élargir." in result.output
