"""Bad web input is a 4xx with a French message, never a 500, and writes nothing.

The rules (nrhub.validation for the request, nrhub.forms for the forms):
NUL characters anywhere (400), ids beyond the database's integer range (404), dates outside
2000-2100, digits other than ASCII, amounts with more than 2 decimals and line breaks in
one-line fields (a form error). Generic checks walk every form class, every URL rule and
every form of every page each role can open; exact checks follow, one per rule.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import wtforms
from flask import Flask, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, insert, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField

import nrhub
import nrhub.forms
from nrhub.campaigns.models import campaign_category
from nrhub.catalog.models import MaintenanceOffer
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from nrhub.organisations.models import Organisation
from nrhub.validation import MAX_ID
from tests import factories
from tests.catalog.conftest import multipart
from tests.security.conftest import World, client_for, fingerprint, png_bytes
from tests.security.html_forms import HtmlForm, Input, page_forms
from tests.security.test_idor import CASES, SHARED_IDS

NUL_PAGE = "caractère nul (U+0000)"
NUL_FIELD = "Le caractère nul (U+0000) n&#39;est pas autorisé."
LINE_BREAK = "Ce champ tient sur une ligne : retirez les retours à la ligne."
DATE_RANGE = "La date doit être comprise entre le 01/01/2000 et le 31/12/2100."
WHOLE_NUMBER = "Indiquez un nombre entier, en chiffres de 0 à 9."
CENTS = "Un montant a au plus 2 décimales (les centimes)."
ROLES = ("buyer1", "refurbisher_a", "coordinator")


def _french(text: str) -> str:
    return text.replace("'", "&#39;")


# --- URLs -------------------------------------------------------------------------------


def _ids(world: World, endpoint: str) -> dict[str, Any]:
    if endpoint in CASES:
        return CASES[endpoint].ids(world)
    if endpoint in SHARED_IDS:
        return SHARED_IDS[endpoint](world)
    return {}


def _url(app: Flask, rule: Any, world: World) -> str:
    """The rule's URL with the world's ids (1 or "x" where the world names none)."""
    values = _ids(world, rule.endpoint)
    for name, converter in rule._converters.items():
        values.setdefault(name, 1 if isinstance(converter, IntegerConverter) else "x")
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _url_with_ids(rule: Any, value: str) -> str:
    """The rule's path with every integer argument replaced by ``value`` as typed."""

    def replace(match: re.Match[str]) -> str:
        converter = rule._converters[match.group(2)]
        return value if isinstance(converter, IntegerConverter) else "x"

    return re.sub(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>", replace, rule.rule)


def _methods(rule: Any) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _int_rules(app: Flask) -> list[Any]:
    return [
        r
        for r in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in r._converters.values())
    ]


def _web_rules(app: Flask) -> list[Any]:
    return [r for r in app.url_map.iter_rules() if not r.rule.startswith(("/api/v1", "/static"))]


# --- every form class --------------------------------------------------------------------


def _form_classes() -> list[type]:
    for module in pkgutil.walk_packages(nrhub.__path__, "nrhub."):
        if module.name.rsplit(".", 1)[-1] in ("forms", "web", "views"):
            importlib.import_module(module.name)
    found: list[type] = []
    pending = [FlaskForm, wtforms.Form]
    while pending:
        for cls in pending.pop().__subclasses__():
            pending.append(cls)
            if (
                cls.__module__.startswith("nrhub.")
                and cls.__module__ != "nrhub.forms"  # the bases themselves
                and "<locals>" not in cls.__qualname__
            ):
                found.append(cls)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


FORBIDDEN_FIELDS = (
    wtforms.IntegerField,
    wtforms.DecimalField,
    wtforms.FloatField,
    wtforms.DateField,
    wtforms.DateTimeField,
    wtforms.DateTimeLocalField,
    wtforms.MonthField,
    wtforms.IntegerRangeField,
    wtforms.DecimalRangeField,
)


