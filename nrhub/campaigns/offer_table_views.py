"""A buyer's table of campaign offers (templates/campaigns/_buyer_order.html): its rows,
with their texts, made here.

A campaign offers up to hundreds of listings, and its page is the one buyers reload most
in a campaign's last hours. Asked cell by cell from the template, the amounts, quantities,
sentences and fields of its rows were most of the page's time (a gettext call, a filter, a
macro or a function call per cell). Here each distinct text is made once per request and
language, and each row is a plain object the template only prints. The texts are what the
templates' own ``_()`` and ``money``/``number`` filters give: the translation trusted as
markup, the values put into it escaped, no-break spaces.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, NamedTuple, TypeVar, cast

from flask import current_app, get_template_attribute
from flask_babel import gettext
from markupsafe import Markup, escape

from nrhub import caching
from nrhub.campaigns.forms import quantity_label_pattern
from nrhub.campaigns.queries import CampaignPage, OfferFigures, cache_seconds
from nrhub.campaigns.services import MAX_ORDER_QUANTITY
from nrhub.catalog.maintenance import MaintenanceChoice
from nrhub.formatting import NBSP, current_language, format_money, format_number
from nrhub.templating import next_id, placeholder, static_fragment

T = TypeVar("T")


def _text(message: str, **values: Any) -> Markup:
    # A translation of ours, trusted as markup as Jinja's i18n extension trusts it.
    return Markup(gettext(message)) % values  # noqa: S704  # nosec B704


class Columns(NamedTuple):
    """The table's column names (its header, and each cell's name on a phone)."""

    offer: Markup
    refurbisher: Markup
    base: Markup
    price: Markup
    ordered: Markup
    next: Markup
    committed: Markup
    mine: Markup
    line: Markup
    maintenance: Markup


class _Texts:
    """Each distinct text of the table, made once (per process and language)."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.grade = _text("grade")
        self.oversubscribed = _text("demande supérieure au stock")
        self.columns = Columns(
            offer=_text("Offre"),
            refurbisher=_text("Reconditionneur"),
            base=_text("Prix de base"),
            price=_text("Prix groupé actuel"),
            ordered=_text("Commandé par toutes les collectivités"),
            next=_text("Prochain palier"),
            committed=_text("Unités engagées"),
            mine=_text("Votre quantité"),
            line=_text("Votre montant HT"),
            maintenance=_text("Maintenance par unité"),
        )
        self._known: dict[tuple[str, Hashable], Any] = {}
        # The amounts and quantities of every row: their own tables, looked up directly.
        self._money: dict[Decimal | None, str] = {}
        self._number: dict[int, str] = {}

    def size(self) -> int:
        return len(self._known) + len(self._money) + len(self._number)

    def _once(self, kind: str, value: Hashable, make: Callable[[], T]) -> T:
        key = (kind, value)
        if key not in self._known:
            self._known[key] = make()
        return cast(T, self._known[key])

    def money(self, value: Decimal | None) -> str:
        text = self._money.get(value)
        if text is None:
            text = self._money[value] = format_money(value, self.locale, NBSP)
        return text

    def number(self, value: int) -> str:
        text = self._number.get(value)
        if text is None:
            text = self._number[value] = format_number(value, 0, self.locale, NBSP)
        return text

    def detail(self, grade: Any, months: int) -> Markup:
        """``(grade A, garantie 12 mois)``"""
        return self._once(
            "detail",
            (grade, months),
            lambda: Markup("({} {}, {})").format(
                self.grade, grade, _text("garantie %(n)s mois", n=months)
            ),
        )

    def next_tier(self, offer: OfferFigures) -> Markup:
        """The next volume price when the committed units can reach it, else the best
        reachable one."""
        key = (
            offer.units_to_next_tier,
            offer.next_tier_price,
            offer.max_reachable_price if offer.unreachable_tiers else None,
            offer.committed if offer.unreachable_tiers else None,
            bool(offer.tiers),
        )
        return self._once("tier", key, lambda: self._next_tier(offer))

    def _next_tier(self, offer: OfferFigures) -> Markup:
        if offer.units_to_next_tier is not None:
            return _text(
                "encore %(n)s unité(s) pour %(price)s",
                n=self.number(offer.units_to_next_tier),
                price=self.money(offer.next_tier_price),
            )
        if offer.unreachable_tiers:
            return _text(
                "palier maximal atteignable : %(price)s (%(n)s unités engagées)",
                price=self.money(offer.max_reachable_price),
                n=self.number(offer.committed),
            )
        return _text("meilleur prix atteint") if offer.tiers else _text("pas de palier")


TEXTS_LIMIT = 5_000  # texts one _Texts keeps (amounts and quantities seen)


def _texts_in(locale: str) -> _Texts:
    """The table's texts in ``locale``, kept by the process: they depend on the code, the
    translations and the values alone (a new set once many values were seen)."""
    kept: dict[str, _Texts] = current_app.extensions.setdefault("nrhub_offer_table_texts", {})
    texts = kept.get(locale)
    if texts is None or texts.size() > TEXTS_LIMIT:
        texts = kept[locale] = _Texts(locale)
    return texts


@dataclass(frozen=True, slots=True)
class QuantityInput:
    """The buyer's quantity field of one offer (the order form's ``qty_<offer id>``), as
    its WTForms widget would print it."""

    name: str
    value: str
    label: str
    max: Any
    errors: Sequence[str]


