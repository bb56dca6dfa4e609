"""The shared input rules (nrhub.validation) and form fields (nrhub.forms), without a
database: what each accepts and refuses, with its French message."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule
from wtforms import FieldList, FormField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from nrhub.forms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    Form,
    IntegerField,
    MoneyField,
    SubForm,
)
from nrhub.validation import (
    MAX_ID,
    DatabaseIntConverter,
    InputMultiDict,
    NumberOutOfRange,
    database_int,
    parse_decimal_text,
)

NON_ASCII_DIGITS = ["٣", "３", "²", "߃", "৩", "1٣"]


@pytest.fixture
def ctx():  # type: ignore[no-untyped-def]
    """A request context in French, as the forms are built in."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False)
    from flask_babel import Babel

    Babel(app, locale_selector=lambda: "fr")
    with app.test_request_context():
        yield


# --- nrhub.validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("42", 42), (" 7 ", 7), ("+3", 3), ("-5", -5), ("0000012", 12),
     (str(MAX_ID), MAX_ID), (str(-MAX_ID - 1), -MAX_ID - 1), (12, 12)],
)  # fmt: skip
def test_database_int_reads_ascii_whole_numbers(text, expected):
    assert database_int(text) == expected


@pytest.mark.parametrize(
    "text", [*NON_ASCII_DIGITS, "", " ", "1_000", "1.0", "1e3", "0x10", "un", None, True, 1.5]
)
def test_database_int_refuses_what_int_would_stretch(text):
    with pytest.raises(ValueError):
        database_int(text)


@pytest.mark.parametrize("text", [str(MAX_ID + 1), str(-MAX_ID - 2), "9" * 30, "9" * 5000])
def test_database_int_refuses_numbers_no_column_holds(text):
    with pytest.raises(NumberOutOfRange):
        database_int(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1 234,50", "1234.50"), ("1234.5", "1234.5"), ("12 €", "12"), ("1\xa0234,5", "1234.5"),
     ("1\u202f234", "1234"), ("-3,25", "-3.25"), ("0,001", "0.001")],
)  # fmt: skip
def test_parse_decimal_text_reads_french_numbers(text, expected):
    assert parse_decimal_text(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["١٢٣", "１２", "12,٥", "1e3", "NaN", "Infinity", "1,2,3", "", "€", "12 34,5,6"]
)
def test_parse_decimal_text_refuses_other_digits_and_notations(text):
    with pytest.raises(ValueError):
        parse_decimal_text(text)


def test_the_int_converter_matches_ascii_ids_up_to_the_integer_range():
    urls = Map([Rule("/c/<int:id>", endpoint="c")], converters={"int": DatabaseIntConverter})
    adapter = urls.bind("nrhub.test")
    assert adapter.match("/c/2147483647") == ("c", {"id": MAX_ID})
    for path in ("/c/2147483648", "/c/99999999999999999999", "/c/٣", "/c/３", "/c/-1"):
        with pytest.raises(NotFound):
            adapter.match(path)


def test_the_int_converter_keeps_a_smaller_bound_and_signed_rules():
    urls = Map(
        [Rule("/a/<int(max=10):n>", endpoint="a"), Rule("/s/<int(signed=True):n>", endpoint="s")],
        converters={"int": DatabaseIntConverter},
    )
    adapter = urls.bind("nrhub.test")
    assert adapter.match("/a/10") == ("a", {"n": 10})
    assert adapter.match("/s/-2147483648") == ("s", {"n": -MAX_ID - 1})
    for path in ("/a/11", "/s/-2147483649", "/s/2147483648"):
        with pytest.raises(NotFound):
            adapter.match(path)