def test_every_form_uses_the_base_form_and_the_shared_fields():
    classes = _form_classes()
    assert len(classes) >= 40, [c.__qualname__ for c in classes]
    wrong_base = [c.__qualname__ for c in classes if not issubclass(c, nrhub.forms.InputRules)]
    assert not wrong_base, f"derive from nrhub.forms.Form (or SubForm): {wrong_base}"
    wrong_fields = []
    for cls in classes:
        for klass in cls.__mro__:
            for name, unbound in vars(klass).items():
                if not isinstance(unbound, UnboundField):
                    continue
                field_class = unbound.field_class
                if issubclass(field_class, FORBIDDEN_FIELDS) and (
                    field_class.__module__ != "nrhub.forms"
                ):
                    wrong_fields.append(f"{cls.__qualname__}.{name}: {field_class.__name__}")
                if unbound.kwargs.get("coerce") is int:
                    wrong_fields.append(f"{cls.__qualname__}.{name}: coerce=int")
    assert not wrong_fields, f"use nrhub.forms' fields / database_int: {wrong_fields}"


# Keyword arguments the forms' constructors require.
FORM_KWARGS: dict[str, dict[str, Any]] = {
    "CatalogueFilterForm": {
        "categories": [],
        "locations": [],
        "prices_visible": True,
        "can_sort_nearest": True,
    },
}


def _leaves(form: Any) -> list[Any]:
    fields = []
    for item in form:
        if isinstance(item, wtforms.FieldList):
            for entry in item.entries:
                fields += _leaves(entry.form) if isinstance(entry, wtforms.FormField) else [entry]
        elif isinstance(item, wtforms.FormField):
            fields += _leaves(item.form)
        elif item.type != "CSRFTokenField":
            fields.append(item)
    return fields


def _filled(cls: type, value_for: Any) -> Any:
    kwargs = FORM_KWARGS.get(cls.__name__, {})
    empty = cls(formdata=MultiDict(), meta={"csrf": False}, **kwargs)
    data = MultiDict()
    for leaf in _leaves(empty):
        value = value_for(leaf)
        if value is not None:
            data.add(leaf.name, value)
    form = cls(formdata=data, meta={"csrf": False}, **kwargs)
    for leaf in _leaves(form):
        if isinstance(leaf, wtforms.SelectFieldBase) and getattr(leaf, "choices", []) is None:
            leaf.choices = []  # set by the view
    return form


def _file_or_text(text: str) -> Any:
    def value_for(leaf: Any) -> Any:
        if isinstance(leaf, wtforms.FileField):
            return FileStorage(io.BytesIO(b"x"), filename=f"{text}.png", name=leaf.name)
        return text

    return value_for


@pytest.mark.parametrize("cls", _form_classes(), ids=lambda c: c.__qualname__)
def test_every_field_of_every_form_refuses_nul_and_one_line_fields_refuse_breaks(app, cls):
    with app.test_request_context():
        form = _filled(cls, _file_or_text("a\x00b"))
        form.validate()
        leaves = _leaves(form)
        assert leaves or cls.__name__ in ("EmptyForm", "ConfirmForm"), cls
        for leaf in leaves:
            assert "Le caractère nul (U+0000) n'est pas autorisé." in leaf.errors, leaf.name

        form = _filled(cls, lambda leaf: None if isinstance(leaf, wtforms.FileField) else "a\r\nb")
        form.validate()
        for leaf in _leaves(form):
            one_line = not isinstance(
                leaf, wtforms.TextAreaField | wtforms.PasswordField | wtforms.FileField
            )
            assert (LINE_BREAK in leaf.errors) == one_line, (leaf.name, leaf.errors)


# --- every URL rule -----------------------------------------------------------------------


@pytest.mark.parametrize("value", [str(MAX_ID + 1), "99999999999999999999", "٣", "３", "²"])
def test_every_id_beyond_the_database_range_is_not_found(app, world, value):
    client = client_for(app, world, "coordinator")
    rules = _int_rules(app)
    assert len(rules) >= 75
    before = fingerprint()
    for rule in rules:
        url = _url_with_ids(rule, value)
        for method in _methods(rule):
            response = client.open(url, method=method, data={})
            assert response.status_code == 404, (method, url, response.status_code)
    assert fingerprint() == before


