"""A re-import with blank cells keeps the listing's values, in a real browser: the preview
names the one change in French (old → new) and the listing keeps its processor, memory,
description, tiers and warranty."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.browser.conftest import BROWSER_MARKS, REFURBISHER, Browser
from tests.browser.helpers import scalar

pytestmark = BROWSER_MARKS

HEADER = (
    "sku;categorie;marque;modele;processeur;ram_go;stockage_go;description;grade;quantite;"
    "prix_ht;garantie_mois;paliers;statut\n"
)


def _upload(b: Browser, path: Path) -> None:
    b.get("/reconditionneur/offres/import")
    b.find('input[type="file"]').send_keys(str(path))
    b.submit("Voir l'aperçu")


def test_reimport_with_blank_cells_keeps_values(browser: Browser, tmp_path: Path) -> None:
    b = browser
    sku = f"MERGE-{uuid.uuid4().hex[:6]}"
    b.login(REFURBISHER)
    first = tmp_path / "stock.csv"
    first.write_text(
        HEADER + f"{sku};laptop;Lenovo;T14 {sku};Intel Core i5-10310U;16;512;Clavier AZERTY;"
        "A;10;399,00;24;10:379,00;publiée\n",
        encoding="utf-8",
    )
    _upload(b, first)
    b.submit("Confirmer l'import")
    assert "1 offre(s) créée(s)" in b.flash(), b.flash()

    again = tmp_path / "export.csv"
    again.write_text(HEADER + f"{sku};;;;;;;;;7;;;;\n", encoding="utf-8")
    _upload(b, again)
    text = b.text()
    assert "Quantité en stock : 10 → 7" in text, text[:2000]
    assert "Processeur" not in text.split("Offres à mettre à jour")[-1]
    b.submit("Confirmer l'import")

    database_url = b.server.database_url
    listing_id = scalar(database_url, "SELECT id FROM listing WHERE sku = ?", sku)
    b.get(f"/catalogue/{listing_id}")
    page = b.text()
    assert "Intel Core i5-10310U" in page, page[:2000]
    assert "24 mois" in page
    assert "Clavier AZERTY" in page
    assert (
        scalar(
            database_url,
            "SELECT processor || '/' || ram_gb || '/' || warranty_months || '/' || quantity "
            "FROM listing WHERE id = ?",
            listing_id,
        )
        == "Intel Core i5-10310U/16/24/7"
    )
    assert (
        scalar(database_url, "SELECT COUNT(*) FROM price_tier WHERE listing_id = ?", listing_id)
        == 1
    )
