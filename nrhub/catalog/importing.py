"""Stock import: a refurbisher's spreadsheet previewed, then applied all-or-nothing.

The preview reads the file with :func:`nrhub.spreadsheets.read_table`, checks every line with
the same rules as the listing form, and sorts lines into "to create", "to update" (by SKU)
and "unchanged", with every error's line and column. The parsed lines are kept server-side
in a JSON file named by a random token and bound to the organisation; applying re-reads
the current listings and writes everything in one transaction with bulk statements (no
per-line ORM queries), so that 10,000 lines take seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from nrhub.access import require
from nrhub.audit.models import AuditEvent
from nrhub.auth.models import User
from nrhub.catalog import policy
from nrhub.catalog.models import (
    Category,
    Grade,
    Listing,
    ListingStatus,
    PriceTier,
    StockImport,
)
from nrhub.catalog.rules import FieldError, ListingData, TierData, parse_listing, parse_tiers_text
from nrhub.db import utcnow
from nrhub.errors import ConflictError, NotFoundError, ValidationError
from nrhub.extensions import db
from nrhub.spreadsheets import SpreadsheetError, read_table
from nrhub.transactions import after_commit

MAX_LINES = 20_000
TOKEN_LIFETIME = dt.timedelta(hours=2)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
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
_STATUS_WORDS = {
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


def _key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")


@dataclass(frozen=True)
class ImportIssue:
    line: int
    column: str
    message: str


class FieldChange(NamedTuple):
    """One field an import line changes: its French label, the old and the new value."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ImportLine:
    line: int
    sku: str
    title: str
    changes: tuple[FieldChange, ...] = ()


@dataclass
class ImportPreview:
    filename: str
    total_lines: int
    creates: list[ImportLine] = field(default_factory=list)
    updates: list[ImportLine] = field(default_factory=list)
    unchanged: list[ImportLine] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    # Not errors, but worth a look: unknown columns (ignored), cells beyond the header.
    warnings: list[ImportIssue] = field(default_factory=list)
    token: str | None = None

    @property
    def can_apply(self) -> bool:
        return not self.errors and bool(self.creates or self.updates) and self.token is not None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


# ----------------------------------------------------------------------------- reading


def _header_map(header: list[str], warnings: list[ImportIssue]) -> dict[str, str]:
    """File header → canonical column; a duplicate column is an error, unknown columns are
    ignored with a warning (an error when no column is known)."""
    mapping: dict[str, str] = {}
    seen: set[str] = set()
    unknown = []
    for name in header:
        if not name:
            continue
        key = _key(name)
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


def _category_lookup() -> tuple[dict[str, int], dict[int, str]]:
    rows = db.session.execute(select(Category.id, Category.code, Category.label_fr)).all()
    by_name: dict[str, int] = {}
    for category_id, code, label in rows:
        by_name[_key(code)] = category_id
        by_name[_key(label)] = category_id
    return by_name, {category_id: code for category_id, code, _label in rows}


_EXISTING_COLUMNS = (
    Listing.id,
    Listing.sku,
    Listing.category_id,
    Listing.status,
    *(
        getattr(Listing, name)
        for name in ListingData.__dataclass_fields__
        if name not in ("category_code", "tiers", "sku")
    ),
)


def _existing(refurbisher_id: int) -> dict[str, dict[str, Any]]:
    """The refurbisher's listings by SKU, as plain values (two statements)."""
    listings: dict[str, dict[str, Any]] = {}
    by_id: dict[int, dict[str, Any]] = {}
    for row in db.session.execute(
        select(*_EXISTING_COLUMNS).where(Listing.refurbisher_id == refurbisher_id)
    ).mappings():
        values = dict(row)
        values["tiers"] = []
        listings[values["sku"]] = values
        by_id[values["id"]] = values
    tiers = db.session.execute(
        select(PriceTier.listing_id, PriceTier.min_quantity, PriceTier.unit_price)
        .join(Listing, Listing.id == PriceTier.listing_id)
        .where(Listing.refurbisher_id == refurbisher_id)
        .order_by(PriceTier.listing_id, PriceTier.min_quantity)
    )
    for listing_id, min_quantity, unit_price in tiers:
        by_id[listing_id]["tiers"].append(TierData(min_quantity, unit_price))
    for values in listings.values():
        values["tiers"] = tuple(values["tiers"])
    return listings


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def _raw_of(existing: dict[str, Any], codes: dict[int, str]) -> dict[str, str]:
    raw = {name: _as_text(existing.get(name)) for name in ListingData.__dataclass_fields__}
    raw["category_code"] = codes[existing["category_id"]]
    return raw