@pytest.mark.parametrize("who", ROLES)
def test_the_largest_id_is_an_ordinary_refusal(app, world, who):
    client = client_for(app, world, who)
    before = fingerprint()
    for rule in _int_rules(app):
        url = _url_with_ids(rule, str(MAX_ID))
        for method in _methods(rule):
            response = client.open(url, method=method, data={})
            assert response.status_code < 500, (method, url, response.status_code)
            assert response.status_code != 200 or method == "GET", (method, url)
    assert fingerprint() == before


def test_a_nul_anywhere_in_a_web_request_is_a_french_400_and_writes_nothing(app, world):
    client = client_for(app, world, "coordinator")
    rules = _web_rules(app)
    assert len(rules) >= 120
    upload = ("photo", "vue\x00.png", png_bytes())
    before = fingerprint()
    for rule in rules:
        url = _url(app, rule, world)
        attempts: list[dict[str, Any]] = [{"query_string": {"q": "a\x00b"}}]
        if "POST" in rule.methods:
            body, content_type = multipart({"alt_text": "Vue"}, *upload)
            attempts += [
                {"data": {"name": "a\x00b", "reason": "Motif\x00"}},
                {"data": {"a\x00b": "x"}},
                {"data": body, "content_type": content_type},
            ]
        for attempt in attempts:
            for method in _methods(rule):
                if method == "GET" and "data" in attempt:
                    continue
                response = client.open(url, method=method, **attempt)
                assert response.status_code == 400, (method, url, attempt, response.status_code)
                text = response.get_json()["detail"] if response.is_json else response.text
                assert NUL_PAGE in text, url
    for rule in rules:
        texts = [n for n, c in rule._converters.items() if not isinstance(c, IntegerConverter)]
        if texts:
            url = _url(app, rule, world).replace("/x", "/a%00b", 1)
            assert client.get(url).status_code == 400, url
    assert fingerprint() == before


def _query_names() -> list[str]:
    """Every query-string parameter the web views read, and the GET filter forms' fields."""
    names: set[str] = set()
    for path in Path(nrhub.__file__).parent.rglob("*.py"):
        if "api" not in path.parts:
            names |= set(re.findall(r"request\.args\.get\(\s*\"(\w+)\"", path.read_text()))
    for cls in _form_classes():
        if getattr(getattr(cls, "Meta", None), "csrf", True) is False:
            names |= {n for n, v in vars(cls).items() if isinstance(v, UnboundField)}
    return sorted(names)


HOSTILE_QUERY_VALUES = ["9" * 30, str(MAX_ID), "²", "1e999999", "-1"]


@pytest.mark.parametrize("who", ROLES)
def test_hostile_query_strings_never_break_a_page(app, world, who):
    names = _query_names()
    assert {"annee", "page", "q", "categorie", "organisation", "livraison"} <= set(names)
    client = client_for(app, world, who)
    rules = [r for r in _web_rules(app) if "GET" in r.methods]
    for rule in rules:
        url = _url(app, rule, world)
        for value in HOSTILE_QUERY_VALUES:
            response = client.get(url, query_string={name: value for name in names})
            response.close()  # a downloaded file is streamed: close it
            assert response.status_code < 500, (url, value, response.status_code)


# --- every form of every page -------------------------------------------------------------

# Values a field of each kind must refuse (besides NUL, refused everywhere above).
REFUSED: dict[str, list[str]] = {
    "date": ["1999-12-31", "2101-01-01", "٢٠٢٦-٠١-٠١", "9999-12-31"],
    "datetime-local": ["1999-12-31T23:59", "2101-01-01T00:00", "０２０２６-01-01T10:00"],
    "number": ["٣", "３", "99999999999", "1e3"],
    "decimal": ["12,345", "١٢", "1e3"],
    "line": ["x\r\ny", "x\ny"],
}


def _kinds(item: Input) -> list[str]:
    kinds = []
    if item.kind in ("date", "datetime-local", "number"):
        kinds.append(item.kind)
    if item.inputmode == "decimal":
        kinds.append("decimal")
    if item.one_line or item.kind in ("select", "radio", "checkbox"):
        kinds.append("line")
    return kinds


