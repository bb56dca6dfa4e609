"""API benchmarks, on the catalogue bench's 50,000 listings of 50 refurbishers.

- ``api_stock_sync_5000_s``: ``POST /api/v1/stock`` with 5,000 items through the test
  client, validation, bulk conditional UPDATE and audit included (target ≤ 1 s);
- ``api_listings_ms``: median of ``GET /api/v1/listings?limit=100`` pages walked by cursor,
  with filters (target ≤ 40 ms).
"""

from __future__ import annotations

import time

from sqlalchemy import select, update

from bench import catalog
from bench.common import analyze, bench_app, report
from nrhub.api import tokens
from nrhub.catalog.models import Listing
from nrhub.extensions import db


def run() -> None:
    with bench_app() as app:
        org_ids = catalog._organisations()
        catalog._listings(org_ids)
        buyer = catalog._person(org_ids[-1], "acheteur@bench.fr")
        refurbisher = catalog._person(org_ids[0], "reconditionneur@bench.fr")
        _token, buyer_raw = tokens.issue_token(buyer, "bench", by=buyer)
        _token, refurb_raw = tokens.issue_token(refurbisher, "bench", by=refurbisher)
        db.session.commit()
        app.config["API_RATE_LIMIT"] = "100000 per minute"
        client = app.test_client()

        # 1,000 listings per refurbisher: give the first one 5,000 (SKUs are all distinct).
        db.session.execute(
            update(Listing)
            .where(Listing.refurbisher_id.in_(org_ids[1:5]))
            .values(refurbisher_id=org_ids[0])
        )
        db.session.commit()
        analyze()
        skus = list(
            db.session.execute(
                select(Listing.sku).where(Listing.refurbisher_id == org_ids[0]).limit(5000)
            ).scalars()
        )
        items = [{"sku": sku, "quantity": n % 97} for n, sku in enumerate(skus)]
        assert len(items) == 5000
        headers = {"Authorization": f"Bearer {refurb_raw}"}
        start = time.perf_counter()
        response = client.post("/api/v1/stock", json={"items": items}, headers=headers)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        report("api_stock_sync_5000_s", elapsed, "s")

        headers = {"Authorization": f"Bearer {buyer_raw}"}
        timings = []
        for query in ("", "&category=laptop", "&in_stock=true", "&department=35"):
            cursor = None
            for _page in range(5):
                url = f"/api/v1/listings?limit=100{query}" + (f"&cursor={cursor}" if cursor else "")
                start = time.perf_counter()
                response = client.get(url, headers=headers)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
                body = response.get_json()
                assert len(body["items"]) == 100
                cursor = body["next_cursor"]
        timings.sort()
        report("api_listings_ms", timings[len(timings) // 2], "ms")
