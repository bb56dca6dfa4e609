"""Forms of the legal frame (shapes and ranges only; the rules live in the services)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from nrhub import uploads
from nrhub.agreements.frameworks import FrameworkData, LotData
from nrhub.agreements.memberships import MembershipData
from nrhub.agreements.models import Ccag, Procedure
from nrhub.forms import DateField, Form, IntegerField, MoneyField, MultiCheckboxField
from nrhub.validation import database_int


class MembershipForm(Form):
    text_version = StringField(
        _l("Version du texte de la convention"),
        validators=[DataRequired(_l("Indiquez la version du texte.")), Length(max=40)],
    )
    signed_on = DateField(
        _l("Date de signature"), validators=[InputRequired(_l("Indiquez la date de signature."))]
    )
    signatory_name = StringField(
        _l("Nom du signataire"),
        validators=[DataRequired(_l("Indiquez le nom du signataire.")), Length(max=200)],
    )
    signatory_role = StringField(
        _l("Qualité du signataire"),
        validators=[DataRequired(_l("Indiquez la qualité du signataire.")), Length(max=200)],
    )
    deliberation_reference = StringField(
        _l("Référence de la délibération"), validators=[Optional(), Length(max=200)]
    )
    ends_on = DateField(_l("Fin de la convention (facultative)"), validators=[Optional()])
    document = FileField(_l("Copie signée (PDF, 10 Mo au plus)"))
    version = HiddenField(validators=[Optional(), Length(max=64)])

    def data_object(self) -> MembershipData:
        assert self.signed_on.data is not None
        return MembershipData(
            text_version=self.text_version.data or "",
            signed_on=self.signed_on.data,
            signatory_name=self.signatory_name.data or "",
            signatory_role=self.signatory_role.data or "",
            deliberation_reference=self.deliberation_reference.data or "",
            ends_on=self.ends_on.data,
        )

    def document_bytes(self) -> bytes | None:
        """The uploaded copy, read at most one byte past the limit (None: no file)."""
        upload: Any = self.document.data
        if not upload or not getattr(upload, "filename", ""):
            return None
        try:
            return bytes(upload.read(uploads.MAX_PDF_BYTES + 1))
        finally:
            upload.close()


class FrameworkForm(Form):
    title = StringField(
        _l("Intitulé"), validators=[DataRequired(_l("Indiquez l'intitulé.")), Length(max=200)]
    )
    reference = StringField(
        _l("Référence (12 caractères au plus)"),
        validators=[DataRequired(_l("Indiquez la référence.")), Length(max=12)],
    )
    procedure = SelectField(
        _l("Procédure"), choices=[SelectChoice(p.value, p.value) for p in Procedure]
    )
    awarded_on = DateField(
        _l("Date d'attribution"),
        validators=[InputRequired(_l("Indiquez la date d'attribution."))],
    )
    duration_months = IntegerField(
        _l("Durée (mois)"),
        validators=[
            InputRequired(_l("Indiquez la durée en mois.")),
            NumberRange(min=1, max=120, message=_l("De 1 à 120 mois.")),
        ],
    )
    maximum_amount = MoneyField(
        _l("Montant maximum HT (€)"),
        validators=[InputRequired(_l("Indiquez le montant maximum HT."))],
    )
    ccag = SelectField(
        _l("CCAG applicable"), choices=[SelectChoice(c.value, c.value) for c in Ccag]
    )
    version = HiddenField(validators=[Optional(), Length(max=64)])

    def data_object(self) -> FrameworkData:
        assert self.awarded_on.data is not None and self.maximum_amount.data is not None
        return FrameworkData(
            title=self.title.data or "",
            reference=self.reference.data or "",
            procedure=Procedure(self.procedure.data),
            awarded_on=self.awarded_on.data,
            duration_months=int(self.duration_months.data or 0),
            maximum_amount=self.maximum_amount.data,
            ccag=Ccag(self.ccag.data),
        )


class LotForm(Form):
    number = IntegerField(
        _l("Numéro du lot"),
        validators=[
            InputRequired(_l("Indiquez le numéro du lot.")),
            NumberRange(min=1, max=99, message=_l("De 1 à 99.")),
        ],
    )
    title = StringField(
        _l("Intitulé du lot"),
        validators=[DataRequired(_l("Indiquez l'intitulé du lot.")), Length(max=200)],
    )
    cpv_code = StringField(
        _l("Code CPV"),
        validators=[DataRequired(_l("Indiquez le code CPV.")), Length(max=10)],
    )
    maximum_amount = MoneyField(_l("Maximum propre du lot HT (€, facultatif)"))
    category_ids = MultiCheckboxField(_l("Catégories du catalogue"), coerce=database_int)

    def data_object(self) -> LotData:
        return LotData(
            number=int(self.number.data or 0),
            title=self.title.data or "",
            cpv_code=self.cpv_code.data or "",
            maximum_amount=self.maximum_amount.data,
            category_ids=tuple(self.category_ids.data or ()),
        )


class HolderForm(Form):
    refurbisher_id = SelectField(
        _l("Reconditionneur titulaire"),
        coerce=database_int,
        validators=[InputRequired(_l("Choisissez un reconditionneur."))],
    )
    reference = StringField(_l("Référence de son marché"), validators=[Optional(), Length(max=60)])