SKIPPED_ACTIONS = ("/deconnexion", "/langue")
# Pages whose forms only some roles see, with ids the URL map's walk does not use.
EXTRA_PAGES = {
    "buyer1": [
        "/campagnes/{open_campaign}",
        "/livraisons/{delivery_a1}",
        "/acheteur/reparations/nouvelle?livraison={delivery_a1}",
    ],
    "refurbisher_a": ["/campagnes/{open_campaign}"],
    "coordinator": [],
}
ACCEPTED_AS_SHOWN = {
    "buyer1": ["/acheteur/depenses/{entry1}/modifier", "/compte", "/organisation/profil"],
    "refurbisher_a": [
        "/reconditionneur/offres/{draft_a}/modifier",
        "/compte",
    ],
    "coordinator": [
        "/compte",
        "/coordination/objectifs/{target}/modifier",
        "/clauses/{clause}/modifier",
    ],
}


def _page_post_forms(
    app: Flask, world: World, client: Any, who: str
) -> dict[tuple[str, str], HtmlForm]:
    forms: dict[tuple[str, str], HtmlForm] = {}
    urls = [
        _url(app, rule, world)
        for rule in _web_rules(app)
        if "GET" in rule.methods and not rule.rule.endswith((".csv", ".json", ".svg"))
    ]
    for url in urls + [page.format(**world.ids) for page in EXTRA_PAGES[who]]:
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            response.close()  # a downloaded file is streamed: close it
            continue
        for form in page_forms(response.get_data(as_text=True), url):
            if form.method != "post" or form.action.startswith(SKIPPED_ACTIONS):
                continue
            names = ",".join(sorted(form.fields()))
            forms.setdefault((form.action, names), form)
    return forms


def _submit(client: Any, form: HtmlForm, pairs: list[tuple[str, str]]) -> Any:
    data = MultiDict(pairs)
    if form.enctype == "multipart/form-data":
        return client.post(form.action, data=data, content_type="multipart/form-data")
    return client.post(form.action, data=data)


@pytest.mark.parametrize("who", ROLES)
def test_every_form_of_every_page_refuses_bad_values_without_writing(app, world, who):
    """For each field, the values its kind must refuse, the rest of the form as the page
    shows it: no 500, and nothing written."""
    client = client_for(app, world, who)
    forms = _page_post_forms(app, world, client, who)
    assert len(forms) >= 8, sorted(forms)
    tried = 0
    for form in forms.values():
        before = fingerprint()
        defaults = form.defaults()
        for name, item in form.fields().items():
            for kind in _kinds(item):
                for value in REFUSED[kind]:
                    pairs = [(n, v) for n, v in defaults if n != name] + [(name, value)]
                    response = _submit(client, form, pairs)
                    tried += 1
                    assert response.status_code < 500, (form.action, name, value)
        assert fingerprint() == before, f"{form.action} wrote with a refused value"
    assert tried >= 40
    # The pages' own values are accepted: the refusals above came from the values changed.
    for template in ACCEPTED_AS_SHOWN[who]:
        action = template.format(**world.ids)
        form = next(f for (a, _n), f in forms.items() if a == action)
        assert _submit(client, form, form.defaults()).status_code == 302, action


# --- exact rules ----------------------------------------------------------------------------


def _count(model: Any) -> int:
    count = db.session.execute(select(func.count()).select_from(model)).scalar_one()
    db.session.rollback()
    return int(count)


