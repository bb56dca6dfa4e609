"""Form of the clause library."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from nrhub.clauses.labels import FORM_LABELS, KIND_LABELS, STRENGTH_LABELS, THEME_LABELS
from nrhub.clauses.models import ClauseForm, ClauseKind, ClauseStrength, ClauseTheme
from nrhub.clauses.services import ClauseData
from nrhub.forms import Form


def _choices(labels: Mapping[Any, Any]) -> list[SelectChoice]:
    return [SelectChoice(str(key), label) for key, label in labels.items()]


class ClauseEditForm(Form):
    title = StringField(
        _l("Titre"),
        validators=[DataRequired(_l("Indiquez un titre.")), Length(max=200)],
    )
    text = TextAreaField(
        _l("Texte de la clause"),
        validators=[DataRequired(_l("Indiquez le texte de la clause.")), Length(max=20000)],
        render_kw={"rows": 8},
    )
    kind = SelectField(_l("Nature"), choices=_choices(KIND_LABELS))
    clause_form = SelectField(_l("Forme"), choices=_choices(FORM_LABELS))
    strength = SelectField(_l("Portée"), choices=_choices(STRENGTH_LABELS))
    theme = SelectField(_l("Thème"), choices=_choices(THEME_LABELS))
    source = TextAreaField(
        _l("Source"), validators=[Optional(), Length(max=4000)], render_kw={"rows": 3}
    )
    # The state of the clause the edit started from (compare-and-set on saving).
    version = HiddenField(validators=[Optional(), Length(max=64)])

    def data_object(self) -> ClauseData:
        return ClauseData(
            title=self.title.data or "",
            text=self.text.data or "",
            kind=ClauseKind(self.kind.data),
            form=ClauseForm(self.clause_form.data),
            strength=ClauseStrength(self.strength.data),
            theme=ClauseTheme(self.theme.data),
            source=self.source.data or "",
        )
