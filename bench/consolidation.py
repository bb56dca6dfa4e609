"""Benchmarks of the consolidation area.

- ``consolidate_20k_lines_s``: confirming a campaign of 1,000 buyers × 20 lines over 500
  offers (demand above the committed quantity on half of them), without e-mails: the unit
  of work a request runs, from the first read to the commit (target ≤ 2 s);
- ``consolidate_20k_lines_with_mail_s``: the same with its e-mails to the 1,000 buyers and
  25 refurbishers, as a production request queues them (``MAIL_SEND_AT_ONCE`` off): each
  message's data (its lines and amounts) built and written to the outbox table inside the
  unit of work, in one INSERT; the request neither renders nor sends them: the cron's
  ``flask mail send`` does, off the request (target ≤ 1.3 × the figure without e-mails);
- ``consolidation_mail_send_s``: that later work of the sender for one consolidation's
  e-mails (``send_outbox``: claim, render each body in its language, send to the
  in-memory mail backend, mark sent with the body), off the request;
- ``consolidate_scaling_ratio``: time at 20,000 lines / time at 2,000 lines (target ≤ 12).

Data are built with bulk inserts; each figure is the median of a few runs, each on a fresh
campaign.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from decimal import Decimal
from inspect import signature
from typing import Any

from sqlalchemy import func, insert, select

from bench.common import bench_app, note, report
from nrhub.auth.models import User
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignOfferTier,
    CampaignState,
    OfferStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from nrhub.catalog.models import Category, Listing
from nrhub.consolidation.services import ConsolidationResult, confirm_consolidation
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.mail import send_outbox
from nrhub.mail.models import OutboxMail
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus
from nrhub.transactions import unit_of_work

LINES_PER_BUYER = 20
REFURBISHERS = 25
RUNS = 3


class _World:
    """Organisations and listings shared by every benchmark campaign."""

    def __init__(self, buyers: int, listings: int) -> None:
        self.rng = random.Random(2026)
        now = utcnow()
        org = Organisation.__table__
        base = {
            "address": "1 rue du Banc d'essai",
            "postcode": "35000",
            "city": "Rennes",
            "department_code": "35",
            "region_code": "53",
            "status": OrgStatus.ACTIVE.value,
            "created_at": now,
        }

        def orgs(kind: OrgKind, count: int, offset: int) -> list[int]:
            rows = [
                {
                    **base,
                    "kind": kind.value,
                    "name": f"{kind.value} {n}",
                    "siret": f"{offset + n:014d}",
                    "contact_email": f"{kind.value}{n}@bench.fr",
                }
                for n in range(count)
            ]
            result = db.session.execute(
                insert(org).returning(org.c.id, sort_by_parameter_order=True), rows
            )
            return [row[0] for row in result]

        (hub,) = orgs(OrgKind.HUB, 1, 0)
        self.refurbishers = orgs(OrgKind.REFURBISHER, REFURBISHERS, 1000)
        self.buyers = orgs(OrgKind.BUYER, buyers, 100_000)
        people = [(hub, "coordination@bench.fr")]
        people += [(r, f"r{n}@bench.fr") for n, r in enumerate(self.refurbishers)]
        people += [(b, f"b{n}@bench.fr") for n, b in enumerate(self.buyers)]
        db.session.execute(
            insert(User.__table__),
            [
                {
                    "email": email,
                    "name": email,
                    "password_hash": "x",
                    "organisation_id": org_id,
                    "session_token": f"token-{n}",
                    "created_at": now,
                }
                for n, (org_id, email) in enumerate(people)
            ],
        )
        categories = list(db.session.execute(select(Category.id)).scalars())
        table = Listing.__table__
        rows = [
            {
                "refurbisher_id": self.refurbishers[n % REFURBISHERS],
                "category_id": categories[n % len(categories)],
                "sku": f"BENCH-{n:05d}",
                "brand": "Marque",
                "model": f"Modèle {n}",
                "description": "",
                "grade": "A",
                "state": "refurbished",
                "quantity": 10_000,
                "unit_price": 10_000 + 100 * (n % 200),  # cents
                "vat_rate": Decimal("20.00"),
                "warranty_months": 12,
                "status": "published",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(listings)
        ]
        result = db.session.execute(
            insert(table).returning(
                table.c.id, table.c.refurbisher_id, sort_by_parameter_order=True
            ),
            rows,
        )
        self.listings = [(row[0], row[1]) for row in result]
        db.session.commit()
        self.coordinator = db.session.execute(
            select(User).where(User.email == "coordination@bench.fr")
        ).scalar_one()

    def campaign(self, buyers: int, offers: int) -> Campaign:
        """A closed campaign: ``buyers`` × 20 lines over ``offers`` offers, half of them short."""
        now = utcnow()
        campaign = Campaign(
            title=f"Campagne de banc d'essai {self.rng.random()}",
            opens_at=now - dt.timedelta(days=30),
            closes_at=now - dt.timedelta(days=1),
            state=CampaignState.CLOSED,
        )
        db.session.add(campaign)
        db.session.flush()
        # 20 lines of 1–5 units per buyer: about 120 units asked per offer.
        table = CampaignOffer.__table__
        offer_rows = [
            {
                "campaign_id": campaign.id,
                "listing_id": listing_id,
                "refurbisher_id": refurbisher_id,
                "committed_quantity": 60 if n % 2 else 400,
                "unit_price": 15_000,
                "status": OfferStatus.ACCEPTED.value,
                "created_at": now,
            }
            for n, (listing_id, refurbisher_id) in enumerate(self.listings[:offers])
        ]
        offer_ids = [
            row[0]
            for row in db.session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), offer_rows
            )
        ]
        db.session.execute(
            insert(CampaignOfferTier.__table__),
            [
                {"offer_id": offer_id, "min_quantity": minimum, "unit_price": price}
                for offer_id in offer_ids[::3]
                for minimum, price in ((20, 14_000), (100, 13_000))
            ],
        )
        table = Order.__table__
        order_rows = [
            {
                "campaign_id": campaign.id,
                "buyer_id": buyer_id,
                "status": OrderStatus.ACTIVE.value,
                "created_at": now,
                "updated_at": now - dt.timedelta(seconds=self.rng.randrange(86_400)),
            }
            for buyer_id in self.buyers[:buyers]
        ]
        order_ids = [
            row[0]
            for row in db.session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), order_rows
            )
        ]
        line_rows: list[dict[str, Any]] = []
        for order_id in order_ids:
            for offer_id in self.rng.sample(offer_ids, LINES_PER_BUYER):
                line_rows.append(
                    {
                        "order_id": order_id,
                        "offer_id": offer_id,
                        "quantity": self.rng.randint(1, 5),
                        "updated_at": now,
                    }
                )
        db.session.execute(insert(OrderLine.__table__), line_rows)
        db.session.commit()
        return campaign


def _confirm(campaign: Campaign, by: User, notify: bool) -> ConsolidationResult:
    """The confirmation as one request runs it: one unit of work, e-mails queued in the
    outbox table inside it (``MAIL_SEND_AT_ONCE`` off, as in production: nothing is
    rendered or sent after the commit; the cron's sender does it)."""
    kwargs = {"notify": notify} if "notify" in signature(confirm_consolidation).parameters else {}
    with unit_of_work():
        return confirm_consolidation(campaign, by=by, **kwargs)


def _time_consolidation(
    world: _World, buyers: int, offers: int, runs: int = RUNS, notify: bool = False
) -> float:
    timings = []
    for _ in range(runs):
        campaign = world.campaign(buyers, offers)
        db.session.expire_all()
        campaign = db.session.get(Campaign, campaign.id)
        start = time.perf_counter()
        result = _confirm(campaign, world.coordinator, notify)
        timings.append(time.perf_counter() - start)
        assert result.created and result.purchase_order_ids
    return statistics.median(timings)


def _outbox_size() -> int:
    return int(db.session.execute(select(func.count()).select_from(OutboxMail)).scalar_one())


def run() -> None:
    with bench_app(MAIL_SEND_AT_ONCE=False):
        world = _World(buyers=1000, listings=500)
        large = _time_consolidation(world, 1000, 500)
        small = _time_consolidation(world, 100, 50)
        if _outbox_size():
            note("WARNING: the consolidation queued e-mails although asked not to notify")
        report("consolidate_20k_lines_s", large, "s")
        report("consolidate_scaling_ratio", large / small, "x")
        with_mail = _time_consolidation(world, 1000, 500, notify=True)
        queued = _outbox_size()
        if not queued:
            raise RuntimeError("bench consolidation: no e-mail queued by the consolidations")
        report("consolidate_20k_lines_with_mail_s", with_mail, "s")
        note(f"{queued // RUNS} e-mails queued per consolidation, rendered and sent by the cron")
        start = time.perf_counter()
        sent = send_outbox()
        elapsed = time.perf_counter() - start
        assert sent == queued, (sent, queued)
        report("consolidation_mail_send_s", elapsed / RUNS, "s")


if __name__ == "__main__":
    run()
