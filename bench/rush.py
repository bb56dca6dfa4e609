"""Campaign rush: the last hour of a campaign, many buyers changing orders while others browse.

gunicorn (2 workers, production settings) serves the bench database: the catalogue bench's
50,000 listings, one open campaign with 100 accepted offers (half of them with little
committed stock, so that demand goes beyond it) and 200 buyers, each with its own session
(signed as the login form signs it) and API token, and an order of 10 lines. ``wrk`` then
runs ``bench/rush.lua`` with 50 connections for 20 s: 80 % reads (catalogue pages drawn
from 60 filter combinations, anonymous or as a buyer; the campaign page as a buyer) and 20 %
order changes (``PUT /api/v1/campaigns/{id}/order``, three lines, each buyer with its own
token). ``/sante`` is loaded the same way first: the ceiling of this server in this run.
Not counted, first: each catalogue address asked a few times (anonymous and as a member)
and a run of the same script (``BENCH_RUSH_WARMUP``, 3 s), which fill the workers' caches
as hours of service would have.

- ``http_rush_rps``, ``http_rush_p99_ms``, ``http_rush_cpu_ms`` (workers' CPU per request);
- ``http_rush_ratio``: ``http_rush_rps`` / ``http_rush_hello_rps`` (target ≥ 0.15);
- ``http_rush_errors``: every answer other than 200, 5xx or 4xx, on a read or on an order
  change, socket errors and timeouts included; except a 409 on an order change that the
  application refuses because of the campaign's state (an offer sold out, closed): those
  are counted in ``http_rush_conflicts``, and their French messages printed. A 409 of the
  unit of work itself (deadlock retried in vain, concurrent duplicate) is an error;
- ``rush_oversold_units``: after the run the campaign is closed and consolidated (demand
  above an offer's committed quantity is shared pro rata there, by design), then the
  database is checked: units allocated beyond an offer's committed quantity, plus any free
  stock below zero (target 0).

Settings: ``BENCH_RUSH_DURATION`` (default ``20s``), ``BENCH_RUSH_WARMUP`` (``3s``),
``BENCH_RUSH_CONNECTIONS`` (50).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update

from bench.common import analyze, bench_app, note, report
from bench.consolidation import _confirm
from bench.rush_data import BUYERS, RushWorld, _build, catalogue_urls, session_cookie
from bench.server import (
    HELLO_URL,
    USER_AGENT,
    WORKERS,
    Server,
    expect_ok,
    get,
    gunicorn,
    require_wrk,
    run_wrk,
    workers_cpu_seconds,
)
from nrhub.auth.models import User
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignState,
)
from nrhub.campaigns.queries import pooled_quantities
from nrhub.catalog.models import Category, Listing
from nrhub.consolidation.models import Allocation
from nrhub.db import utcnow
from nrhub.extensions import db

THREADS = 2
DURATION = os.environ.get("BENCH_RUSH_DURATION", "20s")
WARMUP = os.environ.get("BENCH_RUSH_WARMUP", "3s")
HELLO_DURATION = "10s"
CONNECTIONS = int(os.environ.get("BENCH_RUSH_CONNECTIONS", "50"))
SCRIPT = Path(__file__).with_name("rush.lua")
# 409 answers of the unit of work itself (nrhub/transactions.py) and of one buyer's order
# created twice at once: the bench never sends those on purpose, so they are errors.
UNEXPECTED_CONFLICTS = (
    "Trop d'opérations simultanées",
    "Une opération concurrente",
    "vient d'enregistrer une commande",
)


def run() -> None:
    wrk = require_wrk()
    with bench_app(MAIL_SEND_AT_ONCE=False) as app:
        started = time.perf_counter()
        world = _build()
        analyze()
        note(f"rush data built in {time.perf_counter() - started:.1f} s")
        database_url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.commit()
        with gunicorn(database_url) as server, tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            _write_inputs(app, server, world, data)
            db.session.remove()
            db.engine.dispose()  # no connection of ours held during the run
            _measure(wrk, server, world, data)
        _report_stock(world)


def _write_inputs(app: Flask, server: Server, world: RushWorld, data: Path) -> None:
    lines = []
    for user_id, token in world.buyers:
        user = db.session.get(User, user_id)
        assert user is not None
        lines.append(f"{session_cookie(app, server.secret_key, user)}\t{token}")
    (data / "buyers.tsv").write_text("\n".join(lines) + "\n")
    categories = sorted(db.session.execute(select(Category.code)).scalars())
    urls = catalogue_urls(categories)
    (data / "catalogue.txt").write_text("\n".join(urls) + "\n")
    (data / "offers.txt").write_text("\n".join(map(str, world.offer_ids)) + "\n")
    (data / "campaign.txt").write_text(f"{world.campaign_id}\n")


# ----------------------------------------------------------------------------- run


@dataclass
class RushCounts:
    """What ``rush.lua`` counted: totals, answers by (kind, status), refusal messages."""

    requests: int = 0
    duration_s: float = 0.0
    p99_ms: float = 0.0
    socket_errors: int = 0
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    details: Counter[tuple[int, str]] = field(default_factory=Counter)

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def unexpected_conflicts(self) -> int:
        return sum(
            count
            for (status, detail), count in self.details.items()
            if status == 409 and any(marker in detail for marker in UNEXPECTED_CONFLICTS)
        )

    def conflicts(self) -> int:
        """Order changes refused with 409 by the campaign's state (expected)."""
        return self.statuses[("write", 409)] - self.unexpected_conflicts()

    def errors(self) -> int:
        """Everything but a 200, or a 409 expected on an order change."""
        wrong = sum(
            count
            for (kind, status), count in self.statuses.items()
            if status != 200 and not (kind == "write" and status == 409)
        )
        return wrong + self.unexpected_conflicts() + self.socket_errors


