"""Forms of the organisations area: sign-up, profile, invitations, coordinator decisions."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siret as stdnum_siret
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from nrhub.auth.forms import new_password_fields
from nrhub.forms import DateField, Form, IntegerField
from nrhub.organisations import geo
from nrhub.organisations.models import BuyerType, InsertionType, LegalForm, OrgKind, OrgStatus

KIND_LABELS = {
    OrgKind.REFURBISHER: _l("Reconditionneur de l'économie sociale et solidaire"),
    OrgKind.BUYER: _l("Collectivité ou organisme public acheteur"),
    OrgKind.HUB: _l("Centrale d'achat"),
}
STATUS_LABELS = {
    OrgStatus.PENDING: _l("En attente de validation"),
    OrgStatus.ACTIVE: _l("Active"),
    OrgStatus.SUSPENDED: _l("Suspendue"),
    OrgStatus.REJECTED: _l("Refusée"),
}
LEGAL_FORM_LABELS = {
    LegalForm.ASSOCIATION: _l("Association"),
    LegalForm.SCIC: _l("SCIC (société coopérative d'intérêt collectif)"),
    LegalForm.SCOP: _l("SCOP (société coopérative et participative)"),
    LegalForm.COOPERATIVE: _l("Autre coopérative"),
    LegalForm.ESS_COMPANY: _l("Société commerciale de l'ESS"),
    LegalForm.FOUNDATION: _l("Fondation"),
    LegalForm.MUTUAL: _l("Mutuelle"),
    LegalForm.OTHER: _l("Autre"),
}
INSERTION_LABELS = {
    InsertionType.NONE: _l("Aucune"),
    InsertionType.EI: _l("EI (entreprise d'insertion)"),
    InsertionType.ETTI: _l("ETTI (entreprise de travail temporaire d'insertion)"),
    InsertionType.AI: _l("AI (association intermédiaire)"),
    InsertionType.ACI: _l("ACI (atelier et chantier d'insertion)"),
    InsertionType.EA: _l("EA (entreprise adaptée)"),
    InsertionType.ESAT: _l("ESAT (établissement et service d'aide par le travail)"),
}
BUYER_TYPE_LABELS = {
    BuyerType.COMMUNE: _l("Commune"),
    BuyerType.EPCI: _l("EPCI (intercommunalité)"),
    BuyerType.DEPARTEMENT: _l("Département"),
    BuyerType.REGION: _l("Région"),
    BuyerType.CCAS: _l("CCAS / CIAS"),
    BuyerType.OTHER: _l("Autre organisme public"),
}
# Buyers whose population is meaningful and asked for.
BUYERS_WITH_POPULATION = {
    BuyerType.COMMUNE,
    BuyerType.EPCI,
    BuyerType.DEPARTEMENT,
    BuyerType.REGION,
}


def _choices(labels: dict[Any, Any], empty: Any = None) -> list[SelectChoice]:
    choices = [SelectChoice(str(key), label) for key, label in labels.items()]
    return [SelectChoice("", empty), *choices] if empty is not None else choices


def department_choices() -> list[SelectChoice]:
    return [SelectChoice("", str(_l("Déduit du code postal")))] + [
        SelectChoice(code, f"{code} — {name}") for code, (name, _region) in geo.DEPARTMENTS.items()
    ]


def validate_siret(form: Form, field: Any) -> None:
    """14 digits with a valid check digit (Luhn, or La Poste's own rule)."""
    value = "".join((field.data or "").split())
    try:
        field.data = stdnum_siret.validate(value)
    except StdnumValidationError as err:
        raise ValidationError(
            _l(
                "Le SIRET doit comporter 14 chiffres et être valide "
                "(vérifiez-le sur l'avis de situation Insee)."
            )
        ) from err


class AddressFields(Form):
    """Address with a postcode checked against its department (2A/2B included)."""

    address = StringField(
        _l("Adresse"), validators=[DataRequired(_l("Indiquez l'adresse.")), Length(max=300)]
    )
    postcode = StringField(
        _l("Code postal"),
        validators=[DataRequired(_l("Indiquez le code postal.")), Length(max=5)],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )
    city = StringField(
        _l("Commune"), validators=[DataRequired(_l("Indiquez la commune.")), Length(max=120)]
    )
    department = SelectField(_l("Département"), choices=department_choices, default="")
    contact_email = EmailField(
        _l("E-mail de contact de l'organisation"),
        validators=[
            DataRequired(_l("Indiquez l'e-mail de contact.")),
            Email(_l("Adresse e-mail invalide.")),
            Length(max=254),
        ],
    )

    def validate_postcode(self, field: Any) -> None:
        field.data = (field.data or "").strip()
        if not geo.is_valid_postcode(field.data):
            raise ValidationError(
                _l("Code postal invalide : 5 chiffres d'un département français.")
            )

    def validate_department(self, field: Any) -> None:
        if not field.data or not geo.is_valid_postcode(self.postcode.data or ""):
            return
        if field.data not in geo.departments_of_postcode(self.postcode.data):
            raise ValidationError(_l("Le département ne correspond pas au code postal."))

    def department_code(self) -> str:
        """The chosen department, else the one the postcode belongs to."""
        return self.department.data or geo.department_from_postcode(self.postcode.data) or ""


class EssFields(Form):
    legal_form = SelectField(
        _l("Forme juridique"),
        choices=_choices(LEGAL_FORM_LABELS, _l("Choisissez…")),
        default="",
    )
    esus_agreement = BooleanField(_l("Agrément ESUS (entreprise solidaire d'utilité sociale)"))
    esus_expires_on = DateField(_l("Fin de validité de l'agrément ESUS"), validators=[Optional()])
    insertion_type = SelectField(
        _l("Structure d'insertion ou adaptée"),
        choices=_choices(INSERTION_LABELS),
        default=str(InsertionType.NONE),
    )


class BuyerFields(Form):
    buyer_type = SelectField(
        _l("Type d'acheteur"), choices=_choices(BUYER_TYPE_LABELS, _l("Choisissez…")), default=""
    )
    population = IntegerField(
        _l("Population"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100_000_000, message=_l("Population invalide.")),
        ],
    )