def _comparable(data: ListingData, category_id: int, status: str) -> dict[str, Any]:
    values = {name: getattr(data, name) for name in ListingData.__dataclass_fields__}
    values.pop("category_code")
    values["category_id"] = category_id
    values["status"] = status
    values["tiers"] = tuple(data.tiers)
    return values


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
_STATE_WORDS = {"refurbished": "reconditionné", "used": "occasion"}


def _diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, ...]:
    """The names of the fields whose value changes."""
    changes = []
    for name, value in new.items():
        before = old.get(name)
        if name == "tiers":
            before = tuple(before or ())
        if before != value:
            changes.append(name)
    return tuple(changes)


def _shown(name: str, value: Any, categories: dict[int, str]) -> str:
    """A value as the refurbisher wrote it in French ("(vide)" when there is none)."""
    if value is None or value == "" or value == ():
        return "(vide)"
    if name == "category_id":
        return categories.get(value, str(value))
    if name == "status":
        return status_word(value)
    if name == "state":
        return _STATE_WORDS.get(str(value), str(value))
    if name == "tiers":
        return "|".join(f"{t.min_quantity}:{_money(t.unit_price)}" for t in value)
    if name == "unit_price":
        return _money(value)
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, Decimal):
        return _decimal(value)
    return str(value)


def _money(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",")


def _decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return text.replace(".", ",")


def describe_changes(
    old: dict[str, Any], new: dict[str, Any], categories: dict[int, str]
) -> tuple[FieldChange, ...]:
    """Each changed field with its French label and old → new value."""
    return tuple(
        FieldChange(
            FIELD_LABELS.get(name, name),
            _shown(name, old.get(name), categories),
            _shown(name, new[name], categories),
        )
        for name in _diff(old, new)
    )


@dataclass
class _Parsed:
    line: int
    data: ListingData
    category_id: int
    status: str
    existing: dict[str, Any] | None
    changes: tuple[FieldChange, ...] = ()


def _parse_rows(
    sheet_rows: Iterable[tuple[int, dict[str, str]]],
    mapping: dict[str, str],
    existing: dict[str, dict[str, Any]],
    errors: list[ImportIssue],
) -> list[_Parsed]:
    categories, codes = _category_lookup()
    column_of = {COLUMNS[key]: name for name, key in mapping.items()}
    parsed: list[_Parsed] = []
    seen_skus: dict[str, int] = {}
    for line, cells in sheet_rows:
        values = {mapping[name]: cells.get(name, "") for name in mapping}
        sku = values.get("sku", "").strip()
        if not sku:
            errors.append(ImportIssue(line, column_of["sku"], "La référence (SKU) est vide."))
            continue
        if sku in seen_skus:
            errors.append(
                ImportIssue(
                    line,
                    column_of["sku"],
                    f"La référence « {sku} » figure déjà ligne {seen_skus[sku]} du fichier.",
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
                            _column_name(column, mapping),
                            "Obligatoire pour créer une nouvelle offre.",
                        )
                    )
                continue
            raw = {name: "" for name in ListingData.__dataclass_fields__}
            raw_tiers_text = ""
            status = ListingStatus.DRAFT.value
        else:
            raw = _raw_of(current, codes)
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
                    status_value = STATUSES.get(_key(value))
                    if status_value is None:
                        errors.append(
                            ImportIssue(
                                line,
                                column_of["status"],
                                "Statut inconnu : « brouillon », « publiée » ou « archivée ».",
                            )
                        )
                        status = ""
                    else:
                        status = status_value.value
            elif target == "category_code" and value.strip():
                category_id = categories.get(_key(value))
                if category_id is None:
                    errors.append(
                        ImportIssue(line, column_of[target], f"Catégorie inconnue : « {value} ».")
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
                ImportIssue(line, column_of.get(name, _column_name(name, mapping)), message)
            )
        if data is None or not status:
            continue
        parsed.append(_Parsed(line, data, categories[_key(data.category_code)], status, current))
    return parsed


