"""Forms of maintenance offers and repair requests (shapes and ranges only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms import ValidationError as FieldError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.validators import Optional as OptionalValidator

from nrhub.catalog.maintenance import kind_choices
from nrhub.catalog.models import MaintenanceKind, MaintenanceOffer
from nrhub.forms import Form, IntegerField, MoneyField
from nrhub.repairs.maintenance import MAX_COVERAGE_LENGTH, MAX_DURATION_MONTHS, MaintenanceData
from nrhub.repairs.services import MAX_DESCRIPTION_LENGTH, MAX_MESSAGE_LENGTH, RepairInput
from nrhub.validation import database_int

PRICE = _l("Indiquez un prix HT positif en euros, par exemple 49,90.")


class MaintenanceForm(Form):
    kind = SelectField(_l("Type de prestation"), validators=[DataRequired()])
    duration_months = IntegerField(
        _l("Durée (mois)"),
        validators=[
            InputRequired(_l("Indiquez une durée en mois.")),
            NumberRange(min=1, max=MAX_DURATION_MONTHS, message=_l("Entre 1 et 120 mois.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    unit_price = MoneyField(
        _l("Prix HT par unité (€)"),
        validators=[InputRequired(_l("Indiquez un prix HT."))],
        invalid_message=PRICE,
    )
    coverage = TextAreaField(
        _l("Ce qui est couvert"),
        validators=[
            DataRequired(_l("Décrivez ce qui est couvert.")),
            Length(max=MAX_COVERAGE_LENGTH),
        ],
    )
    is_active = BooleanField(_l("Proposée aux acheteurs"), default=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(value, label) for value, label in kind_choices()]

    def validate_unit_price(self, field: Any) -> None:
        if field.data is not None and field.data <= 0:  # unreadable: already said
            raise FieldError(PRICE)

    def data_out(self) -> MaintenanceData:
        return MaintenanceData(
            kind=MaintenanceKind(self.kind.data),
            duration_months=int(self.duration_months.data or 0),
            unit_price=self.unit_price.data or Decimal(0),
            coverage=self.coverage.data or "",
            is_active=bool(self.is_active.data),
        )

    @staticmethod
    def values_of(offer: MaintenanceOffer) -> dict[str, Any]:
        return {
            "kind": offer.kind,
            "duration_months": offer.duration_months,
            "unit_price": offer.unit_price,
            "coverage": offer.coverage,
            "is_active": offer.is_active,
        }


class RepairRequestForm(Form):
    delivery_line_id = SelectField(
        _l("Matériel reçu concerné (livraison et ligne)"),
        coerce=database_int,
        validators=[InputRequired(_l("Choisissez le matériel concerné."))],
    )
    quantity = IntegerField(
        _l("Nombre d'unités à réparer"),
        validators=[
            InputRequired(_l("Indiquez un nombre d'unités.")),
            NumberRange(min=1, message=_l("Au moins 1 unité.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    description = TextAreaField(
        _l("Ce qui ne fonctionne pas"),
        validators=[
            DataRequired(_l("Décrivez ce qui ne fonctionne pas.")),
            Length(max=MAX_DESCRIPTION_LENGTH),
        ],
    )
    photos = FileField(
        _l("Photos (facultatif, 5 au plus, JPEG, PNG ou WebP)"),
        render_kw={"multiple": True, "accept": "image/jpeg,image/png,image/webp"},
    )

    def data_out(self) -> RepairInput:
        return RepairInput(
            delivery_line_id=int(self.delivery_line_id.data),
            quantity=int(self.quantity.data or 0),
            description=self.description.data or "",
        )


class MessageForm(Form):
    body = TextAreaField(
        _l("Votre message"),
        validators=[DataRequired(_l("Le message est vide.")), Length(max=MAX_MESSAGE_LENGTH)],
    )


class StatusForm(Form):
    status = SelectField(_l("Nouvelle étape"), validators=[DataRequired()])
    message = TextAreaField(
        _l("Message à l'acheteur (obligatoire pour un refus)"),
        validators=[OptionalValidator(), Length(max=MAX_MESSAGE_LENGTH)],
    )
