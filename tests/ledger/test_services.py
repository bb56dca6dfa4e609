from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from nrhub.errors import ConflictError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.ledger import queries as ledger_queries
from nrhub.ledger import services
from nrhub.ledger.models import (
    LegalTarget,
    SpendEntry,
    SpendImport,
    SpendOrigin,
    SpendSummary,
    TargetKind,
)
from nrhub.ledger.services import ContractRef, ImportRow, SpendInput, SpendNature, TargetInput
from nrhub.stats import queries
from nrhub.transactions import unit_of_work
from tests import factories
from tests.stats.helpers import spend


def _count() -> tuple[int, int]:
    return (
        db.session.execute(select(func.count()).select_from(SpendEntry)).scalar_one(),
        db.session.execute(select(func.count()).select_from(SpendSummary)).scalar_one(),
    )


def _input(**changes: object) -> SpendInput:
    base = {
        "spent_on": dt.date(2025, 3, 1),
        "category_id": factories.category("laptop").id,
        "quantity": 2,
        "amount": Decimal("1500.00"),
        "supplier_name": "Fournisseur",
        "nature": SpendNature.NEW,
    }
    return SpendInput(**{**base, **changes})  # type: ignore[arg-type]


def test_declare_donation_is_valued_by_the_flat_rate_grid(app):
    user = factories.UserFactory()
    entry = services.declare_spend(
        _input(nature=SpendNature.DONATION, amount=None, quantity=3, donation_age_bracket="lt5"),
        by=user,
    )
    assert entry.origin == SpendOrigin.DONATION
    assert entry.amount == Decimal("600.00")  # 3 laptops under 5 years at 200 €
    assert entry.is_reuse is True
    ind = queries.indicators(2025, buyer_id=user.organisation_id)
    assert ind.donation_spend == Decimal("600.00")
    assert ind.reuse_spend == Decimal("600.00")


def test_declare_with_member_siret_takes_supplier_department_and_ess(app):
    refurbisher = factories.RefurbisherFactory(
        department_code="35", region_code="53", siret="12345678200010"
    )
    user = factories.UserFactory()
    entry = services.declare_spend(
        _input(nature=SpendNature.REUSE, supplier_siret=refurbisher.siret), by=user
    )
    assert entry.supplier_id == refurbisher.id
    assert entry.supplier_is_ess is True
    assert queries.indicators(2025, buyer_id=user.organisation_id).local_share == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"supplier_siret": "12345678901234"}, "supplier_siret", "SIRET du fournisseur invalide"),
        ({"spent_on": dt.date(2999, 1, 1)}, "spent_on", "futur"),
        ({"quantity": 0}, "quantity", "quantité"),
        ({"amount": Decimal("-1")}, "amount", "montant"),
        ({"category_id": 99999}, "category_id", "Catégorie inconnue"),
        ({"social_consideration": "Peut-être"}, "social_consideration", "sociale inconnue"),
        ({"nature": SpendNature.DONATION, "donation_age_bracket": None}, None, "âge"),
        ({"clause_ids": (424242,)}, "clause_ids", "Clause inconnue"),
        ({"contract": ContractRef("  ")}, "contract_reference", "référence du marché"),
        ({"contract": ContractRef("M1", "x" * 201)}, "contract_title", "intitulé"),
        (
            {"contract": ContractRef("M1", "", dt.date(2999, 1, 1))},
            "contract_date",
            "date du marché",
        ),
    ],
)
def test_bad_declaration_is_refused_in_french_and_changes_nothing(app, changes, field, message):
    user = factories.UserFactory()
    db.session.commit()
    before = _count()
    with pytest.raises(ValidationError) as caught:
        services.declare_spend(_input(**changes), by=user)
    assert message.lower() in caught.value.message.lower()
    if field:
        assert caught.value.field == field
    db.session.rollback()
    assert _count() == before


def test_hub_rows_cannot_be_edited_or_deleted(app):
    user = factories.UserFactory()
    entry = spend(user.organisation, dt.date(2025, 1, 1), "100.00", origin=SpendOrigin.HUB)
    with pytest.raises(ConflictError):
        services.delete_spend(entry, by=user)