def _column_name(name: str, mapping: dict[str, str]) -> str:
    canonical = next((k for k, v in COLUMNS.items() if v == name), name)
    return next((n for n, k in mapping.items() if k == canonical), canonical)


def _classify(parsed: list[_Parsed], preview: ImportPreview) -> list[_Parsed]:
    to_write = []
    labels = {
        cid: label for cid, label in db.session.execute(select(Category.id, Category.label_fr))
    }
    for item in parsed:
        title = f"{item.data.brand} {item.data.model}"
        if item.existing is None:
            preview.creates.append(ImportLine(item.line, item.data.sku, title))
            to_write.append(item)
            continue
        item.changes = describe_changes(
            item.existing, _comparable(item.data, item.category_id, item.status), labels
        )
        if item.changes:
            preview.updates.append(ImportLine(item.line, item.data.sku, title, item.changes))
            to_write.append(item)
        else:
            preview.unchanged.append(ImportLine(item.line, item.data.sku, title))
    return to_write


def _require_refurbisher(by: User) -> None:
    require(policy.can_import_stock(by))


def preview_import(data: bytes, filename: str, *, by: User) -> ImportPreview:
    """Check a stock file and keep its lines server-side for :func:`apply_import`.

    Raises :class:`ValidationError` when the file as a whole is unreadable (empty, wrong
    encoding, too many lines, unknown columns); line errors are listed in the preview.
    """
    _require_refurbisher(by)
    try:
        sheet = read_table(data, filename, max_rows=MAX_LINES)
    except SpreadsheetError as err:
        raise ValidationError(str(err), field="file") from err
    preview = ImportPreview(filename=filename, total_lines=len(sheet.rows))
    mapping = _header_map(sheet.header, preview.warnings)
    preview.warnings.extend(
        ImportIssue(
            line,
            "",
            "Cette ligne a des cellules au-delà des colonnes de l'en-tête : elles sont ignorées.",
        )
        for line in sheet.overflowing_lines
    )
    existing = _existing(by.organisation_id)
    parsed = _parse_rows(sheet.rows, mapping, existing, preview.errors)
    to_write = _classify(parsed, preview)
    preview.errors.sort(key=lambda issue: issue.line)
    if not preview.errors and to_write:
        preview.token = _save(by, filename, to_write)
    return preview


# ----------------------------------------------------------------------------- storing


def _import_dir() -> Path:
    configured = current_app.config.get("IMPORT_DIR")
    if configured:
        return Path(configured)
    return Path(current_app.config["UPLOAD_DIR"]).parent / "imports"


def _serialise(data: ListingData) -> dict[str, Any]:
    values = asdict(data)
    values["tiers"] = [[t.min_quantity, str(t.unit_price)] for t in data.tiers]
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def _deserialise(values: dict[str, Any]) -> ListingData:
    decimals = ("unit_price", "vat_rate", "screen_inches", "repairability_index")
    converted = dict(values)
    for name in decimals:
        if converted.get(name) is not None:
            converted[name] = Decimal(converted[name])
    converted["tiers"] = tuple(TierData(int(q), Decimal(p)) for q, p in values["tiers"])
    return ListingData(**converted)


def _save(by: User, filename: str, items: list[_Parsed]) -> str:
    token = secrets.token_urlsafe(24)
    directory = _import_dir()
    directory.mkdir(parents=True, exist_ok=True)
    payload = {
        "organisation_id": by.organisation_id,
        "user_id": by.id,
        "created_at": utcnow().isoformat(),
        "filename": filename,
        "rows": [
            {
                "line": i.line,
                "status": i.status,
                "category_id": i.category_id,
                "data": _serialise(i.data),
            }
            for i in items
        ],
    }
    (directory / f"{token}.json").write_text(json.dumps(payload), encoding="utf-8")
    _purge_old(directory)
    return token