def test_query_string_integers_give_the_default_beyond_the_database():
    args = InputMultiDict(
        [("annee", "2026"), ("big", "9" * 25), ("ar", "٣"), ("sup", "²"), ("ids", "1"),
         ("ids", "٣"), ("ids", "2")]
    )  # fmt: skip
    assert args.get("annee", type=int) == 2026
    assert args.get("big", type=int) is None
    assert args.get("ar", 7, type=int) == 7
    assert args.get("sup", 1, type=int) == 1
    assert args.getlist("ids", type=int) == [1, 2]
    assert args.get("ar") == "٣"  # untouched without type=int


# --- nrhub.forms: the base form ---------------------------------------------------------


class _Sample(Form):
    name = StringField(validators=[Optional()])
    secret = PasswordField(validators=[Optional()])
    note = TextAreaField(validators=[Optional()])
    token = HiddenField()


def _form(cls, **data):  # type: ignore[no-untyped-def]
    return cls(formdata=MultiDict(data), meta={"csrf": False})


@pytest.mark.parametrize("field", ["name", "secret", "note", "token"])
def test_no_field_accepts_a_nul_character(ctx, field):
    form = _form(_Sample, **{field: "Jean\x00Dupont"})
    assert not form.validate()
    assert form.errors == {field: ["Le caractère nul (U+0000) n'est pas autorisé."]}


@pytest.mark.parametrize("value", ["Jean\r\nBcc: x@y.fr", "Jean\nDupont", "Jean\rDupont"])
def test_one_line_fields_refuse_line_breaks(ctx, value):
    form = _form(_Sample, name=value, token=value)
    assert not form.validate()
    message = "Ce champ tient sur une ligne : retirez les retours à la ligne."
    assert form.errors == {"name": [message], "token": [message]}


def test_text_areas_and_passwords_keep_their_line_breaks(ctx):
    form = _form(_Sample, note="ligne 1\r\nligne 2", secret="mot\npasse")
    assert form.validate(), form.errors
    assert form.note.data == "ligne 1\r\nligne 2"


def test_the_check_runs_before_the_form_own_validators(ctx):
    seen = []

    class Checked(Form):
        code = StringField(validators=[InputRequired()])

        def validate_code(self, field):  # type: ignore[no-untyped-def]
            seen.append(field.data)

    assert not _form(Checked, code="A\x00").validate()
    assert seen == []
    assert _form(Checked, code="A").validate()
    assert seen == ["A"]


def test_file_names_with_a_nul_are_refused(ctx):
    from flask_wtf.file import FileField

    class Upload(Form):
        file = FileField()

    import io

    upload = FileStorage(io.BytesIO(b"x"), filename="photo\x00.png", name="file")
    form = Upload(formdata=MultiDict({"file": upload}), meta={"csrf": False})
    assert not form.validate()
    assert form.errors == {"file": ["Le caractère nul (U+0000) n'est pas autorisé."]}


def test_sub_forms_in_field_lists_apply_the_same_rules(ctx):
    class Row(SubForm):
        label = StringField()

    class Rows(Form):
        rows = FieldList(FormField(Row), min_entries=2)

    form = _form(Rows, **{"rows-0-label": "ok", "rows-1-label": "a\nb"})
    assert not form.validate()
    assert form.errors == {
        "rows": [{}, {"label": ["Ce champ tient sur une ligne : retirez les retours à la ligne."]}]
    }


# --- nrhub.forms: typed fields ----------------------------------------------------------


