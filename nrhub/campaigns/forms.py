"""Forms of the campaigns area (shapes and ranges only; the rules live in services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    FieldList,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import ValidationError as FieldError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from nrhub.campaigns.offers import MAX_TIERS
from nrhub.campaigns.pricing import Tier
from nrhub.campaigns.services import MAX_ORDER_QUANTITY, CampaignData
from nrhub.formatting import format_money, paris_to_utc
from nrhub.forms import (
    DateField,
    DateTimeLocalField,
    Form,
    IntegerField,
    MoneyField,
    MultiCheckboxField,
    SubForm,
)
from nrhub.validation import database_int


def optional_id(value: Any) -> int | None:
    """An identifier chosen in a list, or None for the empty choice."""
    return None if value in (None, "", "None") else database_int(value)


class CampaignForm(Form):
    title = StringField(
        _l("Titre"), validators=[DataRequired(_l("Indiquez un titre.")), Length(max=200)]
    )
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=10000)], render_kw={"rows": 5}
    )
    opens_at = DateTimeLocalField(
        _l("Ouverture des commandes (heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Indiquez la date et l'heure d'ouverture."))],
    )
    closes_at = DateTimeLocalField(
        _l("Clôture des commandes (heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Indiquez la date et l'heure de clôture."))],
    )
    delivery_from = DateField(_l("Début des livraisons"), validators=[Optional()])
    delivery_to = DateField(_l("Fin des livraisons"), validators=[Optional()])
    category_ids = MultiCheckboxField(
        _l("Catégories éligibles"),
        coerce=database_int,
        validators=[DataRequired(_l("Choisissez au moins une catégorie éligible."))],
    )
    clause_ids = MultiCheckboxField(_l("Clauses de la campagne"), coerce=database_int)
    framework_lot_id = SelectField(
        _l("Accord-cadre et lot (bons de commande)"), coerce=optional_id, default=None
    )

    def data_object(self) -> CampaignData:
        return CampaignData(
            title=self.title.data or "",
            description=self.description.data or "",
            opens_at=paris_to_utc(self.opens_at.data),
            closes_at=paris_to_utc(self.closes_at.data),
            delivery_from=self.delivery_from.data,
            delivery_to=self.delivery_to.data,
            category_ids=tuple(self.category_ids.data or ()),
            clause_ids=tuple(self.clause_ids.data or ()),
            framework_lot_id=self.framework_lot_id.data,
        )


class CallForStockForm(Form):
    offers_due_at = DateTimeLocalField(
        _l("Date limite des engagements de stock (heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Indiquez la date et l'heure limites de l'appel de stock."))],
    )

    def due_at(self) -> dt.datetime:
        return paris_to_utc(self.offers_due_at.data)


class CancelCampaignForm(Form):
    reason = TextAreaField(
        _l("Motif de l'annulation (envoyé aux participants)"),
        validators=[
            DataRequired(_l("Expliquez la raison de l'annulation.")),
            Length(min=5, max=2000, message=_l("Entre 5 et 2 000 caractères.")),
        ],
        render_kw={"rows": 4},
    )


class TierForm(SubForm):
    min_quantity = IntegerField(
        _l("À partir de (unités)"),
        validators=[
            Optional(),
            NumberRange(min=2, max=MAX_ORDER_QUANTITY, message=_l("Au moins 2 unités.")),
        ],
    )
    unit_price = MoneyField(
        _l("Prix unitaire HT (€)"),
        validators=[Optional()],
        invalid_message=_l("Indiquez un montant, par exemple 189,90."),
    )

    def validate_unit_price(self, field: MoneyField) -> None:
        if field.data is not None and field.data <= 0:
            raise FieldError(_l("Le prix doit être positif."))

    def tier(self) -> Tier | None:
        if self.min_quantity.data is None or self.unit_price.data is None:
            return None
        return Tier(self.min_quantity.data, self.unit_price.data.quantize(Decimal("0.01")))


class CommitOfferForm(Form):
    listing_id = SelectField(
        _l("Offre du catalogue"),
        coerce=database_int,
        validators=[DataRequired(_l("Choisissez une offre publiée."))],
    )
    committed_quantity = IntegerField(
        _l("Quantité engagée"),
        validators=[
            InputRequired(_l("Indiquez une quantité.")),
            NumberRange(min=1, max=MAX_ORDER_QUANTITY, message=_l("Au moins 1 unité.")),
        ],
    )
    tiers = FieldList(FormField(TierForm), min_entries=3, max_entries=MAX_TIERS)

    def validate_tiers(self, field: FieldList) -> None:
        for entry in field.entries:
            sub = entry.form
            if (sub.min_quantity.data is None) != (sub.unit_price.data is None):
                raise FieldError(_l("Chaque palier demande une quantité et un prix."))

    def tier_list(self) -> list[Tier]:
        return [t for t in (entry.form.tier() for entry in self.tiers.entries) if t is not None]


class OfferQuantityForm(Form):
    committed_quantity = IntegerField(
        _l("Nouvelle quantité engagée"),
        validators=[
            InputRequired(_l("Indiquez une quantité.")),
            NumberRange(min=1, max=MAX_ORDER_QUANTITY, message=_l("Au moins 1 unité.")),
        ],
    )


def quantity_label_pattern() -> str:
    """The hidden label of an offer's quantity field, ``%(title)s`` for the offer."""
    return _("Quantité souhaitée : %(title)s")


