"""Forms of the consolidation area: rule, override, shipping and receipt."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from nrhub.consolidation.allocation import Rule
from nrhub.consolidation.labels import RULES
from nrhub.consolidation.models import Delivery
from nrhub.forms import DateField, Form, IntegerField


def rule_choices() -> list[tuple[str, Any]]:
    return [(rule.value, label) for rule, label in RULES.items()]


def parse_rule(value: str | None) -> Rule:
    """The rule asked in the address; the proportional rule unless another is named."""
    try:
        return Rule(value or Rule.PROPORTIONAL)
    except ValueError:
        return Rule.PROPORTIONAL


class ConfirmForm(Form):
    rule = HiddenField(default=Rule.PROPORTIONAL.value)


class OverrideForm(Form):
    quantity = IntegerField(
        _l("Quantité attribuée"),
        validators=[
            InputRequired(_l("Indiquez la quantité attribuée.")),
            NumberRange(min=0, message=_l("La quantité ne peut pas être négative.")),
        ],
    )
    reason = TextAreaField(
        _l("Motif de l'ajustement"),
        validators=[
            DataRequired(_l("Expliquez l'ajustement.")),
            Length(min=5, max=2000, message=_l("Entre 5 et 2 000 caractères.")),
        ],
    )
    rule = HiddenField(default=Rule.PROPORTIONAL.value)


class ShipForm(Form):
    shipped_on = DateField(
        _l("Date d'expédition"),
        validators=[InputRequired(_l("Indiquez une date valide (jj/mm/aaaa)."))],
    )
    serials = TextAreaField(
        _l("Numéros de série (facultatif, un par ligne)"),
        validators=[Optional(), Length(max=20000, message=_l("Texte trop long."))],
    )


class ReceiptForm(Form):
    received_on = DateField(
        _l("Date de réception (service fait)"),
        validators=[InputRequired(_l("Indiquez une date valide (jj/mm/aaaa)."))],
    )
    comment = TextAreaField(
        _l("Commentaire"),
        validators=[Optional(), Length(max=2000, message=_l("2 000 caractères au plus."))],
    )

    def line_fields(self) -> list[tuple[Any, Any]]:
        """(delivery line, its quantity field) in the delivery's order, for the lines that
        still expect units (the others are not asked again)."""
        delivery = getattr(self, "_delivery", None)
        lines = delivery.lines if delivery is not None else []
        return [(line, self[f"line_{line.id}"]) for line in lines if line.expected_quantity > 0]

    def quantities(self) -> dict[int, int]:
        return {line.id: int(field.data) for line, field in self.line_fields()}

    def validate(self, extra_validators: Any = None) -> bool:
        """Only the lines still expecting units are checked (the others are not shown)."""
        shown = {f"line_{line.id}" for line, _field in self.line_fields()}
        delivery = getattr(self, "_delivery", None)
        for line in delivery.lines if delivery is not None else []:
            if f"line_{line.id}" not in shown:
                del self[f"line_{line.id}"]
        ok: bool = super().validate(extra_validators)
        return ok


class NotDeliveredForm(Form):
    reason = TextAreaField(
        _l("Pourquoi ces unités ne seront pas livrées"),
        validators=[
            DataRequired(_l("Expliquez pourquoi ces unités ne seront pas livrées.")),
            Length(min=5, max=2000, message=_l("Entre 5 et 2 000 caractères.")),
        ],
        render_kw={"rows": 3},
    )


def receipt_form(delivery: Delivery, **kwargs: Any) -> ReceiptForm:
    """The receipt form of this delivery: one received-quantity field per line."""

    class _ReceiptForm(ReceiptForm):
        pass

    for line in delivery.lines:
        expected = line.expected_quantity
        setattr(
            _ReceiptForm,
            f"line_{line.id}",
            IntegerField(
                _l(
                    "Quantité reçue : %(designation)s",
                    designation=line.purchase_order_line.designation,
                ),
                validators=[
                    InputRequired(_l("Indiquez la quantité reçue.")),
                    NumberRange(
                        min=0,
                        max=expected,
                        message=_l(
                            "Entre 0 et %(max)s (les unités encore attendues).", max=expected
                        ),
                    ),
                ],
                default=expected,
            ),
        )
    form = _ReceiptForm(**kwargs)
    form._delivery = delivery
    return form
