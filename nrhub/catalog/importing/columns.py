"""The stock file's columns: names and aliases, accepted words, the help page and the template."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from nrhub.catalog.models import Category, Grade, ListingStatus
from nrhub.extensions import db

MAX_LINES = 20_000


SHOWN_LINES = 200


# Canonical column → the field it fills. The template file uses the canonical names.
COLUMNS: dict[str, str] = {
    "sku": "sku",
    "categorie": "category_code",
    "marque": "brand",
    "modele": "model",
    "processeur": "processor",
    "ram_go": "ram_gb",
    "stockage_go": "storage_gb",
    "ecran_pouces": "screen_inches",
    "description": "description",
    "grade": "grade",
    "etat": "state",
    "reconditionne_en_france": "refurbished_in_france",
    "effacement_atteste": "data_wiping_attested",
    "matieres_recyclees": "has_recycled_materials",
    "quantite": "quantity",
    "prix_ht": "unit_price",
    "tva": "vat_rate",
    "garantie_mois": "warranty_months",
    "indice_reparabilite": "repairability_index",
    "mises_a_jour_ans": "os_update_years",
    "pieces_detachees_ans": "spare_parts_years",
    "paliers": "tiers",
    "statut": "status",
}


ALIASES = {
    "reference": "sku",
    "ref": "sku",
    "category": "categorie",
    "prix_unitaire_ht": "prix_ht",
    "prix": "prix_ht",
    "stock": "quantite",
    "quantite_en_stock": "quantite",
    "tva_pct": "tva",
    "taux_tva": "tva",
    "contenu_recycle": "matieres_recyclees",
}


REQUIRED_TO_CREATE = ("categorie", "marque", "modele", "grade", "quantite", "prix_ht")


STATUSES = {
    "brouillon": ListingStatus.DRAFT,
    "draft": ListingStatus.DRAFT,
    "publiee": ListingStatus.PUBLISHED,
    "publie": ListingStatus.PUBLISHED,
    "published": ListingStatus.PUBLISHED,
    "archivee": ListingStatus.ARCHIVED,
    "archive": ListingStatus.ARCHIVED,
    "archived": ListingStatus.ARCHIVED,
}


STATUS_WORDS = {
    ListingStatus.DRAFT: "brouillon",
    ListingStatus.PUBLISHED: "publiée",
    ListingStatus.ARCHIVED: "archivée",
}


TEMPLATE_ROWS = [
    [
        "TP-T480-I5-8-256",
        "laptop",
        "Lenovo",
        "ThinkPad T480",
        "Intel Core i5-8350U",
        "8",
        "256",
        "14",
        "Portable 14 pouces, clavier AZERTY, batterie testée à plus de 80 %",
        "A",
        "reconditionné",
        "oui",
        "oui",
        "non",
        "25",
        "289,00",
        "20",
        "24",
        "7,2",
        "5",
        "7",
        "10:275,00|50:259,00",
        "publiée",
    ],
    [
        "IPH12-64-B",
        "smartphone",
        "Apple",
        "iPhone 12 64 Go",
        "-",
        "4",
        "64",
        "6,1",
        "Grade B : micro-rayures sur la coque, écran parfait",
        "B",
        "reconditionné",
        "oui",
        "oui",
        "oui",
        "12",
        "329,00",
        "20",
        "12",
        "",
        "3",
        "5",
        "",
        "brouillon",
    ],
]


# The French name of each field, as the preview and the import page show it.
FIELD_LABELS = {
    "sku": "Référence (SKU)",
    "category_id": "Catégorie",
    "category_code": "Catégorie",
    "brand": "Marque",
    "model": "Modèle",
    "processor": "Processeur",
    "ram_gb": "Mémoire vive (Go)",
    "storage_gb": "Stockage (Go)",
    "screen_inches": "Écran (pouces)",
    "description": "Description",
    "grade": "Grade esthétique",
    "state": "État",
    "refurbished_in_france": "Reconditionné en France",
    "data_wiping_attested": "Effacement des données attesté",
    "has_recycled_materials": "Intègre des matières recyclées",
    "quantity": "Quantité en stock",
    "unit_price": "Prix unitaire HT",
    "vat_rate": "TVA (%)",
    "warranty_months": "Garantie (mois)",
    "repairability_index": "Indice de réparabilité",
    "os_update_years": "Mises à jour garanties (ans)",
    "spare_parts_years": "Pièces détachées (ans)",
    "tiers": "Paliers de prix",
    "status": "Statut",
}


# The cell that clears an optional value on an existing listing (a blank cell keeps it).
CLEAR_MARKER = "-"


STATE_WORDS = {"refurbished": "reconditionné", "used": "occasion"}


class ColumnHelp(NamedTuple):
    column: str
    label: str
    accepted: str


_BOOLEAN = "« oui » ou « non » (aussi o, 1, vrai, x / n, 0, faux)"


_COLUMN_VALUES = {
    "sku": "votre référence, 64 caractères au plus ; obligatoire, elle relie la ligne à l'offre",
    "marque": "texte, 80 caractères au plus",
    "modele": "texte, 160 caractères au plus",
    "processeur": "texte, 120 caractères au plus",
    "ram_go": "nombre entier de Go",
    "stockage_go": "nombre entier de Go",
    "ecran_pouces": "nombre décimal, virgule ou point (14 ou 15,6)",
    "description": "texte libre, 5 000 caractères au plus",
    "reconditionne_en_france": _BOOLEAN,
    "effacement_atteste": _BOOLEAN,
    "matieres_recyclees": _BOOLEAN,
    "quantite": "stock disponible hors campagnes, nombre entier",
    "prix_ht": "prix unitaire HT en euros (289,00 ou 289.00)",
    "tva": "taux en % : 20, 10, 5,5, 2,1 ou 0",
    "garantie_mois": "nombre entier de mois",
    "indice_reparabilite": "de 0 à 10, une décimale (7,2)",
    "mises_a_jour_ans": "nombre entier d'années",
    "pieces_detachees_ans": "nombre entier d'années",
    "paliers": "quantité:prix séparés par « | » (10:275,00|50:259,00)",
}


def column_help() -> list[ColumnHelp]:
    """Every accepted column with its French label and accepted values (categories, grades,
    states and statuses by their French words and codes), for the import page."""
    categories = db.session.execute(
        select(Category.code, Category.label_fr).order_by(Category.sort_order)
    ).all()
    values = _COLUMN_VALUES | {
        "categorie": "; ".join(f"{code} ({label})" for code, label in categories),
        "grade": "; ".join(f"{g.value}" for g in Grade),
        "etat": "« reconditionné » (refurbished) ou « occasion » (used)",
        "statut": "« brouillon », « publiée » ou « archivée »",
    }
    return [
        ColumnHelp(column, FIELD_LABELS.get(target, target), values.get(column, ""))
        for column, target in COLUMNS.items()
    ]


def template_rows() -> tuple[list[str], list[list[str]]]:
    """The downloadable template: canonical headers and two example lines."""
    return list(COLUMNS), TEMPLATE_ROWS


def status_word(status: str) -> str:
    return STATUS_WORDS.get(ListingStatus(status), status)
