"""Listing field rules, pure: raw text (a form or a spreadsheet cell) in, typed values out.

The same functions read the listing form and the stock import, so that a price, a quantity
or a tier is accepted or refused with the same message wherever it is typed. Messages go
through gettext, which answers in French outside a request, so the rules need no app.
No database: checks that need it (category exists, SKU unique) live in
:mod:`nrhub.catalog.services`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _


def N_(msgid: str) -> str:
    """Marks a msgid for extraction; translated where it is printed."""
    return msgid


# The listing vocabularies, here so that these rules stay pure (models import them).
class ListingState(StrEnum):
    REFURBISHED = "refurbished"
    USED = "used"


class Grade(StrEnum):
    A_PLUS = "A+"
    A = "A"
    B = "B"
    C = "C"


MAX_PRICE = Decimal("999999.99")
VAT_RATES = (Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"), Decimal("0"))
MAX_TIERS = 6
MAX_DESCRIPTION = 5000

TEXT_LIMITS = {"sku": 64, "brand": 80, "model": 160, "processor": 120}


# A msgid, translated when a refusal prints it (N_ marks it for extraction only).
DEFAULT_PRICE_LABEL = N_("Le prix")


class FieldError(ValueError):
    """One field's value is refused; the message (translated) is shown next to the field."""


@dataclass(frozen=True)
class TierData:
    min_quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class ListingData:
    """Every field a refurbisher sets on a listing, already typed and range-checked."""

    category_code: str
    sku: str
    brand: str
    model: str
    grade: Grade
    quantity: int
    unit_price: Decimal
    state: ListingState = ListingState.REFURBISHED
    processor: str | None = None
    ram_gb: int | None = None
    storage_gb: int | None = None
    screen_inches: Decimal | None = None
    description: str = ""
    refurbished_in_france: bool = False
    data_wiping_attested: bool = False
    has_recycled_materials: bool = False
    vat_rate: Decimal = Decimal("20")
    warranty_months: int = 12
    repairability_index: Decimal | None = None
    os_update_years: int | None = None
    spare_parts_years: int | None = None
    tiers: tuple[TierData, ...] = field(default_factory=tuple)


def _number(text: str) -> Decimal:
    cleaned = (
        text.replace("\xa0", "").replace("\u202f", "").replace(" ", "").replace("€", "").strip()
    )
    # ASCII digits only: Decimal() would also read "٣" or "３".
    if not re.fullmatch(r"[-+]?[0-9]+([.,][0-9]+)?", cleaned):
        raise InvalidOperation(text)
    return Decimal(cleaned.replace(",", "."))


def parse_price(text: str, label: str | None = None) -> Decimal:
    """A price HT in euros: > 0, at most 2 decimals, decimal comma or point."""
    # Translated only when a refusal prints it: most values pass.
    label = label or DEFAULT_PRICE_LABEL
    if not text.strip():
        raise FieldError(_("%(label)s est obligatoire.", label=_(label)))
    try:
        value = _number(text)
    except InvalidOperation as err:
        raise FieldError(
            _("%(label)s doit être un montant en euros, par exemple 249,90.", label=_(label))
        ) from err
    if value <= 0:
        raise FieldError(_("%(label)s doit être supérieur à 0 €.", label=_(label)))
    # The size before the cents: quantizing a 30-digit number exceeds Decimal's precision.
    if value > MAX_PRICE:
        raise FieldError(_("%(label)s ne peut pas dépasser 999 999,99 €.", label=_(label)))
    if value != value.quantize(Decimal("0.01")):
        raise FieldError(_("%(label)s a au plus 2 décimales (les centimes).", label=_(label)))
    return value.quantize(Decimal("0.01"))


def parse_count(text: str, label: str, *, maximum: int = 1_000_000, required: bool = True) -> int:
    """A whole number of units, months or years: no sign, no decimals.

    ``label`` is a French msgid (or text already translated): it is translated here."""
    masculine = _is_masculine(label)
    if not text.strip():
        if required:
            raise FieldError(_("%(label)s est obligatoire.", label=_(label)))
        raise _Empty
    try:
        value = _number(text)
    except InvalidOperation as err:
        raise FieldError(
            _("%(label)s doit être un nombre entier, par exemple 12.", label=_(label))
        ) from err
    if value < 0:
        if masculine:
            raise FieldError(_("%(label)s ne peut pas être négatif.", label=_(label)))
        raise FieldError(_("%(label)s ne peut pas être négative.", label=_(label)))
    if value != value.to_integral_value():
        raise FieldError(_("%(label)s doit être un nombre entier, sans décimales.", label=_(label)))
    if value > maximum:
        raise FieldError(
            _(
                "%(label)s ne peut pas dépasser %(maximum)s.",
                label=_(label),
                maximum=f"{maximum:,}".replace(",", " "),
            )
        )
    return int(value)


