"""Forms of the donation loop: a lot, a claim, a refusal, a pickup, an outcome, the
retired stock and the hub's widening delay. Shapes and ranges only: the rules that need
the database live in :mod:`nrhub.donations.services`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from nrhub.donations.models import (
    AgeBracket,
    ClaimStatus,
    DonationLot,
    LotCondition,
    LotReach,
    LotStatus,
    ReenCategory,
    RetiredRoute,
)
from nrhub.donations.services import LotData
from nrhub.formatting import format_date
from nrhub.forms import DateField, DecimalField, Form, IntegerField

AGE_LABELS = {
    AgeBracket.UNDER_5: _l("Moins de 5 ans"),
    AgeBracket.FROM_5_TO_10: _l("De 5 à 10 ans"),
    AgeBracket.OVER_10: _l("Plus de 10 ans (recyclage)"),
}
CONDITION_LABELS = {
    LotCondition.WORKING: _l("Fonctionnel"),
    LotCondition.TO_REPAIR: _l("À réparer"),
    LotCondition.FOR_PARTS: _l("Hors d'usage, pour pièces"),
}
CLAIM_STATUS_LABELS = {
    ClaimStatus.PENDING: _l("En attente de réponse"),
    ClaimStatus.ACCEPTED: _l("Acceptée, à enlever"),
    ClaimStatus.REFUSED: _l("Refusée"),
    ClaimStatus.CANCELLED: _l("Annulée"),
    ClaimStatus.PICKED_UP: _l("Enlevée, devenir à déclarer"),
    ClaimStatus.COMPLETED: _l("Terminée"),
}
LOT_STATUS_LABELS = {LotStatus.OPEN: _l("Ouvert"), LotStatus.WITHDRAWN: _l("Retiré")}
REACH_LABELS = {
    LotReach.DEPARTMENT: _l("Reconditionneurs du département"),
    LotReach.REGION: _l("Reconditionneurs de la région"),
    LotReach.ALL: _l("Tous les reconditionneurs"),
}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
WHOLE = _l("Indiquez un nombre entier.")
WEIGHT = _l("Un poids positif en kg, par exemple 2,3.")


def _choices(labels: dict[Any, Any]) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


def kg_to_grams(kg: Decimal | None) -> int | None:
    """Kilograms (three decimals at most, see :class:`LotForm`) to whole grams."""
    return None if kg is None else int(kg * 1000)


class LotForm(Form):
    category_code = SelectField(_l("Catégorie"), validate_choice=False)
    quantity = IntegerField(
        _l("Nombre d'unités"),
        validators=[
            InputRequired(WHOLE),
            NumberRange(min=1, max=100_000, message=_l("Entre 1 et 100 000 unités.")),
        ],
    )
    age_bracket = SelectField(_l("Âge du matériel"), choices=_choices(AGE_LABELS))
    condition = SelectField(_l("État"), choices=_choices(CONDITION_LABELS))
    unit_weight_kg = DecimalField(
        _l("Poids estimé d'une unité (kg)"),
        validators=[InputRequired(_l("Indiquez le poids estimé d'une unité."))],
        places=3,
        invalid_message=WEIGHT,
    )
    description = TextAreaField(
        _l("Description (modèles, accessoires…)"), validators=[Optional(), Length(max=5000)]
    )
    pickup_address = StringField(
        _l("Adresse d'enlèvement"),
        validators=[InputRequired(_l("Indiquez l'adresse d'enlèvement.")), Length(max=300)],
    )
    pickup_postcode = StringField(
        _l("Code postal"), validators=[InputRequired(_l("Indiquez le code postal.")), Length(max=5)]
    )
    pickup_city = StringField(
        _l("Commune"), validators=[InputRequired(_l("Indiquez la commune.")), Length(max=120)]
    )
    available_from = DateField(
        _l("Disponible à partir du"),
        format=DATE_FORMATS,
        validators=[InputRequired(_l("Indiquez une date valide (jj/mm/aaaa)."))],
    )
    available_until = DateField(
        _l("Disponible jusqu'au"),
        format=DATE_FORMATS,
        validators=[InputRequired(_l("Indiquez une date valide (jj/mm/aaaa)."))],
    )
    data_wiping_required = BooleanField(_l("Effacement certifié des données exigé"), default=True)

    def __init__(self, *args: Any, categories: list[tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.category_code.choices = [SelectChoice("", _l("Choisir une catégorie"))] + [
            SelectChoice(code, label) for code, label in (categories or [])
        ]

    def validate_unit_weight_kg(self, field: Any) -> None:
        if field.data is not None and field.data <= 0:  # unreadable: already said
            raise FieldError(WEIGHT)

    def validate_category_code(self, field: Any) -> None:
        if not field.data:
            raise FieldError(_l("Choisissez une catégorie."))

    def lot_data(self) -> LotData:
        return LotData(
            category_code=self.category_code.data or "",
            quantity=int(self.quantity.data or 0),
            age_bracket=AgeBracket(self.age_bracket.data),
            condition=LotCondition(self.condition.data),
            unit_weight_g=kg_to_grams(self.unit_weight_kg.data) or 0,
            pickup_address=self.pickup_address.data or "",
            pickup_postcode=(self.pickup_postcode.data or "").strip(),
            pickup_city=self.pickup_city.data or "",
            available_from=self.available_from.data,
            available_until=self.available_until.data,
            data_wiping_required=bool(self.data_wiping_required.data),
            description=self.description.data or "",
        )


def lot_form_values(lot: DonationLot) -> dict[str, Any]:
    """A lot's fields as :class:`LotForm` shows them (weight in kg, decimal comma); the
    lot's category must be loaded."""
    kg = Decimal(lot.unit_weight_g) / 1000
    return {
        "category_code": lot.category.code,
        "quantity": lot.quantity,
        "age_bracket": lot.age_bracket,
        "condition": lot.condition,
        "unit_weight_kg": kg,
        "description": lot.description,
        "pickup_address": lot.pickup_address,
        "pickup_postcode": lot.pickup_postcode,
        "pickup_city": lot.pickup_city,
        "available_from": lot.available_from,
        "available_until": lot.available_until,
        "data_wiping_required": lot.data_wiping_required,
    }


