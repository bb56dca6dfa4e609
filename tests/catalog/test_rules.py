"""Field rules shared by the listing form and the stock import (no database)."""

from decimal import Decimal

import pytest

from nrhub.catalog import rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [("289", Decimal("289.00")), ("1 234,50 €", Decimal("1234.50")), ("0,5", Decimal("0.50"))],
)
def test_parse_price_accepts_french_amounts(text, expected):
    assert rules.parse_price(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "Le prix doit être supérieur à 0 €."),
        ("-3", "Le prix doit être supérieur à 0 €."),
        ("12,345", "Le prix a au plus 2 décimales (les centimes)."),
        ("douze", "Le prix doit être un montant en euros, par exemple 249,90."),
        ("", "Le prix est obligatoire."),
    ],
)
def test_parse_price_refuses_with_french_message(text, message):
    with pytest.raises(rules.FieldError) as err:
        rules.parse_price(text)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "La quantité ne peut pas être négative."),
        ("2,5", "La quantité doit être un nombre entier, sans décimales."),
        ("beaucoup", "La quantité doit être un nombre entier, par exemple 12."),
    ],
)
def test_parse_count_refuses_negative_and_fractional(text, message):
    with pytest.raises(rules.FieldError) as err:
        rules.parse_count(text, "La quantité")
    assert str(err.value) == message


def test_parse_repairability_keeps_one_decimal():
    assert rules.parse_repairability("8,2") == Decimal("8.2")
    assert rules.parse_repairability("") is None
    for bad in ("10,5", "8,25", "-1"):
        with pytest.raises(rules.FieldError):
            rules.parse_repairability(bad)


def test_check_tiers_accepts_decreasing_prices():
    tiers = rules.check_tiers(Decimal("250"), [("10", "240"), ("50", "240"), ("", "")])
    assert tiers == (
        rules.TierData(10, Decimal("240.00")),
        rules.TierData(50, Decimal("240.00")),
    )


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        (
            [("10", "240"), ("10", "230")],
            "Palier 2 : les quantités minimales doivent être strictement croissantes "
            "(10 après 10).",
        ),
        (
            [("10", "240"), ("50", "245")],
            "Palier 2 : le prix ne peut pas augmenter quand la quantité augmente.",
        ),
        ([("10", "250")], "Palier 1 : le prix doit être inférieur au prix unitaire de base."),
        ([("1", "200")], "Palier 1 : la quantité minimale doit être d'au moins 2 unités."),
        ([("10", "0")], "Palier 1 : le prix doit être supérieur à 0 €."),
    ],
)
def test_check_tiers_refuses_broken_order(tiers, message):
    with pytest.raises(rules.FieldError) as err:
        rules.check_tiers(Decimal("250"), tiers)
    assert str(err.value) == message


def test_parse_tiers_text_reads_import_column():
    assert rules.parse_tiers_text("10:240,00 | 50:225,00") == [("10", "240,00"), ("50", "225,00")]
    with pytest.raises(rules.FieldError):
        rules.parse_tiers_text("10=240")


def test_parse_listing_reports_every_field():
    data, errors = rules.parse_listing({"quantity": "-2", "unit_price": "0"}, [])
    assert data is None
    assert errors["quantity"] == "La quantité ne peut pas être négative."
    assert errors["unit_price"] == "Le prix unitaire HT doit être supérieur à 0 €."
    assert errors["brand"] == "La marque est obligatoire."
    assert errors["grade"] == "Grade inconnu : indiquez A+, A, B ou C."