def _is_masculine(label: str) -> bool:
    """French agreement of an adjective with the label's noun (« La quantité … négative »)."""
    return label.split(":")[-1].strip().lower().startswith(("le ", "l'indice"))


class _Empty(Exception):
    pass


def optional_count(text: str, label: str, *, maximum: int) -> int | None:
    try:
        return parse_count(text, label, maximum=maximum, required=False)
    except _Empty:
        return None


def parse_repairability(text: str) -> Decimal | None:
    """The French repairability index: 0 to 10, one decimal at most; empty when unknown."""
    if not text.strip():
        return None
    message = N_(
        "L'indice de réparabilité va de 0 à 10 avec une décimale au plus, par exemple 8,2."
    )
    try:
        value = _number(text)
    except InvalidOperation as err:
        raise FieldError(_(message)) from err
    if not Decimal(0) <= value <= Decimal(10) or value != value.quantize(Decimal("0.1")):
        raise FieldError(_(message))
    return value.quantize(Decimal("0.1"))


def parse_screen(text: str) -> Decimal | None:
    if not text.strip():
        return None
    message = N_("La taille d'écran s'écrit en pouces, par exemple 14 ou 15,6.")
    try:
        value = _number(text)
    except InvalidOperation as err:
        raise FieldError(_(message)) from err
    if not Decimal(0) < value < Decimal(1000) or value != value.quantize(Decimal("0.1")):
        raise FieldError(_(message))
    return value


def parse_vat(text: str) -> Decimal:
    if not text.strip():
        return Decimal("20.00")
    try:
        value = _number(text.replace("%", ""))
    except InvalidOperation:
        value = Decimal(-1)
    if value not in VAT_RATES:
        raise FieldError(_("Taux de TVA non reconnu : 20, 10, 5,5, 2,1 ou 0 %."))
    return value.quantize(Decimal("0.01"))


_GRADES = {g.value.lower(): g for g in Grade} | {"a plus": Grade.A_PLUS, "aplus": Grade.A_PLUS}
_STATES = {
    "refurbished": ListingState.REFURBISHED,
    "reconditionné": ListingState.REFURBISHED,
    "reconditionne": ListingState.REFURBISHED,
    "used": ListingState.USED,
    "occasion": ListingState.USED,
}
_TRUE = {"oui", "o", "1", "vrai", "x", "yes", "y", "true", "on"}
_FALSE = {"non", "n", "0", "faux", "no", "false", "off", ""}


def parse_grade(text: str) -> Grade:
    grade = _GRADES.get(text.strip().lower())
    if grade is None:
        raise FieldError(_("Grade inconnu : indiquez A+, A, B ou C."))
    return grade


def parse_state(text: str) -> ListingState:
    if not text.strip():
        return ListingState.REFURBISHED
    state = _STATES.get(text.strip().lower())
    if state is None:
        raise FieldError(_("État inconnu : « reconditionné » ou « occasion »."))
    return state


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FieldError(_("Répondez par « oui » ou « non »."))


def parse_text(text: str, label: str, limit: int, *, required: bool) -> str:
    value = text.strip()
    if required and not value:
        raise FieldError(_("%(label)s est obligatoire.", label=_(label)))
    if len(value) > limit:
        raise FieldError(
            _("%(label)s ne peut pas dépasser %(limit)d caractères.", label=_(label), limit=limit)
        )
    return value


def parse_tiers_text(text: str) -> list[tuple[str, str]]:
    """``10:240,00|50:225,00`` (the import's tier column) → raw (min quantity, price) pairs."""
    pairs = []
    for chunk in (c.strip() for c in text.split("|")):
        if not chunk:
            continue
        if ":" not in chunk:
            raise FieldError(
                _(
                    "Paliers : écrivez « quantité minimale:prix » séparés par « | », "
                    "par exemple 10:240,00|50:225,00."
                )
            )
        qty, price = chunk.split(":", 1)
        pairs.append((qty.strip(), price.strip()))
    return pairs


def _tier_label(number: int) -> str:
    return _("Palier %(number)d", number=number)


