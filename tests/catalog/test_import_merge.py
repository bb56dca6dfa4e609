"""Imports that merge, never erase: a blank cell keeps, « - » clears; the preview names
each change in French with old → new values and warns about unknown columns and cells."""

from decimal import Decimal

from sqlalchemy import select

from nrhub.catalog import importing, services
from nrhub.catalog.models import Listing, PriceTier
from nrhub.extensions import db
from tests.catalog.conftest import make_listing
from tests.catalog.test_import import _post
from tests.conftest import login

FULL = (
    "sku;categorie;marque;modele;processeur;ram_go;stockage_go;description;grade;quantite;"
    "prix_ht;garantie_mois;paliers;statut\r\n"
)


def _existing(people) -> Listing:  # type: ignore[no-untyped-def]
    return make_listing(
        people.refurbisher,
        sku="T480",
        brand="Lenovo",
        model="T480",
        processor="Intel Core i5-8350U",
        ram_gb=8,
        storage_gb=256,
        description="Clavier AZERTY",
        quantity=10,
        unit_price=Decimal("289.00"),
        warranty_months=24,
        tiers=[(10, "275.00"), (50, "259.00")],
    )


def _csv(*lines: str, header: str = FULL) -> bytes:
    return (header + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _state(listing_id: int) -> tuple:  # type: ignore[type-arg]
    db.session.expire_all()
    listing = db.session.get(Listing, listing_id)
    tiers = db.session.execute(
        select(PriceTier.min_quantity, PriceTier.unit_price)
        .where(PriceTier.listing_id == listing_id)
        .order_by(PriceTier.min_quantity)
    ).all()
    return (
        listing.processor,
        listing.ram_gb,
        listing.storage_gb,
        listing.description,
        listing.warranty_months,
        listing.quantity,
        [(q, p) for q, p in tiers],
    )


def test_blank_cells_keep_the_current_values(people):  # type: ignore[no-untyped-def]
    listing = _existing(people)
    before = _state(listing.id)
    data = _csv("T480;;;;;;;;;12;;;;")  # a usual export: only the stock is filled
    preview = services.preview_import(data, "stock.csv", by=people.refurbisher)
    assert preview.errors == []
    assert [(line.sku, line.changes) for line in preview.updates] == [
        ("T480", (("Quantité en stock", "10", "12"),))
    ]
    services.apply_import(preview.token, by=people.refurbisher)
    assert _state(listing.id) == (*before[:5], 12, before[6])
    assert before[4] == 24 and before[6] == [(10, Decimal("275.00")), (50, Decimal("259.00"))]


def test_a_dash_clears_an_optional_value_and_the_preview_says_old_and_new(people):  # type: ignore[no-untyped-def]
    listing = _existing(people)
    data = _csv("T480;;;;-;;;-;;;;36;-;")
    preview = services.preview_import(data, "stock.csv", by=people.refurbisher)
    assert preview.errors == []
    (line,) = preview.updates
    assert set(line.changes) == {
        ("Processeur", "Intel Core i5-8350U", "(vide)"),
        ("Description", "Clavier AZERTY", "(vide)"),
        ("Garantie (mois)", "24", "36"),
        ("Paliers de prix", "10:275,00|50:259,00", "(vide)"),
    }
    services.apply_import(preview.token, by=people.refurbisher)
    assert _state(listing.id) == (None, 8, 256, "", 36, 10, [])


def test_a_dash_on_a_required_column_is_an_error(people):  # type: ignore[no-untyped-def]
    _existing(people)
    preview = services.preview_import(_csv("T480;;-;;;;;;;;;;;"), "s.csv", by=people.refurbisher)
    assert [(issue.line, issue.column) for issue in preview.errors] == [(2, "marque")]
    assert preview.token is None


def test_unknown_columns_and_extra_cells_are_warned_and_ignored(people):  # type: ignore[no-untyped-def]
    listing = _existing(people)
    data = _csv(
        "T480;11;Couleur noire;en trop",
        header="sku;quantite;couleur\r\n",
    )
    preview = services.preview_import(data, "stock.csv", by=people.refurbisher)
    assert preview.errors == []
    messages = [(issue.line, issue.message) for issue in preview.warnings]
    assert (
        1,
        "Colonnes inconnues : « couleur ». Reprenez les en-têtes du modèle à "
        "télécharger. Elles sont ignorées.",
    ) in messages
    assert (
        2,
        "Cette ligne a des cellules au-delà des colonnes de l'en-tête : elles sont ignorées.",
    ) in messages
    services.apply_import(preview.token, by=people.refurbisher)
    assert _state(listing.id)[5] == 11


def test_import_page_lists_columns_values_and_the_clear_marker(client, people):  # type: ignore[no-untyped-def]
    login(client, people.refurbisher.email)
    html = client.get("/reconditionneur/offres/import").get_data(as_text=True)
    html = html.replace("&#39;", "'")
    for column in importing.COLUMNS:
        assert f"<code>{column}</code>" in html
    assert "laptop (Ordinateur portable)" in html
    assert "« brouillon », « publiée » ou « archivée »" in html
    assert "« reconditionné » (refurbished) ou « occasion » (used)" in html
    assert "A+; A; B; C" in html
    assert "écrivez « - » dans la cellule" in html


def test_preview_page_shows_french_labels_old_and_new(client, people):  # type: ignore[no-untyped-def]
    _existing(people)
    login(client, people.refurbisher.email)
    response = _post(client, _csv("T480;;;;;16;;;;;;;;"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Mémoire vive (Go) : 8 → 16" in html
    assert "ram_gb" not in html