class ClaimForm(Form):
    quantity = IntegerField(
        _l("Unités à réserver"),
        validators=[
            InputRequired(WHOLE),
            NumberRange(min=1, message=_l("Réservez au moins une unité.")),
        ],
    )
    message = TextAreaField(
        _l("Message à la collectivité (facultatif)"), validators=[Optional(), Length(max=2000)]
    )


class RefuseForm(Form):
    reason = TextAreaField(
        _l("Motif du refus"),
        validators=[InputRequired(_l("Expliquez brièvement le refus.")), Length(min=3, max=2000)],
    )


class PickupForm(Form):
    picked_up_on = DateField(
        _l("Date d'enlèvement"),
        format=DATE_FORMATS,
        validators=[InputRequired(_l("Indiquez une date valide (jj/mm/aaaa)."))],
    )
    quantity = IntegerField(
        _l("Unités réellement enlevées"),
        validators=[InputRequired(WHOLE), NumberRange(min=1, message=_l("Au moins une unité."))],
    )

    def bound_by(self, available_from: dt.date) -> PickupForm:
        """No pickup before the lot is available (the service checks it again)."""
        self.available_from = available_from
        self.picked_up_on.render_kw = {"min": available_from.isoformat()}
        return self

    def validate_picked_up_on(self, field: DateField) -> None:
        available_from = getattr(self, "available_from", None)
        if field.data is not None and available_from is not None and field.data < available_from:
            raise FieldError(
                _(
                    "La date d'enlèvement précède la disponibilité du lot (à partir du %(date)s).",
                    date=format_date(available_from),
                )
            )


class OutcomeForm(Form):
    units_reused = IntegerField(
        _l("Unités réemployées"),
        default=0,
        validators=[InputRequired(WHOLE), NumberRange(min=0, message=_l("Pas de nombre négatif."))],
    )
    units_recycled = IntegerField(
        _l("Unités recyclées"),
        default=0,
        validators=[InputRequired(WHOLE), NumberRange(min=0, message=_l("Pas de nombre négatif."))],
    )
    certificate = FileField(_l("Certificat d'effacement des données (PDF ou image, 10 Mo au plus)"))