def test_nul_in_a_form_field_is_a_400_page_in_french(app, world):
    client = client_for(app, world, "buyer1")
    before = fingerprint()
    response = client.post("/compte", data={"name": "Jean\x00Dupont", "locale": "fr"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Requête invalide" in html
    assert "La requête contient un caractère nul (U+0000), qui n&#39;est pas autorisé" in html
    assert fingerprint() == before


def test_nul_in_a_query_string_is_a_400_before_any_search(app, world):
    client = client_for(app, world, "buyer1")
    for url in ("/catalogue?q=a%00b", "/clauses/?theme=%00", "/acheteur/depenses?origine=%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert NUL_PAGE in response.get_data(as_text=True)


def test_nul_in_an_uploaded_file_name_is_a_400_and_stores_nothing(app, world):
    client = client_for(app, world, "refurbisher_a")
    body, content_type = multipart({"alt_text": "Vue"}, "photo", "vue\x00.png", png_bytes())
    before = fingerprint()
    uploads = Path(app.config["UPLOAD_DIR"])
    files = sorted(uploads.rglob("*"))
    url = f"/reconditionneur/offres/{world.ids['draft_a']}/photos"
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 400
    assert NUL_PAGE in response.text
    assert fingerprint() == before
    assert sorted(uploads.rglob("*")) == files


def test_nul_in_a_path_is_a_400(app, world):
    client = client_for(app, world, "refurbisher_a")
    assert client.get("/catalogue/photos/a%00b.png").status_code == 400
    assert client.get("/reinitialisation/a%00b").status_code == 400


def test_the_api_keeps_answering_nul_with_its_own_422(app, world):
    headers = {"Authorization": f"Bearer {world.bearer['buyer1']}"}
    response = app.test_client().get("/api/v1/campaigns?cursor=%00", headers=headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("/campagnes/2147483648", "GET"),
        ("/campagnes/99999999999999999999", "GET"),
        ("/campagnes/٣", "GET"),
        ("/campagnes/2147483648/annuler", "POST"),
        ("/acheteur/depenses/2147483648/supprimer", "POST"),
        ("/indicateurs/rapport/99999999999", "GET"),
        ("/api/v1/campaigns/2147483648", "GET"),
    ],
)
def test_an_id_beyond_the_integer_range_is_a_404(app, world, url, method):
    client = client_for(app, world, "coordinator")
    response = client.open(url, method=method)
    assert response.status_code == 404
    if url.startswith("/api/"):
        assert response.mimetype == "application/problem+json"
    else:
        assert "Page introuvable" in response.get_data(as_text=True)


def _page_form(client: Any, url: str, action: str | None = None) -> HtmlForm:
    html = client.get(url).get_data(as_text=True)
    forms = [f for f in page_forms(html, url) if f.method == "post"]
    return next(f for f in forms if f.action == (action or url))


def _with(form: HtmlForm, **changes: str) -> list[tuple[str, str]]:
    return [(n, v) for n, v in form.defaults() if n not in changes] + list(changes.items())


def _spend_form(**changes: str) -> dict[str, str]:
    data = {
        "spent_on": "2025-03-01",
        "category_id": str(factories.category("laptop").id),
        "quantity": "2",
        "nature": "reuse",
        "amount": "1 234,50",
        "supplier_name": "Atelier",
        "social_consideration": "Pas de considération sociale",
        "environmental_consideration": "Pas de considération environnementale",
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"spent_on": "1999-12-31"}, DATE_RANGE),
        ({"spent_on": "01/01/2101"}, DATE_RANGE),
        ({"spent_on": "0001-01-01"}, DATE_RANGE),
        ({"spent_on": "٢٠٢٥-٠٣-٠١"}, "N&#39;est pas une date valide."),
        ({"quantity": "٣"}, WHOLE_NUMBER),
        ({"quantity": "３"}, WHOLE_NUMBER),
        ({"quantity": "99999999999"}, "Nombre trop grand : 2 147 483 647 au plus."),
        ({"amount": "١٢٣٤,٥٠"}, "Nombre invalide (exemple : 1 234,50)."),
        ({"amount": "1 234,567"}, CENTS),
        ({"amount": "0,001"}, CENTS),
        ({"amount": "1e3"}, "Nombre invalide (exemple : 1 234,50)."),
        ({"supplier_name": "Atelier\r\nBcc: x@y.fr"}, LINE_BREAK),
        ({"supplier_siret": "7328293200\n0074"}, LINE_BREAK),
        ({"category_id": "٣"}, ""),
    ],
)
def test_the_ledger_form_refuses_with_a_french_message_and_writes_nothing(
    app, world, changes, message
):
    client = client_for(app, world, "buyer1")
    before = _count(SpendEntry)
    response = client.post("/acheteur/depenses/nouvelle", data=_spend_form(**changes))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _french(message) in html
    field = next(iter(changes))
    assert f'id="{field}-erreur"' in html
    assert _count(SpendEntry) == before