def test_another_buyer_cannot_delete_a_row(app):
    owner = factories.UserFactory()
    intruder = factories.UserFactory()
    entry = spend(owner.organisation, dt.date(2025, 1, 1), "100.00")
    with pytest.raises(PermissionDeniedError):
        services.delete_spend(entry, by=intruder)


def test_update_moves_the_figures_between_years(app):
    user = factories.UserFactory()
    entry = services.declare_spend(_input(), by=user)
    entry = ledger_queries.get_entry_for(user.organisation_id, entry.id)
    services.update_spend(
        entry, _input(spent_on=dt.date(2024, 12, 31), amount=Decimal("99.99")), by=user
    )
    entry = ledger_queries.get_entry_for(user.organisation_id, entry.id)
    assert queries.indicators(2025, buyer_id=user.organisation_id).has_data is False
    assert queries.indicators(2024, buyer_id=user.organisation_id).it_spend == Decimal("99.99")
    services.delete_spend(entry, by=user)
    assert _count() == (0, 0)


def test_import_is_all_or_nothing_with_line_numbers(app):
    user = factories.UserFactory()
    db.session.commit()
    rows = [
        ImportRow(2, _input()),
        ImportRow(3, _input(quantity=0)),
        ImportRow(4, _input(supplier_siret="1")),
    ]
    with pytest.raises(ValidationError) as caught, unit_of_work():
        services.import_spend(rows, by=user, token="apercu-1")
    assert caught.value.message.startswith("Ligne 3 : La quantité")
    assert "Ligne 4 : SIRET du fournisseur invalide" in caught.value.message
    assert _count() == (0, 0)
    assert _imports() == 0  # a refused import does not use its preview up
    with unit_of_work():
        assert services.import_spend(rows[:1], by=user, token="apercu-1") == 1
    assert _count() == (1, 1)


def _imports() -> int:
    return db.session.execute(select(func.count()).select_from(SpendImport)).scalar_one()


def test_an_import_is_applied_once(app):
    user = factories.UserFactory()
    db.session.commit()
    rows = [ImportRow(2, _input()), ImportRow(3, _input(amount=Decimal("10.01")))]
    with unit_of_work():
        assert services.import_spend(rows, by=user, token="apercu-2", filename="a.csv") == 2
    with pytest.raises(ConflictError) as caught, unit_of_work():
        services.import_spend(rows, by=user, token="apercu-2", filename="a.csv")
    assert caught.value.message.startswith("Cet import a déjà été appliqué")
    assert _count() == (2, 1)
    assert _imports() == 1
    applied = db.session.execute(select(SpendImport)).scalar_one()
    assert (applied.organisation_id, applied.rows, applied.filename) == (
        user.organisation_id,
        2,
        "a.csv",
    )
    # Another preview of the same file is another import, as the buyer asked.
    with unit_of_work():
        services.import_spend(rows, by=user, token="apercu-3")
    assert _count() == (4, 1)


def test_refurbisher_cannot_declare_spend(app):
    user = factories.UserFactory(organisation=factories.RefurbisherFactory())
    with pytest.raises(PermissionDeniedError):
        services.declare_spend(_input(), by=user)


def test_coordinator_saves_a_target_and_duplicates_are_refused(app):
    coordinator = factories.UserFactory(organisation=factories.HubFactory())
    data = TargetInput(
        kind=TargetKind.SPEND_SHARE,
        legal_category="Mobilier urbain",
        first_year=2026,
        reuse_percent=Decimal("22.5"),
        recycled_percent=None,
        source="Décret",
    )
    target = services.save_target(None, data, by=coordinator)
    assert target.reuse_rate_bp == 2250
    with pytest.raises(ConflictError):
        services.save_target(None, data, by=coordinator)
    count = db.session.execute(
        select(func.count()).select_from(LegalTarget).where(LegalTarget.first_year == 2026)
    ).scalar_one()
    assert count == 1


def test_declared_purchase_names_its_contract(app):
    user = factories.UserFactory()
    contract = ContractRef("2025-07", "Postes de travail", dt.date(2025, 1, 15))
    entry = services.declare_spend(_input(contract=contract), by=user)
    db.session.commit()
    assert (entry.contract_reference, entry.contract_title, entry.contract_date) == (
        "2025-07",
        "Postes de travail",
        dt.date(2025, 1, 15),
    )
