"""The base form and the typed fields of every nrhub form: bad input is a French message
next to its field, never a value the database or Python would choke on further on.

Every form derives from :class:`Form` (or :class:`SubForm` inside a ``FormField``):

- no field accepts a NUL character (U+0000), file names included;
- a one-line field (anything but a text area or a password) accepts no line break, so a
  name, a reference or a hidden value cannot carry CR/LF into a mail header, a CSV cell or
  a log line.

Numbers, dates and amounts use the fields below instead of WTForms' own, which read
"٣" or "３" as 3 (Python's ``int()`` does), take integers of any size and dates of year
1 or 9999: ASCII digits, the database's integer range, days between 2000 and 2100,
amounts with at most two decimals, as the API requires (:mod:`nrhub.api.schemas`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import wtforms
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms.fields import (
    FieldList,
    FileField,
    FormField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from nrhub.formatting import current_language, format_money, format_number
from nrhub.validation import (
    MAX_ID,
    NUL,
    NumberOutOfRange,
    database_int,
    date_in_range,
    decimal_places,
    parse_decimal_text,
)

NUL_MESSAGE = _l("Le caractère nul (U+0000) n'est pas autorisé.")
LINE_BREAK_MESSAGE = _l("Ce champ tient sur une ligne : retirez les retours à la ligne.")
DATE_RANGE_MESSAGE = _l("La date doit être comprise entre le 01/01/2000 et le 31/12/2100.")
WHOLE_NUMBER_MESSAGE = _l("Indiquez un nombre entier, en chiffres de 0 à 9.")
MAX_MONEY = Decimal("999999999.99")  # the API's amounts: nine digits and the cents


def _one_line(field: wtforms.Field) -> bool:
    return not isinstance(field, TextAreaField | PasswordField | FileField)


def refuse_control_characters(form: Any, field: wtforms.Field) -> None:
    """First validator of every field (see :class:`Form`)."""
    for value in field.raw_data or ():
        text = value.filename if isinstance(value, FileStorage) else value
        if not isinstance(text, str):
            continue
        if NUL in text:
            raise StopValidation(NUL_MESSAGE)
        if ("\r" in text or "\n" in text) and _one_line(field):
            raise StopValidation(LINE_BREAK_MESSAGE)


class InputRules:
    """Put :func:`refuse_control_characters` first in each field's chain, before any
    other validator (and any ``validate_<field>`` method) reads the value."""

    _fields: dict[str, wtforms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self._fields.values():
            if not isinstance(field, FormField | FieldList):
                field.validators = [refuse_control_characters, *field.validators]


class Form(InputRules, FlaskForm):
    """The base of every nrhub form."""


class SubForm(InputRules, wtforms.Form):
    """The base of a form enclosed in a ``FormField`` (no CSRF token of its own)."""


# --- fields -----------------------------------------------------------------------------


class IntegerField(wtforms.IntegerField):
    """A whole number in ASCII digits that fits the database's integer columns."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = None
        try:
            self.data = database_int(valuelist[0])
        except NumberOutOfRange as err:
            raise ValueError(
                _(
                    "Nombre trop grand : %(maximum)s au plus.",
                    maximum=format_number(MAX_ID, locale=current_language()),
                )
            ) from err
        except ValueError as err:
            raise ValueError(self.invalid_value_message or WHOLE_NUMBER_MESSAGE) from err


class _DayRange:
    """Dates typed in ASCII digits, between 2000 and 2100."""

    data: Any
    invalid_value_message: Any
    gettext: Any
    _invalid = "Not a valid date value."

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and not all(isinstance(v, str) and v.isascii() for v in valuelist):
            self.data = None
            raise ValueError(self.invalid_value_message or self.gettext(self._invalid))
        # A mixin: the WTForms date field after it in the MRO has process_formdata.
        super().process_formdata(valuelist)  # type: ignore[misc]
        if self.data is not None and not date_in_range(self.data):
            self.data = None
            raise ValueError(DATE_RANGE_MESSAGE)


class DateField(_DayRange, wtforms.DateField):
    """A day between 01/01/2000 and 31/12/2100."""


class DateTimeLocalField(_DayRange, wtforms.DateTimeLocalField):
    """A date and time between 01/01/2000 and 31/12/2100 (23:59)."""

    _invalid = "Not a valid datetime value."


class DecimalField(StringField):
    """A number typed the French way (``1 234,50``, a point is accepted), ASCII digits,
    at most ``places`` decimals, between ``minimum`` and ``maximum`` when given. ``data``
    is a ``Decimal`` (None when empty or invalid); an empty field is left to
    ``InputRequired``/``Optional``."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        places: int = 2,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
        invalid_message: Any = None,
        **kwargs: Any,
    ) -> None:
        kwargs["render_kw"] = {"inputmode": "decimal", **(kwargs.get("render_kw") or {})}
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.minimum = minimum
        self.maximum = maximum
        self.invalid_message = invalid_message

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, Decimal):
            return format(self.data, "f").replace(".", ",")
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = None
        text = valuelist[0] if isinstance(valuelist[0], str) else ""
        if not text.strip():
            return
        try:
            value = parse_decimal_text(text)
        except ValueError as err:
            raise ValueError(self.invalid_message or self._invalid_text()) from err
        if decimal_places(value) > self.places:
            raise ValueError(self._places_text())
        if self.minimum is not None and value < self.minimum:
            raise ValueError(self._minimum_text())
        if self.maximum is not None and value > self.maximum:
            raise ValueError(self._maximum_text())
        self.data = value

    def _invalid_text(self) -> str:
        return _("Nombre invalide (exemple : 1 234,50), en chiffres de 0 à 9.")

    def _places_text(self) -> str:
        return ngettext(
            "Au plus %(num)d chiffre après la virgule.",
            "Au plus %(num)d chiffres après la virgule.",
            self.places,
        )

    def _minimum_text(self) -> str:
        if self.minimum == 0:
            return _("Le nombre ne peut pas être négatif.")
        return _("Au moins %(minimum)s.", minimum=self._shown(self.minimum))

    def _maximum_text(self) -> str:
        return _("Au plus %(maximum)s.", maximum=self._shown(self.maximum))

    def _shown(self, value: Decimal | None) -> str:
        return format_number(value, decimal_places(value or Decimal(0)), current_language())


class MoneyField(DecimalField):
    """An amount in euros: at least 0, at most 999 999 999,99 €, cents at most."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        maximum: Decimal = MAX_MONEY,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, places=2, minimum=Decimal(0), maximum=maximum, **kwargs)

    def _invalid_text(self) -> str:
        return _("Montant invalide (exemple : 1 234,50), en chiffres de 0 à 9.")

    def _places_text(self) -> str:
        return _("Un montant a au plus 2 décimales (les centimes).")

    def _minimum_text(self) -> str:
        return _("Le montant ne peut pas être négatif.")

    def _maximum_text(self) -> str:
        return _(
            "Le montant ne peut pas dépasser %(maximum)s.",
            maximum=format_money(self.maximum, current_language()),
        )


class MultiCheckboxField(wtforms.SelectMultipleField):
    """Several choices, one checkbox each."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def attach_domain_error(form: Any, err: Exception) -> None:
    """Show a service's refusal next to the field it names, else at the top of the form."""
    name = getattr(err, "field", None)
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(err)]
    else:
        form.form_errors.append(str(err))
