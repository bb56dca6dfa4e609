"""Widening the reach of unclaimed lots (the cron job behind ``flask donations widen``).

A lot first reaches the refurbishers of its department. When units are still unclaimed
``widen_after_days`` days (a hub setting) after its last change of reach, it reaches its
region, and after the same delay again every refurbisher of the hub. The refurbishers
newly reached are e-mailed (one message per refurbisher, after the commit). Each step is
a conditional UPDATE on the old reach, so two runs at once widen a lot once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from nrhub.db import rows_changed
from nrhub.donations.models import DonationLot, LotReach, LotStatus
from nrhub.donations.queries import reaches, refurbishers_reached, widen_after_days
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.mail import absolute_url, queue_mail
from nrhub.organisations.queries import member_recipients


@dataclass(frozen=True)
class Widened:
    lot_id: int
    reach: LotReach
    refurbishers: int
    emails: int


@dataclass
class WidenReport:
    widened: list[Widened] = field(default_factory=list)


REACH_LABELS = {
    LotReach.DEPARTMENT: _l("département"),
    LotReach.REGION: _l("région"),
    LotReach.ALL: _l("toute la centrale"),
}


def widen_lots(now: dt.datetime) -> WidenReport:
    """Widen every open lot with unclaimed units whose reach has not changed for the hub's
    delay; e-mail the refurbishers that now see it."""
    delay = dt.timedelta(days=widen_after_days())
    due = (
        db.session.execute(
            select(DonationLot)
            .where(
                DonationLot.status == LotStatus.OPEN,
                DonationLot.remaining_quantity > 0,
                DonationLot.reach != LotReach.ALL,
                DonationLot.reach_changed_at <= now - delay,
                DonationLot.available_until >= paris_date_of(now),
            )
            .options(selectinload(DonationLot.category), selectinload(DonationLot.donor))
            .order_by(DonationLot.id)
        )
        .scalars()
        .all()
    )
    report = WidenReport()
    for lot in due:
        old = LotReach(lot.reach)
        new = old.wider
        summary = {
            "lot_id": lot.id,
            "category": lot.category.label_fr,
            "donor": lot.donor.name,
            "remaining": lot.remaining_quantity,
            "age": lot.age_bracket,
            "city": lot.pickup_city,
            "department_code": lot.department_code,
            "available_until": lot.available_until,
        }
        if new is None:  # pragma: no cover  (filtered by the query)
            continue
        result = db.session.execute(
            update(DonationLot)
            .where(DonationLot.id == lot.id, DonationLot.reach == old)
            .values(reach=new, reach_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(result) != 1:  # another run widened it
            continue
        newly = [o for o in refurbishers_reached(lot, new) if not reaches(old, lot, o)]
        recipients = member_recipients(o.id for o in newly)
        for org_id in sorted(recipients):  # one message per refurbisher: no address is shared
            queue_mail(
                recipients[org_id],
                _l("Nouveau lot de réemploi à proximité : lot n° %(id)d", id=summary["lot_id"]),
                "donation_lot_widened",
                lot=summary,
                reach_label=REACH_LABELS[new],
                url=absolute_url("donations.detail", lot_id=summary["lot_id"]),
            )
        emails = sum(len(people) for people in recipients.values())
        report.widened.append(Widened(lot.id, new, len(newly), emails))
    return report
