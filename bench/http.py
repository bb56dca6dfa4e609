"""HTTP throughput under a real WSGI server: gunicorn (2 workers) loaded by ``wrk``.

The database is the demo data grown to the benchmark sizes of the other modules (the
indicators bench's 2,000 buyers and 1,000,000 ledger rows, the catalogue bench's 50,000
listings), built with their own data builders. gunicorn then serves it on 127.0.0.1 with
the production settings, and ``wrk`` loads three pages for a bounded time each:

- ``http_hello_rps``: ``GET /sante``, a bare endpoint of the same server (the ceiling);
- ``http_catalogue_rps``: the public catalogue, anonymous;
- ``http_dashboard_rps``: the hub dashboard ``/indicateurs`` as the demo coordinator;
- ``http_catalogue_ratio``, ``http_dashboard_ratio``: each page against the ceiling
  (target ≥ 0.25), the 99th percentile latency of each page (``*_p99_ms``), and the
  workers' CPU time per request (``*_cpu_ms``, steadier than throughput on a busy machine).

Any response other than 200 fails the bench: a fast redirect or 403 would fake throughput.
``wrk`` counts 3xx as success, so every URL is also fetched before and after its run and must
answer 200. Settings: ``BENCH_HTTP_DURATION`` (default ``10s``), ``BENCH_HTTP_CONNECTIONS``
(default 16). On PostgreSQL (``BENCH_DATABASE_URL``) the lines carry ``_pg``.
"""

from __future__ import annotations

import os
import time

from sqlalchemy import text

from bench import catalog, stats
from bench.common import bench_app, note, report
from bench.server import (
    HELLO_URL,
    WORKERS,
    WrkResult,
    expect_ok,
    gunicorn,
    login,
    require_wrk,
    run_wrk,
    workers_cpu_seconds,
)
from nrhub.demo import DEMO_PASSWORD, load_demo
from nrhub.extensions import db
from nrhub.ledger.summary import rebuild_summary

DURATION = os.environ.get("BENCH_HTTP_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_HTTP_CONNECTIONS", "16"))
COORDINATOR = "coordination@demo.nrhub.fr"
CATALOGUE_URL = "/catalogue"
DASHBOARD_URL = f"/indicateurs?annee={stats.YEAR}"
TARGET_RATIO = 0.25


def run() -> None:
    wrk = require_wrk()
    with bench_app() as app:
        started = time.perf_counter()
        _build_data()
        note(f"http data built in {time.perf_counter() - started:.1f} s")
        database_url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()
        db.engine.dispose()  # gunicorn's workers open their own connections
        with gunicorn(database_url) as server:
            _measure(wrk, server.port, server.pid)


def _build_data() -> None:
    """The indicators bench's organisations and ledger first (its builder expects the first
    buyer ids to be its own), then the catalogue bench's refurbishers and listings, then the
    demo (its organisations, accounts, campaigns and ledger) on top."""
    _hub_id, first_buyer = stats._organisations()
    stats._ledger(first_buyer)
    all_ids = catalog._organisations()  # every organisation's id: keep the ones just added
    catalog._listings(all_ids[-(catalog.REFURBISHERS + 1) :])
    load_demo()
    rebuild_summary()
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def _measure(wrk: str, port: int, server_pid: int) -> None:
    base = f"http://127.0.0.1:{port}"
    session = login(port, COORDINATOR, DEMO_PASSWORD)
    cookie = f"session={session}"
    pages = [
        ("hello", HELLO_URL, None),
        ("catalogue", CATALOGUE_URL, None),
        ("dashboard", DASHBOARD_URL, cookie),
    ]
    results: dict[str, WrkResult] = {}
    cpu_ms: dict[str, float] = {}
    for name, path, page_cookie in pages:
        # Sequential warm-up of both workers (templates compiled, caches filled): a short
        # wrk run instead would leave a backlog of queued requests to the measured run.
        for _ in range(2 * WORKERS):
            expect_ok(port, path, page_cookie)
        cpu_before = workers_cpu_seconds(server_pid)
        result, output = run_wrk(
            wrk, base + path, connections=CONNECTIONS, duration=DURATION, cookie=page_cookie
        )
        if result.non_2xx_3xx:
            raise RuntimeError(
                f"bench http: {result.non_2xx_3xx} non-2xx/3xx responses out of "
                f"{result.requests} on {path}:\n{output}"
            )
        results[name] = result
        cpu_used = workers_cpu_seconds(server_pid) - cpu_before
        cpu_ms[name] = cpu_used * 1000 / results[name].requests
        # Queued behind what wrk left in flight, so it also drains the server; and a session
        # lost mid-run would have been counted as a fast 302 by wrk.
        expect_ok(port, path, page_cookie)
    note(f"load average during the runs: {os.getloadavg()[0]:.1f}")
    ceiling = results["hello"].requests_per_second
    for name, result in results.items():
        report(f"http_{name}_rps", result.requests_per_second, "req/s")
    for name in ("catalogue", "dashboard"):
        ratio = results[name].requests_per_second / ceiling
        report(f"http_{name}_ratio", ratio, "x")
        if ratio < TARGET_RATIO:
            note(f"http_{name}_ratio below the {TARGET_RATIO} target")
    for name, result in results.items():
        report(f"http_{name}_p99_ms", result.p99_ms, "ms")
    # Server CPU per request: unlike requests per second, it does not depend on what else
    # runs on the machine (at most the two requests in progress at the end are counted).
    for name, value in cpu_ms.items():
        report(f"http_{name}_cpu_ms", value, "ms")