def test_the_ledger_form_keeps_cents_and_line_breaks_of_a_comment(app, world):
    client = client_for(app, world, "buyer1")
    before = _count(SpendEntry)
    response = client.post(
        "/acheteur/depenses/nouvelle",
        data=_spend_form(amount="1 234,5", comment="Ligne 1\r\nLigne 2", spent_on="2000-01-01"),
    )
    assert response.status_code == 302
    assert _count(SpendEntry) == before + 1
    entry = db.session.execute(select(SpendEntry).order_by(SpendEntry.id.desc())).scalars().first()
    assert entry is not None
    assert entry.amount == Decimal("1234.50")
    assert entry.comment == "Ligne 1\r\nLigne 2"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("opens_at", "1999-12-31T09:00", DATE_RANGE),
        ("closes_at", "9999-12-31T23:59", DATE_RANGE),
        ("delivery_to", "2101-01-01", DATE_RANGE),
        ("opens_at", "٢٠٢٧-06-01T09:00", "N&#39;est pas une date/heure valide."),
        ("title", "Campagne\r\nBcc: x@y.fr", LINE_BREAK),
    ],
)
def test_the_campaign_form_refuses_dates_outside_2000_2100(app, world, field, value, message):
    client = client_for(app, world, "coordinator")
    url = f"/campagnes/{world.ids['draft_campaign']}/modifier"
    form = _page_form(client, url)
    category = next(i.value for i in form.inputs if i.name == "category_ids")
    valid = {"category_ids": category}
    before = fingerprint()
    response = client.post(url, data=MultiDict(_with(form, **valid, **{field: value})))
    assert response.status_code == 422
    assert _french(message) in response.get_data(as_text=True)
    assert fingerprint() == before
    # Valid otherwise: the refusal came from the one value changed.
    assert client.post(url, data=MultiDict(_with(form, **valid))).status_code == 302


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("49,999", CENTS),
        ("٤٩,٩٠", "Indiquez un prix HT positif en euros, par exemple 49,90."),
        ("-1", "Le montant ne peut pas être négatif."),
    ],
)
def test_the_maintenance_price_has_cents_at_most(app, world, value, message):
    client = client_for(app, world, "refurbisher_a")
    url = (
        f"/reconditionneur/offres/{world.ids['draft_a']}/maintenance/"
        f"{world.ids['maintenance_a']}/modifier"
    )
    form = _page_form(client, url)
    coverage = "Pièces et main d'œuvre"
    response = client.post(url, data=MultiDict(_with(form, unit_price=value, coverage=coverage)))
    assert response.status_code == 422
    assert _french(message) in response.get_data(as_text=True)
    assert db.session.get(MaintenanceOffer, world.ids["maintenance_a"]).unit_price == Decimal(
        "30.00"
    )
    db.session.rollback()
    response = client.post(url, data=MultiDict(_with(form, unit_price="49,90", coverage=coverage)))
    assert response.status_code == 302
    assert db.session.get(MaintenanceOffer, world.ids["maintenance_a"]).unit_price == Decimal(
        "49.90"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [("189,999", CENTS), ("１８９", "Indiquez un montant, par exemple 189,90.")],
)
def test_an_offer_tier_price_has_cents_at_most(app, world, value, message):
    laptop = factories.category("laptop")
    db.session.execute(
        insert(campaign_category).values(
            campaign_id=world.ids["open_campaign"], category_id=laptop.id
        )
    )
    refurbisher = db.session.get(Organisation, world.ids["refurbisher_a"])
    listing = factories.ListingFactory(refurbisher=refurbisher, category=laptop, sku="TIER-A")
    db.session.commit()
    client = client_for(app, world, "refurbisher_a")
    url = f"/campagnes/{world.ids['open_campaign']}/offres"
    data = {
        "listing_id": str(listing.id),
        "committed_quantity": "5",  # a tier never needs more than the committed units
        "tiers-0-min_quantity": "5",
        "tiers-0-unit_price": value,
    }
    before = fingerprint()
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert _french(message) in response.get_data(as_text=True)
    assert fingerprint() == before
    # Valid otherwise: the refusal came from the price.
    assert client.post(url, data={**data, "tiers-0-unit_price": "189,90"}).status_code == 302
    assert fingerprint() != before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "٢", WHOLE_NUMBER),
        ("unit_weight_kg", "٢,٣", "Un poids positif en kg, par exemple 2,3."),
        ("unit_weight_kg", "1e999999", "Un poids positif en kg, par exemple 2,3."),
        ("unit_weight_kg", "2,3456", "Au plus 3 chiffres après la virgule."),
        ("available_until", "9999-12-31", DATE_RANGE),
        ("pickup_postcode", "٣٥٠٠٠", "code postal"),
        ("pickup_city", "Rennes\nCedex", LINE_BREAK),
    ],
)
def test_the_donation_lot_form_refuses_other_digits_and_dates(app, world, field, value, message):
    client = client_for(app, world, "buyer1")
    form = _page_form(client, "/dons/nouveau")
    base = {
        "category_code": "laptop",
        "quantity": "3",
        "unit_weight_kg": "2,3",
        "pickup_postcode": "35000",
        "pickup_city": "Rennes",
        "pickup_address": "1 place de la Mairie",
        "available_from": "2026-01-01",
        "available_until": "2026-12-31",
    }
    before = fingerprint()
    response = client.post("/dons/nouveau", data=MultiDict(_with(form, **{**base, field: value})))
    assert response.status_code in (409, 422)
    assert _french(message).lower() in response.get_data(as_text=True).lower()
    assert fingerprint() == before