class _Typed(Form):
    quantity = IntegerField(validators=[Optional()])
    day = DateField(validators=[Optional()], format=["%Y-%m-%d", "%d/%m/%Y"])
    moment = DateTimeLocalField(validators=[Optional()], format="%Y-%m-%dT%H:%M")
    amount = MoneyField(validators=[Optional()])
    rate = DecimalField(validators=[Optional()], places=1, minimum=Decimal(0), maximum=Decimal(10))


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("quantity", "12", 12),
        ("quantity", str(MAX_ID), MAX_ID),
        ("day", "2000-01-01", dt.date(2000, 1, 1)),
        ("day", "31/12/2100", dt.date(2100, 12, 31)),
        ("moment", "2100-12-31T23:59", dt.datetime(2100, 12, 31, 23, 59)),
        ("moment", "2000-01-01T00:00", dt.datetime(2000, 1, 1)),
        ("amount", "1 234,50", Decimal("1234.50")),
        ("amount", "0", Decimal("0")),
        ("amount", "999999999.99", Decimal("999999999.99")),
        ("rate", "8,2", Decimal("8.2")),
    ],
)
def test_typed_fields_accept_their_values(ctx, field, text, expected):
    form = _form(_Typed, **{field: text})
    assert form.validate(), form.errors
    assert form[field].data == expected


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("quantity", "٣", "Indiquez un nombre entier, en chiffres de 0 à 9."),
        ("quantity", "３", "Indiquez un nombre entier, en chiffres de 0 à 9."),
        ("quantity", "1_000", "Indiquez un nombre entier, en chiffres de 0 à 9."),
        ("quantity", "2,5", "Indiquez un nombre entier, en chiffres de 0 à 9."),
        ("quantity", str(MAX_ID + 1), "Nombre trop grand : 2 147 483 647 au plus."),
        ("quantity", "9" * 5000, "Nombre trop grand : 2 147 483 647 au plus."),
        ("day", "1999-12-31", "La date doit être comprise entre le 01/01/2000 et le 31/12/2100."),
        ("day", "01/01/2101", "La date doit être comprise entre le 01/01/2000 et le 31/12/2100."),
        ("day", "0001-01-01", "La date doit être comprise entre le 01/01/2000 et le 31/12/2100."),
        ("day", "9999-12-31", "La date doit être comprise entre le 01/01/2000 et le 31/12/2100."),
        ("day", "٢٠٢٦-٠١-٠١", "N'est pas une date valide."),
        ("day", "２０２６-01-01", "N'est pas une date valide."),
        ("moment", "1999-12-31T23:59",
         "La date doit être comprise entre le 01/01/2000 et le 31/12/2100."),
        ("moment", "9999-12-31T23:59",
         "La date doit être comprise entre le 01/01/2000 et le 31/12/2100."),
        ("moment", "٢٠٢٦-01-01T10:00", "N'est pas une date/heure valide."),
        ("amount", "12,345", "Un montant a au plus 2 décimales (les centimes)."),
        ("amount", "0,001", "Un montant a au plus 2 décimales (les centimes)."),
        ("amount", "١٢,٥٠", "Montant invalide (exemple : 1 234,50), en chiffres de 0 à 9."),
        ("amount", "１２", "Montant invalide (exemple : 1 234,50), en chiffres de 0 à 9."),
        ("amount", "1e3", "Montant invalide (exemple : 1 234,50), en chiffres de 0 à 9."),
        ("amount", "1e999999", "Montant invalide (exemple : 1 234,50), en chiffres de 0 à 9."),
        ("amount", "NaN", "Montant invalide (exemple : 1 234,50), en chiffres de 0 à 9."),
        ("amount", "-1", "Le montant ne peut pas être négatif."),
        ("amount", "1000000000", "Le montant ne peut pas dépasser 999 999 999,99 €."),
        ("amount", "9" * 40, "Le montant ne peut pas dépasser 999 999 999,99 €."),
        ("rate", "8,25", "Au plus 1 chiffre après la virgule."),
        ("rate", "-1", "Le nombre ne peut pas être négatif."),
        ("rate", "10,5", "Au plus 10."),
    ],
)  # fmt: skip
def test_typed_fields_refuse_with_a_french_message(ctx, field, text, message):
    form = _form(_Typed, **{field: text})
    assert not form.validate()
    assert form.errors == {field: [message]}
    assert form[field].data is None
    assert text in form[field]()  # shown again as typed


def test_money_field_shows_a_stored_amount_with_a_decimal_comma(ctx):
    form = _Typed(data={"amount": Decimal("1234.50")}, meta={"csrf": False})
    assert 'value="1234,50"' in form.amount()
