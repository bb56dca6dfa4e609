"""Forms of the ledger area: a declared purchase, an import, a legal target."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from stdnum.fr import siret as stdnum_siret
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as FieldError

from nrhub.catalog.models import LEGAL_CATEGORIES
from nrhub.forms import DateField, DecimalField, Form, IntegerField, MoneyField
from nrhub.ledger.models import TargetKind
from nrhub.ledger.reference import donation_grid
from nrhub.ledger.services import (
    ENVIRONMENTAL_VALUES,
    SOCIAL_VALUES,
    ContractRef,
    SpendInput,
    SpendNature,
    TargetInput,
)
from nrhub.validation import database_int

NATURE_LABELS = {
    SpendNature.NEW: _l("Achat de matériel neuf"),
    SpendNature.REUSE: _l("Achat issu du réemploi ou de la réutilisation"),
    SpendNature.DONATION: _l("Don reçu (valorisé par la grille forfaitaire)"),
}

TARGET_KIND_LABELS = {
    TargetKind.SPEND_SHARE: _l("Part de la dépense annuelle (AGEC art. 58)"),
    TargetKind.RETIRED_REUSE: _l("Équipements réformés orientés vers le réemploi (REEN)"),
}


class SpendForm(Form):
    spent_on = DateField(
        _l("Date de la dépense"),
        format=["%Y-%m-%d", "%d/%m/%Y"],
        validators=[InputRequired(_l("Indiquez une date valide (jj/mm/aaaa)."))],
    )
    category_id = SelectField(_l("Catégorie"), coerce=database_int, validators=[InputRequired()])
    quantity = IntegerField(
        _l("Quantité"),
        validators=[
            InputRequired(_l("Indiquez un nombre entier.")),
            NumberRange(min=1, max=1_000_000, message=_l("La quantité doit être positive.")),
        ],
    )
    nature = RadioField(
        _l("Nature de l'acquisition"),
        choices=[SelectChoice(n.value, label) for n, label in NATURE_LABELS.items()],
        default=SpendNature.NEW.value,
        validators=[InputRequired()],
    )
    # No Optional(): it would stop the chain before validate_amount (required unless a gift).
    amount = MoneyField(
        _l("Montant HT (€)"), invalid_message=_l("Nombre invalide (exemple : 1 234,50).")
    )
    donation_age_bracket = SelectField(_l("Âge du matériel donné"), default="")
    supplier_name = StringField(
        _l("Fournisseur ou donateur"), validators=[Optional(), Length(max=200)]
    )
    supplier_siret = StringField(
        _l("SIRET du fournisseur (si connu)"), validators=[Optional(), Length(max=20)]
    )
    has_recycled_materials = BooleanField(_l("Le matériel intègre des matières recyclées"))
    social_consideration = SelectField(
        _l("Considérations sociales du marché"),
        choices=[SelectChoice(v, v) for v in SOCIAL_VALUES],
        default=SOCIAL_VALUES[-1],
    )
    environmental_consideration = SelectField(
        _l("Considérations environnementales du marché"),
        choices=[SelectChoice(v, v) for v in ENVIRONMENTAL_VALUES],
        default=ENVIRONMENTAL_VALUES[-1],
    )
    contract_reference = StringField(
        _l("Référence du marché (facultatif)"), validators=[Optional(), Length(max=60)]
    )
    contract_title = StringField(_l("Intitulé du marché"), validators=[Optional(), Length(max=200)])
    contract_date = DateField(
        _l("Date de notification du marché"),
        format=["%Y-%m-%d", "%d/%m/%Y"],
        validators=[Optional()],
    )
    clause_ids = SelectMultipleField(
        _l("Clauses du clausier présentes dans le marché"),
        coerce=database_int,
        validators=[Optional()],
    )
    comment = TextAreaField(_l("Commentaire"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, categories: Any = (), clauses: Any = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [SelectChoice(c.id, c.label_fr) for c in categories]
        self.clause_ids.choices = [SelectChoice(c.id, c.title) for c in clauses]
        self.donation_age_bracket.choices = [SelectChoice("", _l("— (achat)"))] + [
            SelectChoice(b.code, b.label_fr) for b in donation_grid().brackets
        ]

    def validate_amount(self, field: Any) -> None:
        if field.raw_data and field.raw_data[0].strip():
            return  # typed: read (or refused) by the field itself
        if self.nature.data != SpendNature.DONATION:
            raise FieldError(_l("Indiquez le montant HT."))

    def validate_donation_age_bracket(self, field: Any) -> None:
        if self.nature.data == SpendNature.DONATION and not field.data:
            raise FieldError(_l("Indiquez l'âge du matériel donné."))

    def validate_supplier_siret(self, field: Any) -> None:
        value = (field.data or "").replace(" ", "")
        if value and not stdnum_siret.is_valid(value):
            raise FieldError(_l("SIRET invalide (14 chiffres, clé de contrôle)."))

    def to_input(self) -> SpendInput:
        nature = SpendNature(self.nature.data)
        return SpendInput(
            spent_on=self.spent_on.data,
            category_id=self.category_id.data,
            quantity=self.quantity.data or 0,
            amount=None if nature == SpendNature.DONATION else self.amount.data,
            supplier_name=(self.supplier_name.data or "").strip(),
            nature=nature,
            supplier_siret=(self.supplier_siret.data or "").replace(" ", "") or None,
            has_recycled_materials=bool(self.has_recycled_materials.data),
            donation_age_bracket=(
                self.donation_age_bracket.data if nature == SpendNature.DONATION else None
            ),
            social_consideration=self.social_consideration.data,
            environmental_consideration=self.environmental_consideration.data,
            clause_ids=tuple(self.clause_ids.data or ()),
            comment=self.comment.data,
            contract=self._contract(),
        )

    def _contract(self) -> ContractRef | None:
        reference = (self.contract_reference.data or "").strip()
        if not reference:
            return None
        return ContractRef(
            reference=reference,
            title=(self.contract_title.data or "").strip(),
            signed_on=self.contract_date.data,
        )

    def fill_from(self, entry: Any) -> None:
        """Pre-fill from a ledger row (GET of the edit page)."""
        self.spent_on.data = entry.spent_on
        self.category_id.data = entry.category_id
        self.quantity.data = entry.quantity
        if entry.origin == "donation":
            self.nature.data = SpendNature.DONATION.value
        else:
            self.nature.data = (SpendNature.REUSE if entry.is_reuse else SpendNature.NEW).value
        self.amount.data = entry.amount
        self.donation_age_bracket.data = entry.donation_age_bracket or ""
        self.supplier_name.data = entry.supplier_name
        self.supplier_siret.data = entry.supplier_siret or ""
        self.has_recycled_materials.data = entry.has_recycled_materials
        self.social_consideration.data = entry.social_consideration
        self.environmental_consideration.data = entry.environmental_consideration
        self.clause_ids.data = [c.id for c in entry.clauses]
        self.comment.data = entry.comment or ""
        self.contract_reference.data = entry.contract_reference or ""
        self.contract_title.data = entry.contract_title or ""
        self.contract_date.data = entry.contract_date


class ImportForm(Form):
    file = FileField(
        _l("Fichier CSV ou XLSX"), validators=[FileRequired(_l("Choisissez un fichier."))]
    )


class ApplyImportForm(Form):
    payload = StringField(validators=[DataRequired()])


class TargetForm(Form):
    kind = SelectField(
        _l("Type d'objectif"),
        choices=[SelectChoice(k.value, label) for k, label in TARGET_KIND_LABELS.items()],
    )
    legal_category = SelectField(
        _l("Catégorie légale de produits"),
        choices=[SelectChoice(c, c) for c in LEGAL_CATEGORIES],
        default="Matériel informatique et téléphonie",
    )
    first_year = IntegerField(
        _l("À partir de l'année"),
        validators=[
            InputRequired(_l("Indiquez une année.")),
            NumberRange(min=2000, max=2100, message=_l("Année invalide.")),
        ],
    )
    # Two decimals of a percent: the rates are stored in basis points.
    reuse_percent = DecimalField(
        _l("Taux issu du réemploi ou de la réutilisation (%, facultatif)"),
        validators=[Optional()],
        places=2,
    )
    recycled_percent = DecimalField(
        _l("Taux de matières recyclées (%, facultatif)"), validators=[Optional()], places=2
    )
    source = TextAreaField(
        _l("Source légale"), validators=[InputRequired(_l("Indiquez la source."))]
    )
    to_verify = BooleanField(_l("Chiffre à vérifier (non confirmé dans le texte officiel)"))

    @staticmethod
    def _percent(field: Any) -> None:
        if field.data is not None and not Decimal(0) <= field.data <= Decimal(100):
            raise FieldError(_l("Un taux est compris entre 0 et 100 %."))

    def validate_reuse_percent(self, field: Any) -> None:
        self._percent(field)

    def validate_recycled_percent(self, field: Any) -> None:
        self._percent(field)

    def to_input(self) -> TargetInput:
        return TargetInput(
            kind=TargetKind(self.kind.data),
            legal_category=self.legal_category.data,
            first_year=self.first_year.data or 0,
            reuse_percent=self.reuse_percent.data,
            recycled_percent=self.recycled_percent.data,
            source=self.source.data or "",
            to_verify=bool(self.to_verify.data),
        )

    def fill_from(self, target: Any) -> None:
        self.kind.data = target.kind
        self.legal_category.data = target.legal_category
        self.first_year.data = target.first_year
        reuse, recycled = target.reuse_percent, target.recycled_percent
        self.reuse_percent.data = None if reuse is None else reuse.normalize()
        self.recycled_percent.data = None if recycled is None else recycled.normalize()
        self.source.data = target.source
        self.to_verify.data = target.to_verify