REEN_CATEGORY_LABELS = {
    ReenCategory.SCREENS: _l("Écrans, moniteurs et équipements à écran de plus de 100 cm² (2°)"),
    ReenCategory.SMALL_IT: _l("Petits équipements informatiques et de télécommunications (6°)"),
}


class RetiredStockForm(Form):
    year = IntegerField(
        _l("Année (parc au 1er janvier)"),
        validators=[
            InputRequired(WHOLE),
            NumberRange(min=2000, max=2100, message=_l("Année entre 2000 et 2100.")),
        ],
    )
    reen_category = SelectField(_l("Catégorie REEN"), choices=_choices(REEN_CATEGORY_LABELS))
    units = IntegerField(
        _l("Équipements réformés (unités)"),
        validators=[
            InputRequired(WHOLE),
            NumberRange(min=0, max=10_000_000, message=_l("Pas de nombre négatif.")),
        ],
    )
    weight_kg = IntegerField(
        _l("Poids total (kg, facultatif)"),
        validators=[Optional(), NumberRange(min=0, message=_l("Pas de nombre négatif."))],
    )
    in_scope = BooleanField(
        _l(
            "Ce nombre ne compte que du matériel de moins de dix ans à la réforme, sans "
            "information classifiée ni information soumise à une obligation de sécurité "
            "propre aux personnes publiques"
        )
    )


class SettingsForm(Form):
    widen_after_days = IntegerField(
        _l("Délai avant d'élargir la diffusion d'un lot non réservé (jours)"),
        validators=[
            InputRequired(WHOLE),
            NumberRange(min=1, max=365, message=_l("Entre 1 et 365 jours.")),
        ],
    )


class EmptyForm(Form):
    """CSRF only: the accept, cancel and withdraw buttons."""


RETIRED_ROUTE_LABELS = {
    RetiredRoute.PUBLIC_BODY: _l("Cédé à une autre personne publique"),
    RetiredRoute.SALE: _l("Vendu"),
    RetiredRoute.STAFF: _l("Donné au personnel (300 € au plus par bien)"),
    RetiredRoute.ASSOCIATION: _l("Donné à une association, une fondation ou un organisme"),
    RetiredRoute.ECO_ORGANISATION: _l("Repris par un éco-organisme agréé"),
    RetiredRoute.SUPPLIER: _l(
        "Repris par le fournisseur d'origine (contrat avec un éco-organisme)"
    ),
}


class RetiredOutcomeForm(Form):
    outcome_on = DateField(
        _l("Date de sortie"),
        format=["%Y-%m-%d", "%d/%m/%Y"],
        validators=[InputRequired(_l("Indiquez une date valide (jj/mm/aaaa)."))],
    )
    route = SelectField(
        _l("Voie de sortie"),
        choices=[SelectChoice(r.value, label) for r, label in RETIRED_ROUTE_LABELS.items()],
    )
    reen_category = SelectField(
        _l("Catégorie REEN"),
        choices=[SelectChoice(c.value, label) for c, label in REEN_CATEGORY_LABELS.items()],
    )
    units = IntegerField(
        _l("Unités"),
        validators=[
            InputRequired(WHOLE),
            NumberRange(min=1, max=1_000_000, message=_l("Au moins une unité.")),
        ],
    )
    receiver = StringField(
        _l("Destinataire"),
        validators=[InputRequired(_l("Indiquez le destinataire.")), Length(max=200)],
    )
    reuse_committed = BooleanField(_l("Le destinataire s'est engagé à réemployer ce matériel"))
    in_scope = BooleanField(
        _l(
            "Ce matériel a moins de dix ans à la réforme et ne contient ni information "
            "classifiée ni information soumise à une obligation de sécurité propre aux "
            "personnes publiques"
        )
    )
    proof = FileField(
        _l("Justificatif (engagement du destinataire, acte de cession ; PDF ou image)")
    )
