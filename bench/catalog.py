"""Catalogue benchmarks: the browse page over 50,000 listings, and a 10,000-line import.

- ``catalogue_page_ms``: median of 24 filtered, paginated catalogue requests through the
  test client, with 50,000 published listings of 50 refurbishers, no cache (target ≤ 20 ms,
  on PostgreSQL too: ``catalogue_page_pg_ms``, statistics gathered after loading);
- ``catalogue_page_queries``: SQL statements per catalogue page (constant, ≤ 8);
- ``stock_import_10k_s``: preview then apply of a 10,000-line CSV, half updates of existing
  SKUs, half new listings, each step in its own unit of work (target ≤ 5 s).
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from sqlalchemy import insert, select

from bench.common import analyze, bench_app, count_queries, get_ok, login, report
from nrhub.auth.models import User
from nrhub.auth.passwords import hash_password
from nrhub.catalog.models import Category, Listing, ListingStatus, PriceTier
from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.organisations.models import InsertionType, LegalForm, Organisation, OrgKind, OrgStatus
from nrhub.transactions import unit_of_work

LISTINGS = 50_000
REFURBISHERS = 50
IMPORT_LINES = 10_000
PASSWORD = "bench-password-1234"  # noqa: S105

DEPARTMENTS = [("35", "53"), ("29", "53"), ("22", "53"), ("56", "53"), ("44", "52"), ("75", "11")]
BRANDS = [
    ("Lenovo", "ThinkPad T480"),
    ("Lenovo", "ThinkPad X280"),
    ("Dell", "Latitude 5400"),
    ("HP", "EliteBook 840 G5"),
    ("Dell", "OptiPlex 7060"),
    ("Apple", "iPhone 12"),
    ("Samsung", "Galaxy A52"),
    ("Fairphone", "Fairphone 4"),
]


def _organisations() -> list[int]:
    rows = []
    for n in range(REFURBISHERS + 1):
        department, region = DEPARTMENTS[n % len(DEPARTMENTS)]
        rows.append(
            {
                "kind": OrgKind.REFURBISHER if n < REFURBISHERS else OrgKind.BUYER,
                "name": f"Structure {n}",
                "siret": f"{90000000000000 + n}",
                "postcode": f"{department}000",
                "department_code": department,
                "region_code": region,
                "contact_email": f"contact{n}@bench.fr",
                "status": OrgStatus.ACTIVE,
                "legal_form": list(LegalForm)[n % len(LegalForm)],
                "insertion_type": list(InsertionType)[n % len(InsertionType)],
                "esus_agreement": n % 2 == 0,
                "created_at": utcnow(),
            }
        )
    db.session.execute(insert(Organisation), rows)
    return list(db.session.execute(select(Organisation.id).order_by(Organisation.id)).scalars())


def _listings(org_ids: list[int]) -> None:
    rng = random.Random(42)
    categories = list(db.session.execute(select(Category.id)).scalars())
    now = utcnow()
    rows = []
    for n in range(LISTINGS):
        brand, model = BRANDS[n % len(BRANDS)]
        rows.append(
            {
                "refurbisher_id": org_ids[n % REFURBISHERS],
                "category_id": categories[n % len(categories)],
                "sku": f"SKU-{n:06d}",
                "brand": brand,
                "model": f"{model} #{n}",
                "description": "Matériel reconditionné, testé et garanti",
                "grade": ("A+", "A", "B", "C")[n % 4],
                "state": "refurbished",
                "refurbished_in_france": n % 3 == 0,
                "data_wiping_attested": True,
                "quantity": rng.randint(0, 80),
                "unit_price": Decimal(rng.randint(1500, 90000)) / 100,
                "vat_rate": Decimal("20.00"),
                "warranty_months": (6, 12, 24, 36)[n % 4],
                "repairability_index": Decimal(rng.randint(40, 95)) / 10,
                "os_update_years": rng.randint(2, 7),
                "spare_parts_years": rng.randint(3, 10),
                "status": ListingStatus.PUBLISHED,
                "created_at": now,
                "updated_at": now,
                "published_at": now,
            }
        )
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Listing), rows[start : start + 5000])
    tiers = [
        {"listing_id": listing_id, "min_quantity": 10, "unit_price": Decimal("10.00")}
        for listing_id in range(1, LISTINGS + 1, 5)
    ]
    db.session.execute(insert(PriceTier), tiers)
    db.session.commit()


def _person(org_id: int, email: str) -> User:
    user = User(
        email=email, name=email, password_hash=hash_password(PASSWORD), organisation_id=org_id
    )
    db.session.add(user)
    db.session.commit()
    return user


QUERIES = [
    "/catalogue",
    "/catalogue?categorie=laptop&tri=prix",
    "/catalogue?categorie=smartphone&grade=A&page=3",
    "/catalogue?prix_min=100&prix_max=300&tri=prix&page=2",
    "/catalogue?departement=29&en_stock=y",
    "/catalogue?region=53&garantie_min=24&tri=prix-decroissant",
    "/catalogue?insertion=toutes&maj_min=5&page=10",
    "/catalogue?reparabilite_min=8&categorie=laptop&tri=recent",
    "/catalogue?forme=scop&en_stock=y&tri=prix",
    "/catalogue?q=thinkpad&page=2",
    "/catalogue?tri=proximite&categorie=desktop",
    "/catalogue?page=200",
]


def run() -> None:
    with bench_app() as app:
        org_ids = _organisations()
        _listings(org_ids)
        buyer_email = "acheteur@bench.fr"
        _person(org_ids[-1], buyer_email)
        refurbisher = _person(org_ids[0], "reconditionneur@bench.fr")
        analyze()
        client = app.test_client()
        login(client, buyer_email, PASSWORD)

        def one_round() -> None:
            for url in QUERIES:
                get_ok(client, url)

        one_round()  # warm-up
        timings = []
        for url in QUERIES * 2:
            start = time.perf_counter()
            get_ok(client, url)
            timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        report("catalogue_page_ms", timings[len(timings) // 2], "ms")

        counts = []
        for url in QUERIES:
            with count_queries() as statements:
                get_ok(client, url)
            counts.append(
                len([s for s in statements if not s.lstrip().upper().startswith("BEGIN")])
            )
        report("catalogue_page_queries", max(counts), "queries")

        report("stock_import_10k_s", _import_seconds(refurbisher), "s")


def _import_seconds(refurbisher: User) -> float:
    from nrhub.catalog import services

    existing = list(
        db.session.execute(
            select(Listing.sku).where(Listing.refurbisher_id == refurbisher.organisation_id)
        ).scalars()
    )
    lines = ["sku;categorie;marque;modele;grade;quantite;prix_ht;paliers;statut"]
    for n in range(IMPORT_LINES):
        sku = existing[n] if n < min(len(existing), IMPORT_LINES // 2) else f"NEW-{n:06d}"
        lines.append(
            f"{sku};laptop;Lenovo;ThinkPad T480 #{n};A;{n % 50};{200 + n % 100},50;"
            f"10:{190 + n % 100},00|50:{180 + n % 100},00;publiée"
        )
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    start = time.perf_counter()
    # Two requests in production (preview, then confirmation): two units of work.
    with unit_of_work():
        preview = services.preview_import(data, "stock.csv", by=refurbisher)
    assert not preview.errors, preview.errors[:3]
    with unit_of_work():
        result = services.apply_import(preview.token or "", by=refurbisher)
    elapsed = time.perf_counter() - start
    assert result.created + result.updated == IMPORT_LINES, result
    return elapsed
