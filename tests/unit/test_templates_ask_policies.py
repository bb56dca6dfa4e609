"""Templates ask the policies and the models, never compare roles or states themselves.

Who may do what is written once, in ``<area>/policy.py``, and reached from a template with
``can("verb", obj)``; what a state means (is the campaign open? is the delivery waiting
for a receipt?) is a model property. A template that compares ``current_user.role`` or
``campaign.state`` with a string re-implements one of them, and drifts when it changes.

Every Jinja expression of every template is read; a comparison (``==``, ``!=``, ``in``,
``not in``) is refused when its left side names a role, a state, a status, a kind or a
"side", or when the string compared is a role or one of the models' states.
"""

from __future__ import annotations

import importlib
import re
from enum import StrEnum
from pathlib import Path

import pytest

from nrhub import access
from nrhub.campaigns.models import CampaignState, OfferStatus, OrderStatus
from nrhub.catalog.models import ListingStatus
from nrhub.consolidation.models import DeliveryStatus
from nrhub.donations.models import ClaimStatus, LotStatus
from nrhub.organisations.models import OrgKind, OrgStatus
from nrhub.repairs.models import RepairStatus
from nrhub.security import Role

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

STATES: tuple[type[StrEnum], ...] = (
    CampaignState,
    OfferStatus,
    OrderStatus,
    ListingStatus,
    DeliveryStatus,
    ClaimStatus,
    LotStatus,
    OrgStatus,
    RepairStatus,
)
FORBIDDEN_VALUES = {m.value for enum in (Role, OrgKind, *STATES) for m in enum}
FORBIDDEN_OPERANDS = re.compile(r"(?:^|\.)(role|state|status|kind|side)$")

# (template, left operand) pairs that compare something else. Keep this short.
ALLOWED = {
    # How a figure is printed (money, percent, kg): a display format, not a state.
    ("stats/_macros.html", "f.kind"),
}

EXPRESSION = re.compile(r"{[{%](.*?)[%}]}", re.S)
STRING = r"""(?:"[^"]*"|'[^']*')"""
COMPARISON = re.compile(
    rf"""([\w.\[\]"']+)\s*(==|!=|\bnot\s+in\b|\bin\b)\s*(\(\s*{STRING}(?:\s*,\s*{STRING})*\s*,?\s*\)|\[\s*{STRING}(?:\s*,\s*{STRING})*\s*\]|{STRING})"""
)


def comparisons(source: str) -> list[tuple[str, str, list[str]]]:
    """(left operand, operator, strings compared) of each comparison with string literals."""
    found = []
    for expression in EXPRESSION.findall(source):
        for left, operator, right in COMPARISON.findall(expression):
            strings = [s[1:-1] for s in re.findall(STRING, right)]
            found.append((left, " ".join(operator.split()), strings))
    return found


def offences(name: str, source: str) -> list[str]:
    bad = []
    for left, operator, strings in comparisons(source):
        if (name, left) in ALLOWED:
            continue
        if FORBIDDEN_OPERANDS.search(left) or FORBIDDEN_VALUES & set(strings):
            bad.append(f"{name}: {left} {operator} {strings}")
    return bad


def test_the_reader_finds_comparisons() -> None:
    source = (
        '{% if current_user.role == "buyer" %}x{% endif %}'
        "{{ 'a' if campaign.state in ('draft', 'open') else 'b' }}"
        '{% if sort == "nom" %}{% endif %}'
    )
    assert comparisons(source) == [
        ("current_user.role", "==", ["buyer"]),
        ("campaign.state", "in", ["draft", "open"]),
        ("sort", "==", ["nom"]),
    ]
    assert offences("t.html", source) == [
        "t.html: current_user.role == ['buyer']",
        "t.html: campaign.state in ['draft', 'open']",
    ]


@pytest.mark.parametrize(
    "source",
    [
        '{% if o.status not in ("pending", "accepted") %}{% endif %}',
        "{% if side != 'coordinator' %}{% endif %}",
        '{% set x = organisation.kind == "hub" %}',
        '{% if who == "refurbisher" %}{% endif %}',
    ],
)
def test_each_kind_of_literal_is_refused(source: str) -> None:
    assert offences("t.html", source) != []


def test_no_template_compares_roles_or_states() -> None:
    bad = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".txt"):
            name = str(path.relative_to(TEMPLATES))
            bad += offences(name, path.read_text(encoding="utf-8"))
    assert bad == [], 'ask can("verb", obj) or a model property instead:\n' + "\n".join(bad)


def test_every_verb_a_template_asks_has_a_policy() -> None:
    """``can("verb", obj)`` with no policy registered would fail at render time."""
    for policy in sorted((TEMPLATES.parent / "nrhub").glob("*/policy.py")):
        importlib.import_module(f"nrhub.{policy.parent.name}.policy")
    known = {verb for verb, _kind in access.verbs()}
    asked = set()
    for path in sorted(TEMPLATES.rglob("*.html")):
        asked |= set(re.findall(r"""\bcan\(\s*["'](\w+)["']""", path.read_text(encoding="utf-8")))
    assert len(asked) > 15
    assert asked - known == set()
