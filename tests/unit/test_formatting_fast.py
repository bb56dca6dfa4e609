"""Numbers and amounts are formatted without Babel in French and English, to the same text
as Babel's (which stays the reference, and the path for floats and other languages)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from babel.numbers import format_decimal

from nrhub import formatting


def _babel(value: Decimal | int, digits: int, locale: str) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return formatting._spaces(format_decimal(value, format=pattern, locale=locale), " ")


def _values() -> list[Decimal | int]:
    rng = random.Random(16)
    values: list[Decimal | int] = [0, 7, 999, 1000, 1234567, -1, -1234, 10**12]
    values += [Decimal(s) for s in ("0.005", "0.015", "2.675", "1234.5", "-1234.565", "9999.995")]
    values += [Decimal(rng.randint(-(10**9), 10**9)) / 1000 for _ in range(300)]
    values += [rng.randint(0, 10**9) for _ in range(100)]
    return values


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("digits", [0, 1, 2, 3])
def test_same_text_as_babel(locale: str, digits: int) -> None:
    for value in _values():
        assert formatting.format_number(value, digits, locale) == _babel(value, digits, locale)


def test_known_figures() -> None:
    assert formatting.format_money(Decimal("1234.5")) == "1 234,50 €"
    assert formatting.format_money(Decimal("1234.5"), "en") == "€1,234.50"
    assert formatting.format_number(Decimal("2.675"), 2) == "2,68"  # half-even on 2.675
    assert formatting.format_number(2.5, 0) == _babel(Decimal("2.5"), 0, "fr")  # float: Babel
    assert formatting.format_number(None) == "—"


def test_current_language_follows_the_request_and_force_locale(app) -> None:  # type: ignore[no-untyped-def]
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        language = formatting.current_language()
        assert language in ("fr", "en")
        other = "en" if language == "fr" else "fr"
        with force_locale(other):
            assert formatting.current_language() == other
            assert formatting.format_money(Decimal("1234.5"), formatting.current_language()) == (
                "€1,234.50" if other == "en" else "1 234,50 €"
            )
        assert formatting.current_language() == language
