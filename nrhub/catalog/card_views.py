"""The translated texts of listing cards (templates/catalog/_macros.html), looked up once.

A catalogue page shows 24 cards of some fifteen translated strings each: asked one by one
from the template, they were ~350 gettext calls, a third of the page's time. Here the
constant ones are translated once per request and language, those with a number once per
number. The results are what the templates' own ``_()`` gives: the translation trusted as
markup, the values put into it escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g
from flask_babel import gettext, ngettext
from markupsafe import Markup, escape

from nrhub.catalog.forms import STATE_LABELS
from nrhub.formatting import NBSP, current_language, format_number


def _trusted(text: str) -> Markup:
    # A translation of ours, trusted as markup as Jinja's i18n extension trusts it.
    return Markup(text)  # noqa: S704  # nosec B704


def _text(message: str, **values: Any) -> Markup:
    return _trusted(gettext(message)) % values


def _plural(singular: str, plural: str, num: int, **values: Any) -> Markup:
    return _trusted(ngettext(singular, plural, num)) % {"num": num, **values}


class CardTexts:
    """The texts of listing cards in one language."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.grade = _text("Grade")
        self.by = _text("Par")
        self.per_unit = _text("HT l'unité")
        self.prices_hidden = _text("Prix réservés aux membres de la centrale.")
        self.log_in = _text("Se connecter")
        self.out_of_stock = _text("Rupture de stock")
        self.badges_label = _text("Engagements durables")
        self._in_france = _text("Reconditionné en France")
        self._wiping = _text("Effacement des données attesté")
        self._insertion = _text("Structure d'insertion")
        self._esus = _text("Agréée ESUS")
        self._known: dict[tuple[str, Any], Markup] = {}

    def _once(self, kind: str, value: Any, make: Callable[[], Markup]) -> Markup:
        key = (kind, value)
        text = self._known.get(key)
        if text is None:
            text = self._known[key] = make()
        return text

    def years(self, n: int) -> Markup:
        return self._once("years", n, lambda: _plural("%(num)d an", "%(num)d ans", n))

    def state(self, state: Any) -> Markup:
        return self._once("state", state, lambda: escape(str(STATE_LABELS.get(state, state))))

    def stock(self, quantity: int) -> Markup:
        return self._once(
            "stock",
            quantity,
            lambda: _plural("%(num)d unité en stock", "%(num)d unités en stock", quantity),
        )

    def distance(self, km: int) -> Markup:
        return self._once(
            "km", km, lambda: _text("à %(km)s km", km=format_number(km, 0, self.locale, NBSP))
        )

    def badges(self, listing: Any) -> list[Markup]:
        """The sustainability badges of ``listing`` (a Listing, its refurbisher loaded)."""
        found = []
        if listing.os_update_years:
            found.append(
                self._once(
                    "updates",
                    listing.os_update_years,
                    lambda: _text(
                        "Mises à jour de sécurité garanties %(years)s",
                        years=self.years(listing.os_update_years),
                    ),
                )
            )
        if listing.repairability_index is not None:
            found.append(
                self._once(
                    "repairability",
                    listing.repairability_index,
                    lambda: _text(
                        "Indice de réparabilité %(index)s/10",
                        index=format_number(listing.repairability_index, 1, self.locale, NBSP),
                    ),
                )
            )
        if listing.spare_parts_years:
            found.append(
                self._once(
                    "parts",
                    listing.spare_parts_years,
                    lambda: _text(
                        "Pièces détachées %(years)s", years=self.years(listing.spare_parts_years)
                    ),
                )
            )
        if listing.warranty_months:
            found.append(
                self._once(
                    "warranty",
                    listing.warranty_months,
                    lambda: _plural(
                        "Garantie %(num)d mois", "Garantie %(num)d mois", listing.warranty_months
                    ),
                )
            )
        if listing.refurbished_in_france:
            found.append(self._in_france)
        if listing.data_wiping_attested:
            found.append(self._wiping)
        if listing.refurbisher.is_insertion_structure:
            found.append(self._insertion)
        if listing.refurbisher.esus_agreement:
            found.append(self._esus)
        return found


def card_texts() -> CardTexts:
    """The card texts of the request's language (one set per request and language)."""
    locale = current_language()
    known: dict[str, CardTexts] = g.setdefault("nrhub_card_texts", {})
    texts = known.get(locale)
    if texts is None:
        texts = known[locale] = CardTexts(locale)
    return texts
