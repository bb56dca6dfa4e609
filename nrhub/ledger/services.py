"""Writing the spend ledger (and its summary) and the legal targets.

Every use case works inside the caller's unit of work (a request, a CLI command, a
receipt that calls ``record_spend``): it flushes or raises a ``DomainError``, and
refuses before it writes anything. The summary rows of the buyers and years a use case
touched are recomputed from the ledger just before the commit (``summary.touch``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from stdnum.fr import siret as stdnum_siret

from nrhub.access import require
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.catalog.models import Category
from nrhub.clauses.models import Clause, ClauseKind
from nrhub.clauses.services import NO_ENVIRONMENTAL, NO_SOCIAL, decp_considerations
from nrhub.db import quantize_money, utcnow
from nrhub.errors import ConflictError, ValidationError
from nrhub.extensions import db
from nrhub.formatting import paris_date_of, paris_today
from nrhub.ledger import policy, summary
from nrhub.ledger.models import LegalTarget, SpendEntry, SpendImport, SpendOrigin, TargetKind
from nrhub.ledger.reference import donation_grid
from nrhub.organisations.models import Organisation, OrgKind

SOCIAL_VALUES = ("Clause sociale", "Critère social", "Marché réservé", NO_SOCIAL)
ENVIRONMENTAL_VALUES = ("Clause environnementale", "Critère environnemental", NO_ENVIRONMENTAL)
MAX_AMOUNT = Decimal("100000000.00")
MAX_QUANTITY = 1_000_000
FIRST_YEAR = 2000


def spend_date(moment: dt.datetime) -> dt.date:
    """The ledger date of an instant: its Europe/Paris calendar date (2025-12-31T22:30Z,
    23:30 in Paris, is spent on 2025-12-31 and counts in 2025)."""
    return paris_date_of(moment)


def record_spend(
    *,
    buyer: Organisation,
    spent_on: dt.date,
    category_id: int,
    quantity: int,
    amount: Decimal,
    supplier_name: str,
    origin: SpendOrigin,
    is_reuse: bool,
    by: User | None,
    has_recycled_materials: bool = False,
    supplier: Organisation | None = None,
    supplier_siret: str | None = None,
    social_consideration: str = NO_SOCIAL,
    environmental_consideration: str = NO_ENVIRONMENTAL,
    campaign_id: int | None = None,
    delivery_line_id: int | None = None,
    comment: str | None = None,
    clauses: Sequence[Clause] = (),
    donation_age_bracket: str | None = None,
    contract: ContractRef | None = None,
) -> SpendEntry:
    """Add one ledger row (its summary follows before the commit); ``spent_on`` is a
    Europe/Paris date (see :func:`spend_date`).

    A supplier that is a member refurbisher gives its department, region and ESS status.
    A donation is always reuse (the national schema counts donations in the reuse amount).
    """
    entry = SpendEntry(
        buyer_id=buyer.id,
        spent_on=spent_on,
        year=spent_on.year,
        category_id=category_id,
        quantity=quantity,
        amount=quantize_money(Decimal(amount)),
        origin=origin,
        is_reuse=is_reuse or origin == SpendOrigin.DONATION,
        has_recycled_materials=has_recycled_materials,
        social_consideration=social_consideration,
        environmental_consideration=environmental_consideration,
        campaign_id=campaign_id,
        delivery_line_id=delivery_line_id,
        comment=comment,
        donation_age_bracket=donation_age_bracket,
        created_by_id=by.id if by is not None else None,
    )
    _set_contract(entry, contract)
    _set_supplier(entry, supplier, supplier_name, supplier_siret)
    entry.clauses = list(clauses)
    db.session.add(entry)
    summary.touch(buyer.id, entry.year)
    return entry


@dataclass(frozen=True)
class ContractRef:
    """The contract a declared purchase was made under (reference, title, date)."""

    reference: str
    title: str = ""
    signed_on: dt.date | None = None


def _set_contract(entry: SpendEntry, contract: ContractRef | None) -> None:
    entry.contract_reference = contract.reference if contract is not None else None
    entry.contract_title = (contract.title or None) if contract is not None else None
    entry.contract_date = contract.signed_on if contract is not None else None


def _set_supplier(
    entry: SpendEntry, supplier: Organisation | None, name: str, siret: str | None
) -> None:
    entry.supplier_name = supplier.name if supplier is not None else name
    entry.supplier_siret = supplier.siret if supplier is not None else siret
    entry.supplier_id = supplier.id if supplier is not None else None
    entry.supplier_department_code = supplier.department_code if supplier is not None else None
    entry.supplier_region_code = supplier.region_code if supplier is not None else None
    entry.supplier_is_ess = supplier is not None and supplier.kind == OrgKind.REFURBISHER


# --- Purchases declared by the buyer -------------------------------------------------


class SpendNature(StrEnum):
    NEW = "new"
    REUSE = "reuse"
    DONATION = "donation"


@dataclass(frozen=True)
class SpendInput:
    """A purchase outside the hub or a donation, as typed in the form or an import row."""

    spent_on: dt.date
    category_id: int
    quantity: int
    amount: Decimal | None  # ignored for donations: the flat-rate grid values them
    supplier_name: str
    nature: SpendNature
    supplier_siret: str | None = None
    has_recycled_materials: bool = False
    donation_age_bracket: str | None = None
    social_consideration: str = NO_SOCIAL
    environmental_consideration: str = NO_ENVIRONMENTAL
    clause_ids: tuple[int, ...] = ()
    comment: str | None = None
    contract: ContractRef | None = None


@dataclass
class _Checked:
    data: SpendInput
    category: Category
    amount: Decimal
    clauses: list[Clause] = field(default_factory=list)
    supplier: Organisation | None = None
    social: str = NO_SOCIAL
    environmental: str = NO_ENVIRONMENTAL


def _check(data: SpendInput, categories: dict[int, Category], today: dt.date) -> _Checked:
    """Business checks of one declaration; ValidationError (French, with the field)."""
    category = categories.get(data.category_id)
    if category is None:
        raise ValidationError(_("Catégorie inconnue."), field="category_id")
    if data.spent_on > today:
        raise ValidationError(_("La date ne peut pas être dans le futur."), field="spent_on")
    if data.spent_on.year < FIRST_YEAR:
        raise ValidationError(
            _("La date doit être en %(year)s ou après.", year=FIRST_YEAR), field="spent_on"
        )
    if not 0 < data.quantity <= MAX_QUANTITY:
        raise ValidationError(_("La quantité doit être un entier positif."), field="quantity")
    if data.supplier_siret and not stdnum_siret.is_valid(data.supplier_siret):
        raise ValidationError(
            _("SIRET du fournisseur invalide (14 chiffres, clé de contrôle)."),
            field="supplier_siret",
        )
    if data.contract is not None:
        if not data.contract.reference.strip() or len(data.contract.reference) > 60:
            raise ValidationError(
                _("La référence du marché compte de 1 à 60 caractères."), field="contract_reference"
            )
        if len(data.contract.title) > 200:
            raise ValidationError(_("Intitulé du marché trop long."), field="contract_title")
        if data.contract.signed_on is not None and data.contract.signed_on > today:
            raise ValidationError(
                _("La date du marché ne peut pas être dans le futur."), field="contract_date"
            )
    if data.social_consideration not in SOCIAL_VALUES:
        raise ValidationError(_("Considération sociale inconnue."), field="social_consideration")
    if data.environmental_consideration not in ENVIRONMENTAL_VALUES:
        raise ValidationError(
            _("Considération environnementale inconnue."), field="environmental_consideration"
        )
    if data.nature == SpendNature.DONATION:
        grid = donation_grid()
        if data.donation_age_bracket is None:
            raise ValidationError(
                _("Indiquez l'âge du matériel donné."), field="donation_age_bracket"
            )
        unit = grid.value(category.code, data.donation_age_bracket)
        if unit is None:
            raise ValidationError(
                _("La grille forfaitaire ne prévoit pas cette catégorie ou cette tranche d'âge."),
                field="donation_age_bracket",
            )
        amount = unit * data.quantity
    else:
        if data.amount is None:
            raise ValidationError(_("Indiquez le montant HT."), field="amount")
        if data.amount < 0 or data.amount > MAX_AMOUNT:
            raise ValidationError(_("Le montant HT doit être positif et réaliste."), field="amount")
        amount = data.amount
    checked = _Checked(data=data, category=category, amount=quantize_money(amount))
    if data.clause_ids:
        checked.clauses = list(
            db.session.execute(
                select(Clause).where(Clause.id.in_(data.clause_ids)).order_by(Clause.id)
            ).scalars()
        )
        if len(checked.clauses) != len(set(data.clause_ids)):
            raise ValidationError(_("Clause inconnue."), field="clause_ids")
    # Attached library clauses decide the DECP value of their kind.
    social, environmental = decp_considerations(checked.clauses)
    has_social = any(c.kind == ClauseKind.SOCIAL for c in checked.clauses)
    has_environmental = any(c.kind == ClauseKind.ENVIRONMENTAL for c in checked.clauses)
    checked.social = social if has_social else data.social_consideration
    checked.environmental = environmental if has_environmental else data.environmental_consideration
    if data.supplier_siret:
        checked.supplier = db.session.execute(
            select(Organisation).where(
                Organisation.siret == data.supplier_siret,
                Organisation.kind == OrgKind.REFURBISHER,
            )
        ).scalar_one_or_none()
    return checked


def _categories() -> dict[int, Category]:
    return {c.id: c for c in db.session.execute(select(Category)).scalars()}


def _require_buyer(by: User) -> Organisation:
    require(policy.can_declare_spend(by))
    return by.organisation


def _origin(nature: SpendNature) -> SpendOrigin:
    return SpendOrigin.DONATION if nature == SpendNature.DONATION else SpendOrigin.EXTERNAL


def _write(checked: _Checked, buyer: Organisation, by: User) -> SpendEntry:
    data = checked.data
    supplier_name = data.supplier_name.strip() or (
        "Don" if data.nature == SpendNature.DONATION else "Fournisseur non précisé"
    )
    return record_spend(
        buyer=buyer,
        spent_on=data.spent_on,
        category_id=checked.category.id,
        quantity=data.quantity,
        amount=checked.amount,
        supplier_name=supplier_name[:200],
        supplier_siret=data.supplier_siret or None,
        supplier=checked.supplier,
        origin=_origin(data.nature),
        is_reuse=data.nature != SpendNature.NEW,
        has_recycled_materials=data.has_recycled_materials,
        social_consideration=checked.social,
        environmental_consideration=checked.environmental,
        comment=(data.comment or "").strip() or None,
        clauses=checked.clauses,
        donation_age_bracket=(
            data.donation_age_bracket if data.nature == SpendNature.DONATION else None
        ),
        contract=data.contract,
        by=by,
    )


def declare_spend(data: SpendInput, *, by: User) -> SpendEntry:
    """Declare one purchase made outside the hub (or a donation received)."""
    buyer = _require_buyer(by)
    checked = _check(data, _categories(), paris_today())
    entry = _write(checked, buyer, by)
    db.session.flush()
    record("spend.declared", entry, by=by, amount=entry.amount, origin=entry.origin)
    return entry


def _editable_by(entry: SpendEntry, by: User) -> Organisation:
    """The buyer correcting ``entry``: its own, declared row (hub purchases are the receipts')."""
    require(policy.can_edit_spend(by, entry))
    if not entry.is_declared:
        raise ConflictError(
            _(
                "Les achats faits via la centrale sont enregistrés à la réception : "
                "ils ne se modifient pas ici."
            )
        )
    return by.organisation


def update_spend(entry: SpendEntry, data: SpendInput, *, by: User) -> SpendEntry:
    """Correct a declared row (its ``clauses`` must be loaded)."""
    buyer = _editable_by(entry, by)
    checked = _check(data, _categories(), paris_today())
    old_year = entry.year
    entry.spent_on = data.spent_on
    entry.year = data.spent_on.year
    entry.category_id = checked.category.id
    entry.quantity = data.quantity
    entry.amount = checked.amount
    _set_supplier(
        entry,
        checked.supplier,
        data.supplier_name.strip() or "Fournisseur non précisé",
        data.supplier_siret or None,
    )
    entry.origin = _origin(data.nature)
    entry.is_reuse = data.nature != SpendNature.NEW
    entry.has_recycled_materials = data.has_recycled_materials
    entry.social_consideration = checked.social
    entry.environmental_consideration = checked.environmental
    entry.comment = (data.comment or "").strip() or None
    entry.donation_age_bracket = (
        data.donation_age_bracket if data.nature == SpendNature.DONATION else None
    )
    entry.clauses = checked.clauses
    _set_contract(entry, data.contract)
    summary.touch(buyer.id, old_year, entry.year)
    record("spend.updated", entry, by=by, amount=entry.amount)
    return entry


def delete_spend(entry: SpendEntry, *, by: User) -> None:
    """Remove a declared row (its ``clauses`` must be loaded)."""
    buyer = _editable_by(entry, by)
    record("spend.deleted", entry, by=by, amount=entry.amount, spent_on=entry.spent_on)
    db.session.delete(entry)
    summary.touch(buyer.id, entry.year)


@dataclass(frozen=True)
class ImportRow:
    line: int
    data: SpendInput


def check_import(rows: Sequence[ImportRow]) -> list[str]:
    """French messages, one per faulty line (``Ligne 4 : …``); empty when all is valid."""
    categories = _categories()
    today = paris_today()
    errors = []
    for row in rows:
        try:
            _check(row.data, categories, today)
        except ValidationError as err:
            errors.append(f"Ligne {row.line} : {err.message}")
    return errors


def import_spend(rows: Sequence[ImportRow], *, by: User, token: str, filename: str = "") -> int:
    """Write every row or none: any invalid line refuses the whole file.

    ``token`` names the preview being applied: an import is applied once. Its row is
    inserted (unique token) in the transaction that writes the spend, so a replay, or
    copies racing on several workers, find it and write nothing.
    """
    buyer = _require_buyer(by)
    if not rows:
        raise ValidationError(_("Le fichier ne contient aucune ligne de données."))
    categories = _categories()
    today = paris_today()
    checked = []
    errors = []
    for row in rows:
        try:
            checked.append(_check(row.data, categories, today))
        except ValidationError as err:
            errors.append(f"Ligne {row.line} : {err.message}")
    if errors:
        raise ValidationError(" ; ".join(errors))
    _claim_import(token, buyer, by, filename, len(checked))
    for item in checked:
        _write(item, buyer, by)
    record("spend.imported", None, by=by, object_type="spend_entry", rows=len(checked))
    return len(checked)


def _claim_import(token: str, buyer: Organisation, by: User, filename: str, rows: int) -> None:
    if not token:
        raise ValidationError(
            _("Cet aperçu d'import est incomplet : envoyez le fichier de nouveau.")
        )
    try:
        # A savepoint: the refusal leaves the caller's transaction usable (PostgreSQL).
        with db.session.begin_nested():
            db.session.execute(
                insert(SpendImport).values(
                    token=token[:64],
                    organisation_id=buyer.id,
                    applied_by_id=by.id,
                    filename=filename[:255],
                    rows=rows,
                    applied_at=utcnow(),
                )
            )
    except IntegrityError as err:
        raise ConflictError(
            _(
                "Cet import a déjà été appliqué : ses dépenses sont dans votre registre, rien n'a "
                "été enregistré une seconde fois."
            )
        ) from err


# --- Legal targets ---------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    kind: TargetKind
    legal_category: str
    first_year: int
    reuse_percent: Decimal | None
    recycled_percent: Decimal | None
    source: str
    to_verify: bool = False


def _bp(percent: Decimal | None, field_name: str) -> int | None:
    """A percent as basis points (None: not known)."""
    if percent is None:
        return None
    if not Decimal(0) <= percent <= Decimal(100):
        raise ValidationError(_("Un taux est compris entre 0 et 100 %."), field=field_name)
    return int((percent * 100).to_integral_value())


def save_target(target: LegalTarget | None, data: TargetInput, *, by: User) -> LegalTarget:
    """Create (``target`` None) or correct a legal target."""
    require(policy.can_edit_targets(by))
    if not FIRST_YEAR <= data.first_year <= 2100:
        raise ValidationError(_("Année invalide."), field="first_year")
    if not data.legal_category.strip():
        raise ValidationError(_("Indiquez la catégorie légale."), field="legal_category")
    values = {
        "kind": data.kind,
        "legal_category": data.legal_category.strip(),
        "first_year": data.first_year,
        "reuse_rate_bp": _bp(data.reuse_percent, "reuse_percent"),
        "recycled_rate_bp": _bp(data.recycled_percent, "recycled_percent"),
        "source": data.source.strip(),
        "to_verify": data.to_verify,
    }
    created = target is None
    try:
        # A savepoint: a duplicate undoes only this change (the flush happens inside it).
        with db.session.begin_nested():
            if target is None:
                target = LegalTarget()
                db.session.add(target)
            for name, value in values.items():
                setattr(target, name, value)
            db.session.flush()
    except IntegrityError as err:
        raise ConflictError(
            _("Un objectif de ce type existe déjà pour cette catégorie et cette année.")
        ) from err
    record(
        "target.created" if created else "target.updated",
        target,
        by=by,
        first_year=target.first_year,
        reuse_rate_bp=target.reuse_rate_bp,
    )
    return target


def delete_target(target: LegalTarget, *, by: User) -> None:
    require(policy.can_edit_targets(by))
    record("target.deleted", target, by=by, first_year=target.first_year)
    db.session.delete(target)
    db.session.flush()