def parse_rush_result(text: str) -> RushCounts:
    counts = RushCounts()
    for line in text.splitlines():
        word, _sep, rest = line.partition(" ")
        if word == "requests":
            counts.requests = int(rest)
        elif word == "duration_us":
            counts.duration_s = int(rest) / 1_000_000
        elif word == "p99_us":
            counts.p99_ms = int(rest) / 1000
        elif word == "socket_errors":
            counts.socket_errors = sum(int(n) for n in rest.split())
        elif word == "status":
            kind, status, count = rest.split()
            counts.statuses[(kind, int(status))] += int(count)
        elif word == "detail":
            count, status, detail = rest.split(" ", 2)
            counts.details[(int(status), _unescape(detail))] += int(count)
        elif line.strip():
            raise RuntimeError(f"bench rush: unexpected result line {line!r}")
    if not counts.requests:
        raise RuntimeError(f"bench rush: no request counted:\n{text}")
    return counts


def _unescape(detail: str) -> str:
    """JSON escapes (``\\u00e9``) back to text; anything else as is."""
    try:
        return str(json.loads(f'"{detail}"'))
    except ValueError:
        return detail


def _check_pages(server: Server, world: RushWorld, data: Path, every: int = 1) -> None:
    """The catalogue addresses (``every`` one in that many), and the campaign page of a few
    buyers, answer 200 with no new cookie: a redirect to the login form would fake
    throughput."""
    for path in (data / "catalogue.txt").read_text().split()[::every]:
        expect_ok(server.port, path, None)
    for line in (data / "buyers.tsv").read_text().splitlines()[:: BUYERS // 4]:
        cookie = f"session={line.split()[0]}"
        expect_ok(server.port, f"/campagnes/{world.campaign_id}", cookie)
        expect_ok(server.port, "/catalogue?categorie=laptop", cookie)


def _warm_catalogue(server: Server, data: Path, rounds: int = 3 * WORKERS) -> None:
    """Each catalogue address, anonymous and as a member, asked often enough that every
    worker has most likely served, and cached, it once (the workers share one socket;
    none can be chosen)."""
    member = "session=" + (data / "buyers.tsv").read_text().split()[0]
    asks = [
        (path, cookie)
        for path in (data / "catalogue.txt").read_text().split()
        for cookie in (None, member)
    ] * rounds
    with ThreadPoolExecutor(max_workers=2 * WORKERS) as pool:
        list(pool.map(lambda ask: expect_ok(server.port, *ask), asks))


def _measure(wrk: str, server: Server, world: RushWorld, data: Path) -> None:
    _check_pages(server, world, data)
    for _ in range(2 * WORKERS):
        expect_ok(server.port, HELLO_URL, None)
    hello, _output = run_wrk(
        wrk, server.base_url + HELLO_URL, connections=CONNECTIONS, duration=HELLO_DURATION
    )
    get(server.port, HELLO_URL, None)  # drains what wrk left in flight
    result_path = data / "result.txt"
    env = {
        "RUSH_DATA": str(data),
        "RUSH_RESULT": str(result_path),
        "RUSH_THREADS": str(THREADS),
        "RUSH_USER_AGENT": USER_AGENT,
    }

    def rush(duration: str) -> str:
        _result, output = run_wrk(
            wrk,
            server.base_url + "/",
            connections=CONNECTIONS,
            duration=duration,
            script=SCRIPT,
            env=env,
        )
        return output

    # Not counted: the last hour of a campaign is served by workers that have run for
    # hours, their caches filled (each worker keeps its own).
    _warm_catalogue(server, data)
    rush(WARMUP)
    cpu_before = workers_cpu_seconds(server.pid)
    output = rush(DURATION)
    cpu_used = workers_cpu_seconds(server.pid) - cpu_before
    _check_pages(server, world, data, every=10)  # sessions still good, server drained
    counts = parse_rush_result(result_path.read_text())
    note(f"load average after the rush: {os.getloadavg()[0]:.1f}")
    for (kind, status), count in sorted(counts.statuses.items()):
        note(
            f"rush answers: {count} × {status} on {'order changes' if kind == 'write' else 'reads'}"
        )
    for (status, detail), count in counts.details.most_common(8):
        note(f"rush refusal {status} × {count}: {detail[:150]}")
    report("http_rush_hello_rps", hello.requests_per_second, "req/s")
    report("http_rush_rps", counts.requests_per_second, "req/s")
    report("http_rush_ratio", counts.requests_per_second / hello.requests_per_second, "x")
    report("http_rush_p99_ms", counts.p99_ms, "ms")
    report("http_rush_cpu_ms", cpu_used * 1000 / counts.requests, "ms")
    report("http_rush_errors", counts.errors(), "requests")
    report("http_rush_conflicts", counts.conflicts(), "requests")
    if counts.errors():
        print(output, flush=True)
        note(server.log_tail())


# ----------------------------------------------------------------------------- after


def _report_stock(world: RushWorld) -> None:
    """Close and consolidate the campaign, then count the units promised beyond stock."""
    demand = pooled_quantities(world.campaign_id)
    committed = dict(
        db.session.execute(
            select(CampaignOffer.id, CampaignOffer.committed_quantity).where(
                CampaignOffer.campaign_id == world.campaign_id
            )
        ).all()
    )
    beyond = {o: int(demand.get(o, 0)) - c for o, c in committed.items() if demand.get(o, 0) > c}
    note(
        f"rush demand: {sum(map(int, demand.values()))} units ordered for "
        f"{sum(committed.values())} committed; {len(beyond)} offers asked "
        f"{sum(beyond.values())} units beyond their commitment (shared pro rata)"
    )
    db.session.execute(
        update(Campaign)
        .where(Campaign.id == world.campaign_id, Campaign.state == CampaignState.OPEN)
        .values(state=CampaignState.CLOSED, closes_at=utcnow())
    )
    db.session.commit()
    coordinator = db.session.get(User, world.coordinator_id)
    campaign = db.session.get(Campaign, world.campaign_id)
    assert coordinator is not None and campaign is not None
    start = time.perf_counter()
    result = _confirm(campaign, coordinator, notify=False)
    note(
        f"rush campaign consolidated in {time.perf_counter() - start:.2f} s "
        f"({len(result.purchase_order_ids)} purchase orders)"
    )
    report("rush_oversold_units", oversold_units(world.campaign_id), "units")


def oversold_units(campaign_id: int) -> int:
    """Units allocated beyond an offer's committed quantity, plus free stock below zero of
    the campaign's listings: what was promised that does not exist."""
    allocated = (
        select(Allocation.offer_id, func.sum(Allocation.quantity).label("units"))
        .where(Allocation.campaign_id == campaign_id)
        .group_by(Allocation.offer_id)
        .subquery()
    )
    rows: list[Any] = db.session.execute(
        select(CampaignOffer.committed_quantity, allocated.c.units, Listing.quantity)
        .join(Listing, Listing.id == CampaignOffer.listing_id)
        .outerjoin(allocated, allocated.c.offer_id == CampaignOffer.id)
        .where(CampaignOffer.campaign_id == campaign_id)
    ).all()
    beyond = sum(max(0, int(units or 0) - committed) for committed, units, _free in rows)
    negative = sum(max(0, -free) for _committed, _units, free in rows)
    return beyond + negative
