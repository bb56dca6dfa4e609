"""The translated texts of listing cards (templates/catalog/_macros.html), looked up once.

A catalogue page shows 24 cards of some fifteen translated strings each: asked one by one
from the template, they were ~350 gettext calls, a third of the page's time. Here the
constant ones are translated once per request and language, those with a number once per
number. The results are what the templates' own ``_()`` gives: the translation trusted as
markup, the values put into it escaped.

The parts of a card that repeat across the page (its badges, its meta line, its seller
with the link to their profile) are written once per page for each distinct value, and the
links to listings come from one ``url_for`` per page: the template's macro calls and
``url_for`` per card were the rest of the cards' cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, request, url_for
from flask_babel import gettext, ngettext
from markupsafe import Markup, escape

from nrhub.catalog.forms import STATE_LABELS
from nrhub.formatting import NBSP, current_language, format_number
from nrhub.stats.formatting import fast_money


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
        self._detail_url = _url_with_id("catalog.detail", "listing_id")
        self._profile_url = _url_with_id("catalog.refurbisher_profile", "refurbisher_id")

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

    def price_html(self, unit_price: Any) -> Markup:
        return Markup('<p class="price"><strong>%s</strong> %s</p>') % (
            fast_money(unit_price, self.locale),
            self.per_unit,
        )

    def prices_hidden_html(self) -> Markup:
        """The notice in place of a price, with a link to log in and come back."""
        return self._once(
            "prices_hidden",
            None,
            lambda: (
                Markup('<p class="price price-hidden">%s\n      <a href="%s">%s</a></p>')
                % (
                    self.prices_hidden,
                    url_for("auth.login", next=request.full_path.rstrip("?")),
                    self.log_in,
                )
            ),
        )

    def stock_html(self, quantity: int) -> Markup:
        if quantity > 0:
            return self._once(
                "stock_html",
                quantity,
                lambda: Markup('<span class="stock stock-ok">%s</span>') % self.stock(quantity),
            )
        return Markup('<span class="stock stock-out">%s</span>') % self.out_of_stock

    def detail_url(self, listing_id: int) -> str:
        return self._detail_url(listing_id)

    def meta(self, listing: Any) -> Markup:
        """Category · grade · state (a Listing, its category loaded)."""
        return self._once(
            "meta",
            (listing.category_id, listing.grade, listing.state),
            lambda: (
                Markup("%s · %s %s · %s")
                % (
                    listing.category.label(self.locale),
                    self.grade,
                    listing.grade,
                    self.state(listing.state),
                )
            ),
        )

    def seller(self, refurbisher: Any) -> Markup:
        """ "Par <a>name</a> (city, department)" of a card: a page lists a few refurbishers."""
        return self._once(
            "seller",
            refurbisher.id,
            lambda: (
                Markup('%s <a href="%s">%s</a>\n      (%s, %s)')
                % (
                    self.by,
                    self._profile_url(refurbisher.id),
                    refurbisher.name,
                    refurbisher.city,
                    refurbisher.department_code,
                )
            ),
        )

    def badges_html(self, listing: Any) -> Markup:
        """The list of :meth:`badges`, written once per distinct set of them."""
        refurbisher = listing.refurbisher
        key = (
            listing.os_update_years,
            listing.repairability_index,
            listing.spare_parts_years,
            listing.warranty_months,
            listing.refurbished_in_france,
            listing.data_wiping_attested,
            refurbisher.is_insertion_structure,
            refurbisher.esus_agreement,
        )
        return self._once("badges", key, lambda: self._badge_list(self.badges(listing)))

    def _badge_list(self, badges: list[Markup]) -> Markup:
        items = Markup("").join(Markup('\n      <li class="badge">%s</li>') % b for b in badges)
        return Markup('<ul class="badges" aria-label="%s">%s\n  </ul>') % (
            self.badges_label,
            items,
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


def _url_with_id(endpoint: str, name: str) -> Callable[[int], str]:
    """``url_for(endpoint, name=id)`` for any id, from one ``url_for``: the URL built for a
    sample id, split where the id stands."""
    sample = 7_777_777_777
    values: dict[str, Any] = {name: sample}
    head, _sample, tail = url_for(endpoint, **values).rpartition(str(sample))
    return lambda ident: f"{head}{int(ident)}{tail}"


def card_texts() -> CardTexts:
    """The card texts of the request's language (one set per request and language)."""
    locale = current_language()
    known: dict[str, CardTexts] = g.setdefault("nrhub_card_texts", {})
    texts = known.get(locale)
    if texts is None:
        texts = known[locale] = CardTexts(locale)
    return texts
