"""Every refusal a service raises goes through gettext and reads in English there.

The refusals are the ``DomainError`` subclasses raised anywhere in nrhub/ (found with
:mod:`ast`): their message must be a ``_("...")`` call, never a bare or f-string, and each
such message must have an English translation with no French left in it. A few real
refusals are then triggered with the English interface.
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

from nrhub.catalog import queries as catalog_queries
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
    """(where, first argument) of each ``raise <DomainError subclass>(...)``."""
    errors = _domain_errors()
    found = []
    for path, tree in SOURCES.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            if _name(node.exc.func) in errors and node.exc.args:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.append((where, node.exc.args[0]))
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