def order_form(
    offers: Sequence[Any],
    current: Mapping[int, int],
    formdata: Any = None,
    *,
    maintenance: Mapping[int, Sequence[Any]] | None = None,
    current_maintenance: Mapping[int, int | None] | None = None,
) -> Any:
    """A form with one quantity field ``qty_<offer id>`` per accepted offer, and a choice
    ``mnt_<offer id>`` of maintenance for offers whose listing has some (``maintenance``:
    listing id → its active maintenance offers)."""

    class OrderForm(Form):
        def quantities(self) -> dict[int, int]:
            return {
                int(name.removeprefix("qty_")): field.data or 0
                for name, field in self._fields.items()
                if name.startswith("qty_")
            }

        def maintenance(self) -> dict[int, int | None]:
            return {
                int(name.removeprefix("mnt_")): int(field.data) if field.data else None
                for name, field in self._fields.items()
                if name.startswith("mnt_")
            }

        def quantity_fields(self) -> Iterable[Any]:
            return (f for name, f in self._fields.items() if name.startswith("qty_"))

    # Translated once, not once per row: the labels of a page of hundreds of offers (plain
    # text, escaped where printed, unlike a lazy string's markup).
    maintenance_label = _("Maintenance : %(title)s")
    quantity_label = quantity_label_pattern()
    no_maintenance = SelectChoice("", _("Sans maintenance"))
    for offer in offers:
        options = (maintenance or {}).get(offer.listing_id)
        if not options:
            continue
        chosen = (current_maintenance or {}).get(offer.offer_id)
        setattr(
            OrderForm,
            f"mnt_{offer.offer_id}",
            SelectField(
                maintenance_label % {"title": offer.listing_title},
                choices=[no_maintenance]
                + [
                    SelectChoice(
                        str(o.id), f"{o.designation} — {format_money(o.unit_price)} HT/unité"
                    )
                    for o in options
                ],
                default=str(chosen) if chosen else "",
                validate_choice=True,
            ),
        )

    out_of_range = _l("Entre 0 et %(max)d.", max=MAX_ORDER_QUANTITY)
    for offer in offers:
        setattr(
            OrderForm,
            f"qty_{offer.offer_id}",
            IntegerField(
                quantity_label % {"title": offer.listing_title},
                validators=[
                    Optional(),
                    NumberRange(min=0, max=MAX_ORDER_QUANTITY, message=out_of_range),
                ],
                default=current.get(offer.offer_id, 0),
                render_kw={"min": 0, "inputmode": "numeric"},
            ),
        )
    if formdata is not None:
        return OrderForm(formdata=formdata)
    return OrderForm()
