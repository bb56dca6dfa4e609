"""Every refusal a service raises goes through gettext and reads in English there.

The refusals are the ``DomainError`` subclasses, and the errors of the pure and shared
modules shown to people as they are (a listing field, a spreadsheet, an image, a PDF, a
certificate), built anywhere in nrhub/ (found with :mod:`ast`): their message must be a
``_("...")`` call, never a bare or f-string, and each such message must have an English
translation with no French left in it. Real refusals are then triggered with the English
interface.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from babel.support import Translations
from flask import Flask
from flask_babel import force_locale

from nrhub import spreadsheets, uploads
from nrhub.catalog import queries as catalog_queries
from nrhub.catalog import rules
from nrhub.donations import files
from nrhub.errors import DomainError
from nrhub.ledger import services as ledger_services
from nrhub.stats import declaration
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {
    p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "nrhub").rglob("*.py"))
}
GETTEXT = {"_", "gettext", "_l", "lazy_gettext"}
# Letters and signs of French that English text has no use for.
FRENCH = re.compile(r"[éèêëàâçîïôûùœ«»]|\b(?:le|la|les|des|une|est|pas|vous|votre)\b", re.I)
# Errors outside DomainError whose message is shown as it is. AllocationInputError is not
# one: the allocation's own input check, in English, which the consolidation turns into a
# translated ConflictError.
SHOWN_ERRORS = {"FieldError", "SpreadsheetError", "ImageError", "PdfError", "CertificateError"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _domain_errors() -> set[str]:
    """Names of DomainError and of every class deriving from it in nrhub/."""
    names = {"DomainError"}
    classes = [
        (node.name, {_name(base) for base in node.bases})
        for tree in SOURCES.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]
    grew = True
    while grew:
        grew = False
        for name, bases in classes:
            if name not in names and bases & names:
                names.add(name)
                grew = True
    return names


def _refusals() -> list[tuple[str, ast.expr]]:
    """(where, first argument) of each refusal built: ``<DomainError subclass>(...)`` or
    one of :data:`SHOWN_ERRORS`, raised at once or kept to be raised later."""
    errors = _domain_errors() | SHOWN_ERRORS
    found = []
    for path, tree in SOURCES.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if _name(node.func) in errors and node.args:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.append((where, node.args[0]))
    return found


REFUSALS = _refusals()


def test_the_refusals_are_found() -> None:
    assert len(REFUSALS) > 150  # about 240 today: the walk does see them


def test_no_refusal_is_a_bare_string() -> None:
    bare = [
        where
        for where, message in REFUSALS
        if isinstance(message, (ast.Constant, ast.JoinedStr, ast.BinOp))
    ]
    assert bare == [], "wrap these messages in _(): " + ", ".join(bare)


def test_every_refusal_message_has_an_english_translation() -> None:
    english = Translations.load(str(ROOT / "nrhub" / "translations"), ["en"])
    missing = []
    for where, message in REFUSALS:
        if not (isinstance(message, ast.Call) and _name(message.func) in GETTEXT):
            continue
        if not (message.args and isinstance(message.args[0], ast.Constant)):
            continue
        msgid = message.args[0].value
        text = english.ugettext(msgid)
        if text == msgid or not text.strip() or FRENCH.search(text):
            missing.append(f"{where}: {msgid!r} → {text!r}")
    assert missing == [], "no English translation:\n" + "\n".join(missing)


def _refusal(action: Callable[[], object]) -> str:
    with pytest.raises(DomainError) as caught:
        action()
    return str(caught.value)


def test_real_refusals_read_in_english(app: Flask) -> None:
    buyer = factories.UserFactory()
    refurbisher = factories.UserFactory(organisation=factories.RefurbisherFactory())
    future = SimpleSpend(spent_on=dt.date.today() + dt.timedelta(days=30))
    with app.test_request_context(), force_locale("en"):
        messages = [
            _refusal(lambda: ledger_services.declare_spend(future.data(), by=buyer)),
            _refusal(lambda: catalog_queries.get_visible_listing(2_000_000_000, None)),
            _refusal(lambda: declaration.mark_done(2025, by=refurbisher)),
        ]
    assert messages == [
        "The date cannot be in the future.",
        "This listing does not exist or is not published.",
        "Only buying public bodies declare.",
    ]
    with app.test_request_context(), force_locale("fr"):
        french = _refusal(lambda: catalog_queries.get_visible_listing(2_000_000_000, None))
    assert french == "Cette offre n'existe pas ou n'est pas publiée."


class SimpleSpend:
    """A purchase outside the hub, valid but for what a test changes."""

    def __init__(self, spent_on: dt.date) -> None:
        self.spent_on = spent_on

    def data(self) -> ledger_services.SpendInput:
        return ledger_services.SpendInput(
            spent_on=self.spent_on,
            category_id=factories.category().id,
            quantity=1,
            amount=Decimal("100.00"),
            supplier_name="Fournisseur",
            nature=ledger_services.SpendNature.NEW,
        )


def _shown(action: Callable[[], object]) -> str:
    with pytest.raises(ValueError) as caught:
        action()
    return str(caught.value)


def test_field_and_file_refusals_read_in_english(app: Flask) -> None:
    """Every field of a listing refused at once, and each way a file is refused."""
    raw = {
        "category_code": "",
        "sku": "x" * 65,
        "brand": "",
        "model": "",
        "grade": "Z",
        "state": "neuf",
        "quantity": "-3",
        "unit_price": "12,345",
        "vat_rate": "7",
        "ram_gb": "1,5",
        "storage_gb": "abc",
        "screen_inches": "-2",
        "warranty_months": "500",
        "repairability_index": "11",
        "os_update_years": "-1",
        "refurbished_in_france": "peut-être",
    }
    broken_tiers = [("1", "300"), ("10", "10"), ("5", "20")]
    with app.test_request_context(), force_locale("en"):
        _data, errors = rules.parse_listing(raw, [])
        messages = list(errors.values())
        messages += [
            _shown(lambda: rules.check_tiers(Decimal("250"), broken_tiers[:1])),
            _shown(lambda: rules.check_tiers(Decimal("250"), [("2", "")])),
            _shown(lambda: rules.check_tiers(Decimal("250"), [("3", "200"), ("2", "100")])),
            _shown(lambda: rules.check_tiers(Decimal("250"), [("3", "200"), ("4", "210")])),
            _shown(lambda: rules.check_tiers(Decimal("250"), [("2", "250")])),
            _shown(lambda: rules.parse_tiers_text("10=240")),
            _shown(lambda: spreadsheets.read_table(b"")),
            _shown(lambda: spreadsheets.read_table(b"sku;prix\n")),
            _shown(lambda: spreadsheets.read_table(b"PK\x03\x04broken", "stock.xlsx")),
            _shown(lambda: spreadsheets.read_table(b"a;b\n1;2\n3;4\n", max_rows=1)),
            _shown(lambda: uploads.process_image(b"GIF89a not an image")),
            _shown(lambda: uploads.safe_path("photos", "../passwd")),
            _shown(lambda: uploads.check_pdf(b"%PDF-1.7 truncated")),
            _shown(lambda: uploads.check_pdf(b"<html>")),
            _shown(lambda: files.check_certificate(b"")),
            _shown(lambda: files.check_certificate(b"not a certificate")),
        ]
    assert len(errors) == len(raw)
    french = [message for message in messages if FRENCH.search(message)]
    assert french == [], "French left in English refusals:\n" + "\n".join(french)
    assert "The quantity cannot be negative." in messages
    assert "Tier 1: the minimum quantity must be at least 2 units." in messages
    with app.test_request_context(), force_locale("fr"):
        assert _shown(lambda: rules.parse_count("-3", "La quantité")) == (
            "La quantité ne peut pas être négative."
        )
        assert _shown(lambda: rules.parse_count("-3", "Le stockage (Go)")) == (
            "Le stockage (Go) ne peut pas être négatif."
        )