def test_a_listing_price_in_other_digits_is_refused(app, world):
    client = client_for(app, world, "refurbisher_a")
    url = f"/reconditionneur/offres/{world.ids['draft_a']}/modifier"
    form = _page_form(client, url)
    before = fingerprint()
    for field, value in (("unit_price", "١٠٠"), ("quantity", "٣"), ("sku", "A\r\nB")):
        response = client.post(url, data=MultiDict(_with(form, **{field: value})))
        assert response.status_code == 422, (field, value)
    assert fingerprint() == before


def test_one_line_fields_refuse_line_breaks_and_text_areas_keep_them(app, world):
    client = client_for(app, world, "buyer1")
    before = fingerprint()
    response = client.post("/compte", data={"name": "Jean\r\nBcc: x@y.fr", "locale": "fr"})
    assert response.status_code == 422
    assert _french(LINE_BREAK) in response.get_data(as_text=True)
    response = client.post("/compte/jetons", data={"label": "ERP\natelier"})
    assert response.status_code == 422
    assert fingerprint() == before


@pytest.mark.parametrize(
    "url",
    [
        "/acheteur/depenses?categorie=99999999999999999999",
        "/acheteur/depenses?annee=2147483648",
        "/acheteur/depenses?annee=٢٠٢٦",
        "/catalogue?page=²",
        "/catalogue?prix_min=9999999999999999999999999999999999&garantie_min=٣",
        "/acheteur/reparations/nouvelle?livraison=99999999999999999999",
        "/indicateurs?annee=99999999999999999999",
        "/indicateurs?organisation=99999999999999999999",
        "/coordination/journal?page=٣",
    ],
)
def test_hostile_query_numbers_are_ignored_or_refused_not_a_500(app, world, url):
    who = "coordinator" if "journal" in url else "buyer1"
    response = client_for(app, world, who).get(url)
    assert response.status_code in (200, 404), (url, response.status_code)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_ht": "١٢٠٠.50"}, "amount_ht"),
        ({"amount_ht": "１２００"}, "amount_ht"),
        ({"amount_ht": "1200.505"}, "amount_ht"),
        ({"supplier_siret": "٧٣٢٨٢٩٣٢٠٠٠٠٧٤"}, "supplier_siret"),
    ],
)
def test_the_api_refuses_other_digits_and_fractions_of_cents_too(app, world, change, field):
    body = {
        "spent_on": "2026-01-15",
        "category": "laptop",
        "quantity": 4,
        "nature": "reuse",
        "amount_ht": "1200.50",
        "supplier_name": "Ordi Solidaire",
    }
    headers = {"Authorization": f"Bearer {world.bearer['buyer1']}"}
    before = _count(SpendEntry)
    response = app.test_client().post("/api/v1/expenses", json=body | change, headers=headers)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert _count(SpendEntry) == before
