"""Forms of the invoicing area: the invoice, the credit note, the buyer's commitment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from nrhub.commitments.services import CommitmentData
from nrhub.forms import DateField, Form, IntegerField


class InvoiceForm(Form):
    number = StringField(
        _l("Numéro de facture"),
        validators=[InputRequired(_l("Indiquez le numéro de la facture.")), Length(max=40)],
    )
    issued_on = DateField(
        _l("Date de facture"),
        validators=[InputRequired(_l("Indiquez une date valide (jj/mm/aaaa)."))],
    )


class CreditNoteForm(InvoiceForm):
    reason = TextAreaField(
        _l("Motif (unités refusées)"),
        validators=[InputRequired(_l("Indiquez le motif de l'avoir.")), Length(max=2000)],
    )


def credit_note_form(line_ids: list[int], formdata: object = ...) -> CreditNoteForm:
    """The credit note form with one quantity field per invoice line (``line_<id>``)."""

    class _Form(CreditNoteForm):
        pass

    for line_id in line_ids:
        setattr(
            _Form,
            f"line_{line_id}",
            IntegerField(
                _l("Unités à créditer"),
                default=0,
                validators=[Optional()],
            ),
        )
    if formdata is ...:
        return _Form()
    return _Form(formdata=formdata)


class CommitmentForm(Form):
    engagement_number = StringField(
        _l("Numéro d'engagement juridique"),
        validators=[InputRequired(_l("Indiquez le numéro d'engagement.")), Length(max=50)],
    )
    budget_chapter = StringField(
        _l("Chapitre budgétaire"),
        validators=[InputRequired(_l("Indiquez le chapitre, par exemple 21.")), Length(max=10)],
    )
    budget_nature = StringField(
        _l("Nature (compte M57)"),
        validators=[InputRequired(_l("Indiquez la nature, par exemple 2183.")), Length(max=10)],
    )
    service_code = StringField(
        _l("Code service Chorus Pro (facultatif)"), validators=[Optional(), Length(max=100)]
    )
    delivery_address = TextAreaField(
        _l("Adresse de livraison"),
        validators=[InputRequired(_l("Indiquez l'adresse de livraison.")), Length(max=500)],
    )

    def data_(self) -> CommitmentData:
        return CommitmentData(
            self.engagement_number.data or "",
            self.budget_nature.data or "",
            self.budget_chapter.data or "",
            self.service_code.data or None,
            self.delivery_address.data or "",
        )