@dataclass(frozen=True, slots=True)
class OfferRow:
    offer: OfferFigures
    others: int  # units ordered by the other buyers (the order form's script reads them)
    shared_cells: Markup  # the cells every buyer sees alike (campaigns/_offer_cells.html)
    mine: str
    line: str
    quantity: QuantityInput | None  # None: ordering is not open
    maintenance: Sequence[MaintenanceChoice]
    maintenance_field: Any  # the form's mnt_<offer id>, when ordering is open and offered
    maintenance_chosen: int | None


@dataclass(frozen=True, slots=True)
class OrderTable:
    texts: _Texts
    html: Markup  # a table per category (campaigns/_offer_table.html) with its rows


# Placeholders of campaigns/_offer_table.html, rendered once per language.
_ID, _LABEL, _ROWS = placeholder("id"), placeholder("label"), placeholder("rows")


def _category_tables(texts: _Texts, groups: list[tuple[str, Markup]]) -> Markup:
    """One table per category, its header and frame rendered once per language."""
    frame = str(
        static_fragment(
            "campaigns/_offer_table.html",
            id=_ID,
            label=_LABEL,
            rows=Markup(_ROWS),  # noqa: S704  # nosec B704
            c=texts.columns,
        )
    )
    return Markup(  # noqa: S704  # nosec B704  (each piece escaped or our markup)
        "".join(
            frame.replace(_ID, next_id("tableau"))
            .replace(_LABEL, escape(label))
            .replace(_ROWS, rows)
            for label, rows in groups
        )
    )


def order_table(page: CampaignPage, form: Any | None) -> OrderTable:
    """The rows of the buyer's offers table, grouped by category, as HTML.

    ``form``: the order form, when one was posted (its fields give each quantity's value and
    errors) or when the page offers maintenance (its choices); else, while ordering is open,
    each quantity field shows the buyer's current quantity, with no form built (a hundred
    WTForms fields cost more than the rest of the table).

    Without a form or maintenance, a row's HTML is kept by (language, generation of the
    campaigns' cache area, offer, units ordered by all buyers, the buyer's own quantity,
    ordering open): a row the buyer has not ordered is the same for every buyer, and most
    rows are such; the cells every buyer sees alike are kept too. During a campaign's rush
    each order changes a few offers' rows, and the hundred others are printed again to
    every buyer.
    """
    texts = _texts_in(current_language())
    locale = texts.locale
    fields = form._fields if form is not None and page.ordering_open else {}
    label = quantity_label_pattern() if page.ordering_open and form is None else None
    seconds = cache_seconds()
    shared_cells = get_template_attribute("campaigns/_offer_cells.html", "offer_cells")
    row_html = get_template_attribute("campaigns/_offer_cells.html", "offer_row")
    kept_cells = caching.memo("offer_cells", area=caching.Area.CAMPAIGNS, seconds=seconds)
    kept_rows = caching.memo("offer_row_html", area=caching.Area.CAMPAIGNS, seconds=seconds)
    mine, maintenance, chosen = page.my_quantities, page.maintenance, page.my_maintenance

    def html_of(offer: OfferFigures) -> Markup:
        # The cells every buyer sees alike depend on nothing else than this key.
        cells: Markup = kept_cells.get(
            (locale, offer.offer_id, offer.ordered), partial(shared_cells, offer, texts)
        )
        html: Markup = row_html(_row(offer, texts, cells, fields, label, page), texts)
        return html

    def shown(offer: OfferFigures) -> Markup:
        if (
            form is not None
            or maintenance.get(offer.listing_id)
            or chosen.get(offer.offer_id) is not None
        ):
            return html_of(offer)
        # Without a form or maintenance, a row depends on its offer's figures and on the
        # buyer's own quantity alone (0 in most rows: the same for every buyer).
        key = (
            locale,
            offer.offer_id,
            offer.ordered,
            mine.get(offer.offer_id, 0),
            page.ordering_open,
        )
        html: Markup = kept_rows.get(key, partial(html_of, offer))
        return html

    def joined(offers: list[OfferFigures]) -> Markup:
        # Every row is our templates' markup already: joined as text, marked once.
        return Markup("".join(map(shown, offers)))  # noqa: S704  # nosec B704

    groups = [(category, joined(offers)) for category, offers in page.groups]
    return OrderTable(texts, _category_tables(texts, groups))


def _quantity_input(
    offer: OfferFigures, fields: dict[str, Any], label: str | None, mine: int
) -> QuantityInput | None:
    field = fields.get(f"qty_{offer.offer_id}")
    if field is not None:
        return QuantityInput(
            field.name, field._value(), field.label.text, field.flags.max, field.errors
        )
    if label is None:
        return None
    title = label % {"title": offer.listing_title}
    return QuantityInput(f"qty_{offer.offer_id}", str(mine), title, MAX_ORDER_QUANTITY, ())


def _row(
    offer: OfferFigures,
    texts: _Texts,
    shared_cells: Markup,
    fields: dict[str, Any],
    label: str | None,
    page: CampaignPage,
) -> OfferRow:
    mine = page.my_quantities.get(offer.offer_id, 0)
    line = page.estimate.lines.get(offer.offer_id)
    return OfferRow(
        offer=offer,
        others=offer.ordered - mine,
        shared_cells=shared_cells,
        mine=texts.number(mine),
        line=texts.money(line.ht) if line is not None else "—",
        quantity=_quantity_input(offer, fields, label, mine),
        maintenance=page.maintenance.get(offer.listing_id) or (),
        maintenance_field=fields.get(f"mnt_{offer.offer_id}"),
        maintenance_chosen=page.my_maintenance.get(offer.offer_id),
    )