def check_tiers(base_price: Decimal, raw_tiers: Sequence[tuple[str, str]]) -> tuple[TierData, ...]:
    """Volume tiers: minimum quantities ≥ 2 and strictly increasing, prices not increasing
    from one tier to the next and all strictly below the base unit price."""
    tiers: list[TierData] = []
    for number, (qty_text, price_text) in enumerate(raw_tiers, start=1):
        if not qty_text.strip() and not price_text.strip():
            continue
        try:
            # No label on the way through: the import checks every row's tiers, and a
            # label is only printed by a refusal.
            min_quantity = parse_count(qty_text, "", maximum=1_000_000)
            price = parse_price(price_text, "")
        except FieldError:
            tier = _tier_label(number)
            parse_count(
                qty_text, _("%(tier)s : la quantité minimale", tier=tier), maximum=1_000_000
            )
            parse_price(price_text, _("%(tier)s : le prix", tier=tier))
            raise
        if min_quantity < 2:
            raise FieldError(
                _(
                    "%(tier)s : la quantité minimale doit être d'au moins 2 unités.",
                    tier=_tier_label(number),
                )
            )
        if tiers and min_quantity <= tiers[-1].min_quantity:
            raise FieldError(
                _(
                    "%(tier)s : les quantités minimales doivent être strictement croissantes "
                    "(%(quantity)d après %(previous)d).",
                    tier=_tier_label(number),
                    quantity=min_quantity,
                    previous=tiers[-1].min_quantity,
                )
            )
        if price >= base_price:
            raise FieldError(
                _(
                    "%(tier)s : le prix doit être inférieur au prix unitaire de base.",
                    tier=_tier_label(number),
                )
            )
        if tiers and price > tiers[-1].unit_price:
            raise FieldError(
                _(
                    "%(tier)s : le prix ne peut pas augmenter quand la quantité augmente.",
                    tier=_tier_label(number),
                )
            )
        tiers.append(TierData(min_quantity, price))
    if len(tiers) > MAX_TIERS:
        raise FieldError(_("Au plus %(num)d paliers de prix par offre.", num=MAX_TIERS))
    return tuple(tiers)


def parse_listing(
    raw: Mapping[str, str], raw_tiers: Sequence[tuple[str, str]]
) -> tuple[ListingData | None, dict[str, str]]:
    """Read every field; return the data, or ``None`` and one message per field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def read(name: str, func: Callable[..., object], *args: object, **kwargs: object) -> None:
        try:
            values[name] = func(raw.get(name, "") or "", *args, **kwargs)
        except FieldError as err:
            errors[name] = str(err)

    read("category_code", parse_text, N_("La catégorie"), 40, required=True)
    read("sku", parse_text, N_("La référence (SKU)"), TEXT_LIMITS["sku"], required=True)
    read("brand", parse_text, N_("La marque"), TEXT_LIMITS["brand"], required=True)
    read("model", parse_text, N_("Le modèle"), TEXT_LIMITS["model"], required=True)
    read("processor", parse_text, N_("Le processeur"), TEXT_LIMITS["processor"], required=False)
    read("description", parse_text, N_("La description"), MAX_DESCRIPTION, required=False)
    read("grade", parse_grade)
    read("state", parse_state)
    read("quantity", parse_count, N_("La quantité"), maximum=1_000_000)
    read("unit_price", parse_price, N_("Le prix unitaire HT"))
    read("vat_rate", parse_vat)
    read("ram_gb", optional_count, N_("La mémoire vive (Go)"), maximum=4096)
    read("storage_gb", optional_count, N_("Le stockage (Go)"), maximum=1_000_000)
    read("screen_inches", parse_screen)
    read("warranty_months", optional_count, N_("La garantie (mois)"), maximum=120)
    read("repairability_index", parse_repairability)
    read("os_update_years", optional_count, N_("La durée des mises à jour (ans)"), maximum=30)
    read("spare_parts_years", optional_count, N_("La disponibilité des pièces (ans)"), maximum=30)
    read("refurbished_in_france", parse_bool)
    read("data_wiping_attested", parse_bool)
    read("has_recycled_materials", parse_bool)
    if "unit_price" in values:
        try:
            values["tiers"] = check_tiers(values["unit_price"], raw_tiers)
        except FieldError as err:
            errors["tiers"] = str(err)
    if errors:
        return None, errors
    processor = values.pop("processor") or None
    if values["warranty_months"] is None:
        values["warranty_months"] = 0
    return ListingData(processor=processor, **values), errors
