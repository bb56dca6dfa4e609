"""Filter of the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    organisation = SelectField(_l("Organisation"), choices=[], default="")
    action = SelectField(_l("Action"), choices=[], default="")
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=100000)])
