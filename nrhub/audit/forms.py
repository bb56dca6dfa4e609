"""Filter of the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import NumberRange, Optional

from nrhub.forms import Form, IntegerField


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    organisation = SelectField(_l("Organisation"), choices=[], default="")
    action = SelectField(_l("Action"), choices=[], default="")
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=100000)])
