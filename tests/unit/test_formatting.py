"""Amounts and percentages never wrap on a page (no-break spaces), and stay plain in files."""

from __future__ import annotations

from decimal import Decimal

from flask import render_template_string

from nrhub.formatting import format_money, format_percent
from nrhub.stats.formatting import fast_money, fast_percent

NBSP = "\xa0"


def test_functions_keep_plain_spaces_for_files_and_messages():
    assert format_money(Decimal("1234.5")) == "1 234,50 €"
    assert format_percent(Decimal("0.376")) == "37,6 %"
    assert format_money(Decimal("1234.5"), "en") == "€1,234.50"


def test_page_filters_use_no_break_spaces(app):
    with app.test_request_context("/"):
        html = render_template_string(
            "{{ a|money }}|{{ p|percent }}|{{ n|number }}",
            a=Decimal("1234.5"),
            p=Decimal("0.376"),
            n=12345,
        )
        text = render_template_string(
            "{% autoescape false %}{{ a|money }}|{{ p|percent }}{% endautoescape %}",
            a=Decimal("1234.5"),
            p=Decimal("0.376"),
        )
    assert html == f"1{NBSP}234,50{NBSP}€|37,6{NBSP}%|12{NBSP}345"
    assert text == "1 234,50 €|37,6 %"


def test_fast_filters_of_large_tables_use_no_break_spaces():
    assert fast_money(Decimal("1234.5"), "fr") == f"1{NBSP}234,50{NBSP}€"
    assert fast_percent(Decimal("0.376"), 1, "fr") == f"37,6{NBSP}%"
    assert fast_money(Decimal("1234.5"), "en") == "€1,234.50"
