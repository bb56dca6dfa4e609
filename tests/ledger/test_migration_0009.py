"""Migration 0009 on a database holding what the old code left: copies of one pending
claim (the read-then-write claim made 4 out of 10) and a summary that kept the rows of a
buyer that moved to another department."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from config import TestingConfig
from nrhub import create_app
from nrhub.extensions import db
from tests.ledger.summary_check import assert_summary_matches_ledger

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")
NOW = "2025-06-01 10:00:00"


def _org(kind: str, siret: str, department: str, region: str) -> int:
    return int(
        db.session.execute(
            text(
                "INSERT INTO organisation (kind, name, siret, address, postcode, city, "
                "department_code, region_code, contact_email, status, created_at, "
                "esus_agreement) VALUES (:kind, :siret, :siret, 'rue', '35000', 'Rennes', "
                ":department, :region, 'x@example.fr', 'active', :now, false) RETURNING id"
            ),
            {"kind": kind, "siret": siret, "department": department, "region": region, "now": NOW},
        ).scalar_one()
    )


def _claim(lot_id: int, refurbisher_id: int, quantity: int, status: str = "pending") -> int:
    return int(
        db.session.execute(
            text(
                "INSERT INTO donation_claim (lot_id, refurbisher_id, quantity, status, message, "
                "claimed_at) VALUES (:lot, :refurbisher, :quantity, :status, '', :now) "
                "RETURNING id"
            ),
            {
                "lot": lot_id,
                "refurbisher": refurbisher_id,
                "quantity": quantity,
                "status": status,
                "now": NOW,
            },
        ).scalar_one()
    )


def _spend(buyer_id: int, category_id: int, cents: int, supplier_department: str) -> None:
    db.session.execute(
        text(
            "INSERT INTO spend_entry (buyer_id, spent_on, year, category_id, quantity, amount, "
            "supplier_name, supplier_department_code, supplier_region_code, supplier_is_ess, "
            "origin, is_reuse, has_recycled_materials, social_consideration, "
            "environmental_consideration, created_at) VALUES (:buyer, '2025-03-01', 2025, "
            ":category, 2, :cents, 'Atelier', :department, '53', true, 'external', true, "
            "false, 'Marché réservé', 'Pas de considération environnementale', :now)"
        ),
        {
            "buyer": buyer_id,
            "category": category_id,
            "cents": cents,
            "department": supplier_department,
            "now": NOW,
        },
    )


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_0009_keeps_one_pending_claim_per_refurbisher_and_rebuilds_the_summary(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0006")
        laptop = db.session.execute(text("SELECT id FROM category WHERE code = 'laptop'"))
        category_id = int(laptop.scalar_one())
        buyer = _org("buyer", "21350238800019", "29", "53")  # moved from 35 to 29
        refurbisher = _org("refurbisher", "12345678200010", "35", "53")
        other = _org("refurbisher", "12345678200028", "35", "53")
        lot_id = db.session.execute(
            text(
                "INSERT INTO donation_lot (donor_id, category_id, description, quantity, "
                "remaining_quantity, age_bracket, condition, unit_weight_g, pickup_address, "
                "pickup_postcode, pickup_city, department_code, region_code, available_from, "
                "available_until, data_wiping_required, status, reach, reach_changed_at, "
                "created_at) VALUES (:donor, :category, '', 10, 1, 'lt5', 'working', 2300, "
                "'rue', '35000', 'Rennes', '35', '53', '2025-06-01', '2025-07-01', false, "
                "'open', 'department', :now, :now) RETURNING id"
            ),
            {"donor": buyer, "category": category_id, "now": NOW},
        ).scalar_one()
        kept = _claim(lot_id, refurbisher, 2)
        copies = [_claim(lot_id, refurbisher, 2), _claim(lot_id, refurbisher, 2)]
        theirs = _claim(lot_id, other, 3)
        refused_before = _claim(lot_id, refurbisher, 1, "refused")
        _spend(buyer, category_id, 15001, "35")
        _spend(buyer, category_id, 1000, "29")
        # What the incremental summary kept: the rows under the old department, and a
        # local share computed with it.
        db.session.execute(
            text(
                "INSERT INTO spend_summary_department (year, department_code, category_id, "
                "entries, quantity, amount_cents, reuse_cents, reuse_quantity, donation_cents, "
                "recycled_cents, clause_cents, social_cents, environmental_cents, "
                "reuse_local_department_cents, reuse_local_region_cents, reuse_ess_cents, "
                "social_clauses, environmental_clauses) VALUES (2025, '35', :category, 3, 6, "
                "31002, 31002, 6, 0, 0, 31002, 31002, 0, 31002, 31002, 31002, 3, 0)"
            ),
            {"category": category_id},
        )
        db.session.commit()

        upgrade(directory=MIGRATIONS, revision="0009")

        statuses = dict(db.session.execute(text("SELECT id, status FROM donation_claim")).all())
        assert statuses == {
            kept: "pending",
            copies[0]: "cancelled",
            copies[1]: "cancelled",
            theirs: "pending",
            refused_before: "refused",
        }
        remaining = db.session.execute(
            text("SELECT remaining_quantity FROM donation_lot WHERE id = :id"), {"id": lot_id}
        ).scalar_one()
        assert remaining == 5  # 1 + the 2 × 2 units of the cancelled copies
        # The check recomputes the summary with today's ledger code, which reads columns
        # added later (0011, contracts): bring the schema up to date first; the later
        # migrations leave the summary tables as 0009 rebuilt them.
        db.session.rollback()  # release SQLite's lock for the migration's connection
        upgrade(directory=MIGRATIONS)
        assert_summary_matches_ledger()
        department = db.session.execute(
            text(
                "SELECT department_code, amount_cents, reuse_local_department_cents "
                "FROM spend_summary_department"
            )
        ).all()
        assert [tuple(row) for row in department] == [("29", 16001, 1000)]
        db.session.remove()
        db.engine.dispose()