def _check_kind_fields(form: Any, kind: str) -> bool:
    ok = True
    if kind == OrgKind.REFURBISHER:
        if not form.legal_form.data:
            form.legal_form.errors.append(_l("Indiquez la forme juridique."))
            ok = False
        if form.esus_agreement.data and not form.esus_expires_on.data:
            form.esus_expires_on.errors.append(
                _l("Indiquez la date de fin de validité de l'agrément.")
            )
            ok = False
    elif kind == OrgKind.BUYER:
        if not form.buyer_type.data:
            form.buyer_type.errors.append(_l("Indiquez le type d'acheteur."))
            ok = False
        elif form.buyer_type.data in BUYERS_WITH_POPULATION and form.population.data is None:
            form.population.errors.append(_l("Indiquez la population."))
            ok = False
    return ok


class SignupForm(AddressFields, EssFields, BuyerFields):
    kind = RadioField(
        _l("Votre organisation est"),
        choices=[
            SelectChoice(str(OrgKind.BUYER), KIND_LABELS[OrgKind.BUYER]),
            SelectChoice(str(OrgKind.REFURBISHER), KIND_LABELS[OrgKind.REFURBISHER]),
        ],
        validators=[InputRequired(_l("Choisissez le type d'organisation."))],
    )
    name = StringField(
        _l("Nom de l'organisation"),
        validators=[DataRequired(_l("Indiquez le nom de l'organisation.")), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    siret = StringField(
        _l("SIRET"),
        validators=[DataRequired(_l("Indiquez le SIRET.")), validate_siret],
        render_kw={"inputmode": "numeric"},
    )
    person_name = StringField(
        _l("Vos prénom et nom"),
        validators=[DataRequired(_l("Indiquez vos prénom et nom.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Votre adresse e-mail"),
        validators=[
            DataRequired(_l("Indiquez votre adresse e-mail.")),
            Email(_l("Adresse e-mail invalide.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "username"},
    )
    password, password_confirm = new_password_fields()

    def validate(self, extra_validators: Any = None) -> bool:
        ok: bool = super().validate(extra_validators)
        if self.kind.data in (OrgKind.REFURBISHER, OrgKind.BUYER):
            ok = _check_kind_fields(self, self.kind.data) and ok
        return ok


class ProfileFormBase(AddressFields):
    website = StringField(
        _l("Site web"),
        validators=[Optional(), URL(message=_l("Adresse web invalide.")), Length(max=300)],
    )
    description = TextAreaField(_l("Présentation"), validators=[Optional(), Length(max=4000)])


class RefurbisherProfileForm(ProfileFormBase, EssFields):
    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return _check_kind_fields(self, OrgKind.REFURBISHER) and ok


class BuyerProfileForm(ProfileFormBase, BuyerFields):
    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return _check_kind_fields(self, OrgKind.BUYER) and ok


def profile_form_for(kind: str, **kwargs: Any) -> ProfileFormBase:
    if kind == OrgKind.REFURBISHER:
        return RefurbisherProfileForm(**kwargs)
    if kind == OrgKind.BUYER:
        return BuyerProfileForm(**kwargs)
    return ProfileFormBase(**kwargs)


class InviteForm(Form):
    email = EmailField(
        _l("Adresse e-mail de la personne à inviter"),
        validators=[
            DataRequired(_l("Indiquez une adresse e-mail.")),
            Email(_l("Adresse e-mail invalide.")),
            Length(max=254),
        ],
    )


class AcceptInvitationForm(Form):
    name = StringField(
        _l("Vos prénom et nom"),
        validators=[DataRequired(_l("Indiquez vos prénom et nom.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    password, password_confirm = new_password_fields()


class ReasonForm(Form):
    reason = TextAreaField(
        _l("Motif (communiqué à l'organisation)"),
        validators=[DataRequired(_l("Indiquez le motif.")), Length(max=2000)],
    )


class OrganisationFilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Statut"), choices=_choices(STATUS_LABELS, _l("Tous")), default="", validate_choice=True
    )
    kind = SelectField(
        _l("Type"), choices=_choices(KIND_LABELS, _l("Tous")), default="", validate_choice=True
    )
