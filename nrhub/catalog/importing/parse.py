"""Reading the stock file: headers to fields, each row checked with the listing form's rules."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from nrhub.catalog.importing.columns import (
    ALIASES,
    CLEAR_MARKER,
    COLUMNS,
    REQUIRED_TO_CREATE,
    STATUSES,
)
from nrhub.catalog.importing.lines import ImportIssue, ParsedLine, line_key
from nrhub.catalog.models import Category, ListingStatus
from nrhub.catalog.rules import FieldError, ListingData, parse_listing, parse_tiers_text
from nrhub.errors import ValidationError
from nrhub.extensions import db


def header_map(header: list[str], warnings: list[ImportIssue]) -> dict[str, str]:
    """File header → canonical column; a duplicate column is an error, unknown columns are
    ignored with a warning (an error when no column is known)."""
    mapping: dict[str, str] = {}
    seen: set[str] = set()
    unknown = []
    for name in header:
        if not name:
            continue
        key = line_key(name)
        key = ALIASES.get(key, key)
        if key not in COLUMNS:
            unknown.append(name)
            continue
        if key in seen:
            raise ValidationError(
                _("La colonne « %(name)s » apparaît deux fois.", name=name), field="file"
            )
        seen.add(key)
        mapping[name] = key
    if unknown:
        names = ", ".join(f"« {n} »" for n in unknown[:5])
        message = _(
            "Colonnes inconnues : %(names)s. Reprenez les en-têtes du modèle à télécharger.",
            names=names,
        )
        if "sku" not in seen:
            raise ValidationError(message, field="file")
        warnings.append(
            ImportIssue(1, ", ".join(unknown[:5]), f"{message} {_('Elles sont ignorées.')}")
        )
    if "sku" not in seen:
        raise ValidationError(
            _(
                "La colonne « sku » (votre référence) est obligatoire : c'est elle qui relie "
                "chaque ligne à une offre."
            ),
            field="file",
        )
    if len(seen) < 2:
        raise ValidationError(_("Le fichier n'a aucune colonne à mettre à jour."), field="file")
    return mapping


def category_lookup() -> tuple[dict[str, int], dict[int, str]]:
    rows = db.session.execute(select(Category.id, Category.code, Category.label_fr)).all()
    by_name: dict[str, int] = {}
    for category_id, code, label in rows:
        by_name[line_key(code)] = category_id
        by_name[line_key(label)] = category_id
    return by_name, {category_id: code for category_id, code, _label in rows}


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def raw_of(existing: dict[str, Any], codes: dict[int, str]) -> dict[str, str]:
    raw = {name: as_text(existing.get(name)) for name in ListingData.__dataclass_fields__}
    raw["category_code"] = codes[existing["category_id"]]
    return raw


def parse_rows(
    sheet_rows: Iterable[tuple[int, dict[str, str]]],
    mapping: dict[str, str],
    existing: dict[str, dict[str, Any]],
    errors: list[ImportIssue],
) -> list[ParsedLine]:
    categories, codes = category_lookup()
    column_of = {COLUMNS[key]: name for name, key in mapping.items()}
    parsed: list[ParsedLine] = []
    seen_skus: dict[str, int] = {}
    for line, cells in sheet_rows:
        values = {mapping[name]: cells.get(name, "") for name in mapping}
        sku = values.get("sku", "").strip()
        if not sku:
            errors.append(ImportIssue(line, column_of["sku"], _("La référence (SKU) est vide.")))
            continue
        if sku in seen_skus:
            errors.append(
                ImportIssue(
                    line,
                    column_of["sku"],
                    _(
                        "La référence « %(sku)s » figure déjà ligne %(line)d du fichier.",
                        sku=sku,
                        line=seen_skus[sku],
                    ),
                )
            )
            continue
        seen_skus[sku] = line
        current = existing.get(sku)
        if current is None:
            missing = [c for c in REQUIRED_TO_CREATE if not values.get(c, "").strip()]
            if missing:
                for column in missing:
                    errors.append(
                        ImportIssue(
                            line,
                            column_name(column, mapping),
                            _("Obligatoire pour créer une nouvelle offre."),
                        )
                    )
                continue
            raw = {name: "" for name in ListingData.__dataclass_fields__}
            raw_tiers_text = ""
            status = ListingStatus.DRAFT.value
        else:
            raw = raw_of(current, codes)
            raw_tiers_text = "|".join(f"{t.min_quantity}:{t.unit_price}" for t in current["tiers"])
            status = str(current["status"])
        for key, cell in values.items():
            target = COLUMNS[key]
            if current is not None and not cell.strip():
                continue  # a blank cell keeps the current value
            value = "" if cell.strip() == CLEAR_MARKER else cell
            if target == "tiers":
                raw_tiers_text = value
            elif target == "status":
                if value.strip():
                    status_value = STATUSES.get(line_key(value))
                    if status_value is None:
                        errors.append(
                            ImportIssue(
                                line,
                                column_of["status"],
                                _("Statut inconnu : « brouillon », « publiée » ou « archivée »."),
                            )
                        )
                        status = ""
                    else:
                        status = status_value.value
            elif target == "category_code" and value.strip():
                category_id = categories.get(line_key(value))
                if category_id is None:
                    errors.append(
                        ImportIssue(
                            line,
                            column_of[target],
                            _("Catégorie inconnue : « %(value)s ».", value=value),
                        )
                    )
                    raw[target] = ""
                else:
                    raw[target] = codes[category_id]
            else:
                raw[target] = value
        try:
            raw_tiers = parse_tiers_text(raw_tiers_text)
        except FieldError as err:
            errors.append(ImportIssue(line, column_of.get("tiers", "paliers"), str(err)))
            continue
        data, field_errors = parse_listing(raw, raw_tiers)
        for name, message in field_errors.items():
            if (
                name == "category_code"
                and raw.get("category_code") == ""
                and values.get("categorie", "").strip()
            ):
                continue  # already reported as an unknown category
            errors.append(
                ImportIssue(line, column_of.get(name, column_name(name, mapping)), message)
            )
        if data is None or not status:
            continue
        parsed.append(
            ParsedLine(line, data, categories[line_key(data.category_code)], status, current)
        )
    return parsed


def column_name(name: str, mapping: dict[str, str]) -> str:
    canonical = next((k for k, v in COLUMNS.items() if v == name), name)
    return next((n for n, k in mapping.items() if k == canonical), canonical)
