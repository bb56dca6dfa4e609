"""The demo's printer purchase lands in "Matériel de reprographie et d'impression"."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from nrhub.catalog.models import LEGAL_CATEGORY_IT, LEGAL_CATEGORY_PRINTING, Listing
from nrhub.demo import catalog, ledger, organisations
from nrhub.demo.organisations import organisation
from nrhub.extensions import db
from nrhub.formatting import paris_today
from nrhub.stats import queries


def test_demo_printer_is_declared_in_reprographie_not_in_it(app):
    organisations.load()
    ledger.load()
    db.session.commit()
    buyer = organisation("lannion")
    year = paris_today().year
    rows = {r.type_produit_acquis: r for r in queries.declaration_rows(year, buyer_id=buyer.id)}
    assert rows[LEGAL_CATEGORY_PRINTING].montant_total == Decimal("2360.00")
    assert rows[LEGAL_CATEGORY_PRINTING].montant_produits_recycles == Decimal("2360.00")
    assert LEGAL_CATEGORY_IT not in rows  # lannion's only purchase this year is the printer
    assert queries.indicators(year, buyer_id=buyer.id).it_spend == 0


def test_demo_fairphone_listings_integrate_recycled_materials(app):
    organisations.load()
    catalog.load()
    db.session.commit()
    flags = db.session.execute(select(Listing.model, Listing.has_recycled_materials)).all()
    recycled = {model for model, flag in flags if flag}
    assert recycled == {"Fairphone 4 128 Go"}
    assert len(flags) > len([f for f in flags if f[1]])