def _purge_old(directory: Path) -> None:
    limit = (utcnow() - TOKEN_LIFETIME).timestamp()
    for path in directory.glob("*.json"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def _load(token: str, by: User) -> tuple[Path, dict[str, Any]]:
    missing = NotFoundError("Cet aperçu d'import n'existe plus : envoyez le fichier de nouveau.")
    if not _TOKEN.fullmatch(token or ""):
        raise missing
    path = _import_dir() / f"{token}.json"
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise missing from err
    if payload.get("organisation_id") != by.organisation_id:
        raise missing
    created = dt.datetime.fromisoformat(payload["created_at"])
    if utcnow() - created > TOKEN_LIFETIME:
        path.unlink(missing_ok=True)
        raise missing
    return path, payload


# ----------------------------------------------------------------------------- applying


def _columns_of(data: ListingData) -> dict[str, Any]:
    values = {
        name: getattr(data, name)
        for name in ListingData.__dataclass_fields__
        if name not in ("category_code", "tiers")
    }
    return values


def apply_import(token: str, *, by: User) -> ImportResult:
    """Write a previewed import: every line or none, and once only.

    The preview's token is claimed first (a unique row, :class:`StockImport`): a second
    apply, even arriving at the same moment on another worker, waits for the first and is
    refused with a conflict, changing nothing. Everything happens in a savepoint, so that a
    refusal leaves nothing behind even when the view answers it with a redirect.

    Lines are matched to listings by SKU again at this moment, so a listing created since
    the preview is updated rather than duplicated. Each created listing and each change of
    quantity or price gets its audit record, with old and new values.
    """
    _require_refurbisher(by)
    try:
        with db.session.begin_nested():
            _claim(token, by)
            path, payload = _load(token, by)
            result = _apply(payload, by)
    except IntegrityError as err:  # a listing of the file was created meanwhile by another way
        raise ConflictError(
            _(
                "Une offre de ce fichier vient d'être créée par ailleurs ; aucune offre n'a été "
                "modifiée. Envoyez le fichier de nouveau."
            )
        ) from err
    after_commit(lambda: path.unlink(missing_ok=True))
    return result


def _claim(token: str, by: User) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(
                StockImport(
                    token_hash=hashlib.sha256(token.encode("utf-8")).hexdigest(),
                    organisation_id=by.organisation_id,
                    applied_by_id=by.id,
                    applied_at=utcnow(),
                )
            )
    except IntegrityError as err:
        raise ConflictError(
            _("Cet import a déjà été appliqué : aucune offre n'a été modifiée une seconde fois.")
        ) from err


def _apply(payload: dict[str, Any], by: User) -> ImportResult:
    org_id = by.organisation_id
    now = utcnow()
    existing = _existing(org_id)
    creates: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    new_tiers: dict[str, tuple[TierData, ...]] = {}
    audits: list[dict[str, Any]] = []
    unchanged = 0
    for row in payload["rows"]:
        data = _deserialise(row["data"])
        status = row["status"]
        current = existing.get(data.sku)
        columns = _columns_of(data) | {"category_id": row["category_id"], "status": status}
        if current is None:
            creates.append(
                columns
                | {
                    "refurbisher_id": org_id,
                    "created_at": now,
                    "updated_at": now,
                    "published_at": now if status == ListingStatus.PUBLISHED else None,
                }
            )
            new_tiers[data.sku] = data.tiers
            continue
        changes = _diff(current, _comparable(data, row["category_id"], status))
        if not changes:
            unchanged += 1
            continue
        published_at = current.get("published_at")
        if status == ListingStatus.PUBLISHED and current["status"] != ListingStatus.PUBLISHED:
            published_at = now
        updates.append(
            {
                **{f"b_{k}": v for k, v in columns.items()},
                "b_id": current["id"],
                "b_updated_at": now,
                "b_published_at": published_at,
            }
        )
        if data.tiers != current["tiers"]:
            new_tiers[data.sku] = data.tiers
        audits.extend(_update_audits(current, data, by, now))
    _write(org_id, creates, updates, new_tiers, existing, audits, by, now)
    db.session.add(
        AuditEvent(
            actor_id=by.id,
            organisation_id=org_id,
            action="listing.import_applied",
            object_type="listing",
            details={
                "filename": payload.get("filename", ""),
                "created": len(creates),
                "updated": len(updates),
                "unchanged": unchanged,
            },
        )
    )
    db.session.flush()
    return ImportResult(created=len(creates), updated=len(updates), unchanged=unchanged)


def _update_audits(
    current: dict[str, Any], data: ListingData, by: User, now: dt.datetime
) -> list[dict[str, Any]]:
    events = []
    base = {
        "actor_id": by.id,
        "organisation_id": by.organisation_id,
        "object_type": "listing",
        "object_id": current["id"],
        "at": now,
    }
    if current["quantity"] != data.quantity:
        events.append(
            base
            | {
                "action": "listing.quantity_changed",
                "details": {"old": current["quantity"], "new": data.quantity, "source": "import"},
            }
        )
    if current["unit_price"] != data.unit_price or current["tiers"] != data.tiers:
        events.append(
            base
            | {
                "action": "listing.price_changed",
                "details": {
                    "old": str(current["unit_price"]),
                    "new": str(data.unit_price),
                    "old_tiers": [[t.min_quantity, str(t.unit_price)] for t in current["tiers"]],
                    "new_tiers": [[t.min_quantity, str(t.unit_price)] for t in data.tiers],
                    "source": "import",
                },
            }
        )
    return events


_CHUNK = 500


def _write(
    org_id: int,
    creates: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    new_tiers: dict[str, tuple[TierData, ...]],
    existing: dict[str, dict[str, Any]],
    audits: list[dict[str, Any]],
    by: User,
    now: dt.datetime,
) -> None:
    table = Listing.__table__
    if creates:
        db.session.execute(insert(table), creates)
    if updates:
        columns = [k.removeprefix("b_") for k in updates[0] if k != "b_id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.refurbisher_id == org_id)
            .values({name: bindparam(f"b_{name}") for name in columns})
        )
        db.session.execute(stmt, updates)
    ids = {sku: values["id"] for sku, values in existing.items()}
    if creates:
        created_skus = [row["sku"] for row in creates]
        for start in range(0, len(created_skus), _CHUNK):
            chunk = created_skus[start : start + _CHUNK]
            ids.update(
                db.session.execute(
                    select(Listing.sku, Listing.id).where(
                        Listing.refurbisher_id == org_id, Listing.sku.in_(chunk)
                    )
                ).all()
            )
        for row in creates:
            audits.append(
                {
                    "actor_id": by.id,
                    "organisation_id": org_id,
                    "object_type": "listing",
                    "object_id": ids[row["sku"]],
                    "at": now,
                    "action": "listing.created",
                    "details": {
                        "sku": row["sku"],
                        "quantity": row["quantity"],
                        "unit_price": str(row["unit_price"]),
                        "source": "import",
                    },
                }
            )
    replaced = [ids[sku] for sku in new_tiers if sku in existing]
    for start in range(0, len(replaced), _CHUNK):
        db.session.execute(
            delete(PriceTier.__table__).where(
                PriceTier.__table__.c.listing_id.in_(replaced[start : start + _CHUNK])
            )
        )
    tier_rows = [
        {"listing_id": ids[sku], "min_quantity": t.min_quantity, "unit_price": t.unit_price}
        for sku, tiers in new_tiers.items()
        for t in tiers
    ]
    if tier_rows:
        db.session.execute(insert(PriceTier.__table__), tier_rows)
    if audits:
        db.session.execute(insert(AuditEvent.__table__), audits)


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
    return _STATUS_WORDS.get(ListingStatus(status), status)
