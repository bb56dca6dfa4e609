"""Reading a spreadsheet of purchases made outside the hub into declarations.

Pure: a :class:`~nrhub.spreadsheets.Sheet` and the categories in, numbered rows and
French line errors out. The business checks (future date, SIRET, donation grid…) run
afterwards in :func:`nrhub.ledger.services.check_import`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from nrhub.catalog.models import Category
from nrhub.clauses.services import NO_ENVIRONMENTAL, NO_SOCIAL
from nrhub.ledger.reference import donation_grid
from nrhub.ledger.services import (
    ENVIRONMENTAL_VALUES,
    SOCIAL_VALUES,
    ImportRow,
    SpendInput,
    SpendNature,
)
from nrhub.spreadsheets import Sheet, parse_date, parse_decimal

COLUMNS = (
    "date",
    "categorie",
    "quantite",
    "montant_ht",
    "nature",
    "fournisseur",
    "siret_fournisseur",
    "matieres_recyclees",
    "age_don",
    "considerations_sociales",
    "considerations_environnementales",
    "commentaire",
)
REQUIRED = ("date", "categorie", "quantite", "nature")

TEMPLATE_ROWS = (
    (
        "15/03/2025",
        "laptop",
        "10",
        "2 450,00",
        "réemploi",
        "Ordi'Breizh Réemploi",
        "",
        "non",
        "",
        "Marché réservé",
        "Clause environnementale",
        "Marché de portables reconditionnés",
    ),
    (
        "02/04/2025",
        "Écran",
        "5",
        "900,00",
        "neuf",
        "Fournisseur national",
        "",
        "oui",
        "",
        "",
        "",
        "",
    ),
    ("20/05/2025", "laptop", "3", "", "don", "Conseil départemental", "", "non", "moins de 5 ans",
     "", "", "Don de portables réformés"),
)  # fmt: skip

_NATURES = {
    "neuf": SpendNature.NEW,
    "new": SpendNature.NEW,
    "reemploi": SpendNature.REUSE,
    "reutilisation": SpendNature.REUSE,
    "reconditionne": SpendNature.REUSE,
    "reuse": SpendNature.REUSE,
    "don": SpendNature.DONATION,
    "donation": SpendNature.DONATION,
}
_YES = {"oui", "o", "1", "vrai", "x", "yes", "true"}
_NO = {"non", "n", "0", "faux", "", "no", "false"}


def _key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


@dataclass(frozen=True)
class ParsedSheet:
    rows: list[ImportRow]
    errors: list[str]


def parse_sheet(sheet: Sheet, categories: Iterable[Category]) -> ParsedSheet:
    """Rows of the import with their line numbers; errors name the line and the column."""
    missing = [c for c in REQUIRED if c not in sheet.header]
    if missing:
        return ParsedSheet(
            [],
            [
                "Colonnes obligatoires absentes : "
                + ", ".join(missing)
                + ". Téléchargez le modèle pour voir les colonnes attendues."
            ],
        )
    by_key: dict[str, Category] = {}
    for known in categories:
        by_key[_key(known.code)] = known
        by_key[_key(known.label_fr)] = known
        by_key[_key(known.label_en)] = known
    brackets: dict[str, str] = {}
    for grid_bracket in donation_grid().brackets:
        brackets[_key(grid_bracket.code)] = grid_bracket.code
        brackets[_key(grid_bracket.label_fr)] = grid_bracket.code
    social = {_key(v): v for v in SOCIAL_VALUES}
    environmental = {_key(v): v for v in ENVIRONMENTAL_VALUES}

    rows: list[ImportRow] = []
    errors: list[str] = []
    for line, cells in sheet.rows:
        problems: list[str] = []

        def cell(name: str, cells: dict[str, str] = cells) -> str:
            return cells.get(name, "").strip()

        try:
            spent_on = parse_date(cell("date"))
        except ValueError:
            problems.append(f"date « {cell('date')} » invalide (jj/mm/aaaa)")
            spent_on = None
        category = by_key.get(_key(cell("categorie")))
        if category is None:
            problems.append(f"catégorie « {cell('categorie')} » inconnue")
        quantity = None
        try:
            quantity = int(cell("quantite"))
            if quantity <= 0:
                raise ValueError
        except ValueError:
            problems.append(f"quantité « {cell('quantite')} » invalide (entier positif)")
        nature = _NATURES.get(_key(cell("nature")))
        if nature is None:
            problems.append(f"nature « {cell('nature')} » inconnue (neuf, réemploi ou don)")
        amount = None
        if nature != SpendNature.DONATION:
            try:
                amount = parse_decimal(cell("montant_ht"))
                if amount < 0:
                    raise ValueError
            except ValueError:
                problems.append(f"montant HT « {cell('montant_ht')} » invalide")
        recycled_text = _key(cell("matieres_recyclees"))
        if recycled_text not in _YES | _NO:
            problems.append("matieres_recyclees doit valoir oui ou non")
        bracket = None
        if nature == SpendNature.DONATION:
            bracket = brackets.get(_key(cell("age_don")))
            if bracket is None:
                problems.append(f"âge du don « {cell('age_don')} » inconnu")
        social_value = social.get(_key(cell("considerations_sociales")) or _key(NO_SOCIAL))
        if social_value is None:
            problems.append("considérations sociales inconnues")
        environmental_value = environmental.get(
            _key(cell("considerations_environnementales")) or _key(NO_ENVIRONMENTAL)
        )
        if environmental_value is None:
            problems.append("considérations environnementales inconnues")
        siret = cell("siret_fournisseur").replace(" ", "") or None
        if problems:
            errors.append(f"Ligne {line} : " + " ; ".join(problems) + ".")
            continue
        assert spent_on and category and quantity and nature and social_value
        assert environmental_value
        rows.append(
            ImportRow(
                line,
                SpendInput(
                    spent_on=spent_on,
                    category_id=category.id,
                    quantity=quantity,
                    amount=amount,
                    supplier_name=cell("fournisseur")[:200],
                    nature=nature,
                    supplier_siret=siret,
                    has_recycled_materials=recycled_text in _YES,
                    donation_age_bracket=bracket,
                    social_consideration=social_value,
                    environmental_consideration=environmental_value,
                    comment=cell("commentaire")[:2000] or None,
                ),
            )
        )
    return ParsedSheet(rows, errors)
