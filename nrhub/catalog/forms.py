"""Forms of the catalogue: a listing, a photo, a stock file, and the browse filters.

Numbers are typed as text and read by :mod:`nrhub.catalog.rules`, the same rules as the
stock import, so that "12,5" or "-3" get the same French message in both places.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup, escape
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, Select, TextInput
from wtforms.widgets.core import clean_key

from nrhub.catalog.models import Grade, ListingState
from nrhub.catalog.queries import ANY_INSERTION, CatalogueFilters, Sort
from nrhub.catalog.rules import MAX_TIERS, ListingData, parse_listing
from nrhub.formatting import current_language
from nrhub.forms import Form
from nrhub.organisations import geo
from nrhub.organisations.models import InsertionType, LegalForm
from nrhub.validation import database_int, parse_decimal_text

GRADE_LABELS = {
    Grade.A_PLUS: _l("A+ : comme neuf"),
    Grade.A: _l("A : très bon état"),
    Grade.B: _l("B : bon état, traces d'usage légères"),
    Grade.C: _l("C : état correct, traces d'usage visibles"),
}
STATE_LABELS = {ListingState.REFURBISHED: _l("Reconditionné"), ListingState.USED: _l("Occasion")}
LEGAL_FORM_LABELS = {
    LegalForm.ASSOCIATION: _l("Association"),
    LegalForm.SCIC: _l("SCIC"),
    LegalForm.SCOP: _l("SCOP"),
    LegalForm.COOPERATIVE: _l("Coopérative"),
    LegalForm.ESS_COMPANY: _l("Entreprise de l'ESS"),
    LegalForm.FOUNDATION: _l("Fondation"),
    LegalForm.MUTUAL: _l("Mutuelle"),
    LegalForm.OTHER: _l("Autre forme"),
}
INSERTION_LABELS = {
    InsertionType.EI: _l("Entreprise d'insertion (EI)"),
    InsertionType.ETTI: _l("Entreprise de travail temporaire d'insertion (ETTI)"),
    InsertionType.AI: _l("Association intermédiaire (AI)"),
    InsertionType.ACI: _l("Atelier et chantier d'insertion (ACI)"),
    InsertionType.EA: _l("Entreprise adaptée (EA)"),
    InsertionType.ESAT: _l("ESAT"),
}


def _opts(pairs: Any) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


VAT_CHOICES = [("20", "20 %"), ("10", "10 %"), ("5,5", "5,5 %"), ("2,1", "2,1 %"), ("0", "0 %")]

TEXT_FIELDS = (
    "sku",
    "brand",
    "model",
    "processor",
    "ram_gb",
    "storage_gb",
    "screen_inches",
    "description",
    "quantity",
    "unit_price",
    "warranty_months",
    "repairability_index",
    "os_update_years",
    "spare_parts_years",
)


class ListingForm(Form):
    category_code = SelectField(_l("Catégorie"), validate_choice=False)
    sku = StringField(_l("Votre référence (SKU)"))
    brand = StringField(_l("Marque"))
    model = StringField(_l("Modèle"))
    processor = StringField(_l("Processeur"))
    ram_gb = StringField(_l("Mémoire vive (Go)"))
    storage_gb = StringField(_l("Stockage (Go)"))
    screen_inches = StringField(_l("Taille d'écran (pouces)"))
    description = TextAreaField(_l("Description"))
    grade = SelectField(
        _l("Grade esthétique"), choices=_opts(GRADE_LABELS.items()), validate_choice=False
    )
    state = SelectField(_l("État"), choices=_opts(STATE_LABELS.items()), validate_choice=False)
    refurbished_in_france = BooleanField(_l("Reconditionné en France"))
    data_wiping_attested = BooleanField(_l("Attestation d'effacement des données fournie"))
    has_recycled_materials = BooleanField(_l("Intègre des matières recyclées"))
    quantity = StringField(_l("Quantité en stock disponible"))
    unit_price = StringField(_l("Prix unitaire HT (€)"))
    vat_rate = SelectField(_l("Taux de TVA"), choices=_opts(VAT_CHOICES), validate_choice=False)
    warranty_months = StringField(_l("Garantie (mois)"), default="12")
    repairability_index = StringField(_l("Indice de réparabilité (sur 10)"))
    os_update_years = StringField(_l("Mises à jour de sécurité garanties (ans)"))
    spare_parts_years = StringField(_l("Disponibilité des pièces détachées (ans)"))
    tier_quantity_1 = StringField(_l("Palier 1 : à partir de (unités)"))
    tier_price_1 = StringField(_l("Palier 1 : prix unitaire HT (€)"))
    tier_quantity_2 = StringField(_l("Palier 2 : à partir de (unités)"))
    tier_price_2 = StringField(_l("Palier 2 : prix unitaire HT (€)"))
    tier_quantity_3 = StringField(_l("Palier 3 : à partir de (unités)"))
    tier_price_3 = StringField(_l("Palier 3 : prix unitaire HT (€)"))
    tier_quantity_4 = StringField(_l("Palier 4 : à partir de (unités)"))
    tier_price_4 = StringField(_l("Palier 4 : prix unitaire HT (€)"))
    publish = BooleanField(_l("Publier l'offre dans le catalogue dès l'enregistrement"))
    donation_lot_id = SelectField(
        _l("Issu d'un don de collectivité (lot de réemploi)"), default="", validate_choice=False
    )

    TIER_ROWS = 4
    data_out: ListingData | None = None

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]] | None = None,
        lots: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.category_code.choices = _opts([("", _l("Choisir une catégorie")), *(categories or [])])
        # Origin: one of the donated lots the refurbisher picked up (nrhub.donations).
        no_lot = ("", _l("Aucun (achat ou stock propre)"))
        self.donation_lot_id.choices = _opts([no_lot, *(lots or [])])

    @property
    def donation_lot_value(self) -> int | None:
        try:
            return database_int(self.donation_lot_id.data or "")
        except ValueError:
            return None

    def set_tiers(self, tiers: list[tuple[int, Decimal]]) -> None:
        for index, (min_quantity, price) in enumerate(tiers[: self.TIER_ROWS], start=1):
            getattr(self, f"tier_quantity_{index}").data = str(min_quantity)
            getattr(self, f"tier_price_{index}").data = str(price).replace(".", ",")

    def raw_tiers(self) -> list[tuple[str, str]]:
        return [
            (
                getattr(self, f"tier_quantity_{i}").data or "",
                getattr(self, f"tier_price_{i}").data or "",
            )
            for i in range(1, min(self.TIER_ROWS, MAX_TIERS) + 1)
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        # A field missing from the post keeps the listing's stored value (an int, say).
        raw = {name: str(getattr(self, name).data or "") for name in TEXT_FIELDS}
        raw["category_code"] = self.category_code.data or ""
        raw["grade"] = self.grade.data or ""
        raw["state"] = self.state.data or ""
        raw["vat_rate"] = self.vat_rate.data or ""
        raw["refurbished_in_france"] = "oui" if self.refurbished_in_france.data else "non"
        raw["data_wiping_attested"] = "oui" if self.data_wiping_attested.data else "non"
        raw["has_recycled_materials"] = "oui" if self.has_recycled_materials.data else "non"
        self.data_out, errors = parse_listing(raw, self.raw_tiers())
        self.attach_errors(errors)
        return self.data_out is not None

    @property
    def listing_data(self) -> ListingData:
        """The listing read by a successful :meth:`validate`."""
        if self.data_out is None:
            raise RuntimeError("listing_data read before a successful validation")
        return self.data_out

    def attach_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            target = "tier_quantity_1" if name == "tiers" else name
            field = getattr(self, target, None)
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]


class ImportForm(Form):
    file = FileField(
        _l("Fichier de stock (CSV ou XLSX)"),
        validators=[FileRequired(_l("Choisissez un fichier CSV ou XLSX à envoyer."))],
    )


SORT_LABELS = {
    Sort.NEWEST: _l("Les plus récentes"),
    Sort.PRICE_ASC: _l("Prix croissant"),
    Sort.PRICE_DESC: _l("Prix décroissant"),
    Sort.NEAREST: _l("Les plus proches de chez moi"),
}


def _lean_params(**kwargs: Any) -> str:
    """WTForms' ``html_params``, the same text (attributes sorted, ``True`` bare, ``False``
    left out, values escaped) by plain string formatting: its ``Markup.format`` per attribute
    was most of the cost of writing the catalogue's filters on every page."""
    params = []
    for key, value in sorted(kwargs.items()):
        name = clean_key(key)
        if value is True:
            params.append(name)
        elif value is not False:
            params.append(f'{name}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return " ".join(params)


class _LeanInput(TextInput):
    """WTForms' text input, the same HTML, its attributes written by :func:`_lean_params`."""

    html_params = staticmethod(_lean_params)


class _LeanCheckbox(CheckboxInput):
    html_params = staticmethod(_lean_params)


class _LeanSelect(Select):
    """WTForms' select, the same HTML, each option written directly: the catalogue's filters
    list some fifty options on every page, and WTForms formats each one's attributes (and,
    from its field's plain choices, warns of a deprecated tuple for each)."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        choices = field.choices
        if self.multiple or any(
            c.render_kw or c.optgroup or isinstance(c.value, bool) for c in choices
        ):
            return super().__call__(field, **kwargs)  # type: ignore[no-any-return]
        kwargs.setdefault("id", field.id)
        flags = field.flags
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        html = [f"<select {_lean_params(name=field.name, **kwargs)}>"]
        for choice in choices:
            # html_params sorts the attributes: "selected" comes before "value".
            selected = "selected " if field.coerce(choice.value) == field.data else ""
            label = escape(choice.label or choice.value)
            html.append(f'<option {selected}value="{escape(choice.value)}">{label}</option>')
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704  # nosec B704  # every part escaped


def _select(label: Any) -> SelectField:
    return SelectField(label, validate_choice=False, widget=_LeanSelect())


@dataclass(frozen=True)
class _FixedTexts:
    """The filter form's fixed texts in one language, trusted as markup as the lazy strings
    they come from are (their ``__html__``)."""

    labels: dict[str, Markup]
    anything: tuple[str, Markup]
    every: tuple[str, Markup]
    grades: list[tuple[str, Markup]]
    legal_forms: list[tuple[str, Markup]]
    insertions: list[tuple[str, Markup]]
    sorts: dict[Sort, Markup]


# Per language, for the process: the translations do not change while it runs, and the
# catalogue asked Flask-Babel for these seventy texts on every page.
_FIXED_TEXTS: dict[str, _FixedTexts] = {}


def _fixed_texts(form: CatalogueFilterForm) -> _FixedTexts:
    locale = current_language()
    known = _FIXED_TEXTS.get(locale)
    if known is None:
        known = _FIXED_TEXTS[locale] = _translate_fixed_texts(form)
    return known


def _translated(text: Any) -> Markup:
    return Markup(str(text))  # noqa: S704  # nosec B704  # a translation of ours, as __html__


def _translate_fixed_texts(form: CatalogueFilterForm) -> _FixedTexts:
    anything = ("", _translated(_l("Toutes")))
    return _FixedTexts(
        labels={field.name: _translated(field.label.text) for field in form},
        anything=anything,
        every=("", _translated(_l("Tous"))),
        grades=[("", _translated(_l("Tous")))]
        + [(g.value, _translated(label)) for g, label in GRADE_LABELS.items()],
        legal_forms=[anything]
        + [(f.value, _translated(label)) for f, label in LEGAL_FORM_LABELS.items()],
        insertions=[
            ("", _translated(_l("Peu importe"))),
            (ANY_INSERTION, _translated(_l("Toute structure d'insertion ou adaptée"))),
            *[(t.value, _translated(label)) for t, label in INSERTION_LABELS.items()],
        ],
        sorts={sort: _translated(label) for sort, label in SORT_LABELS.items()},
    )


class CatalogueFilterForm(Form):
    """The browse filters, read from the query string (GET, no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Rechercher (marque, modèle, description)"),
        validators=[Optional()],
        widget=_LeanInput(),
    )
    categorie = _select(_l("Catégorie"))
    grade = _select(_l("Grade"))
    prix_min = StringField(_l("Prix HT minimum (€)"), widget=_LeanInput())
    prix_max = StringField(_l("Prix HT maximum (€)"), widget=_LeanInput())
    departement = _select(_l("Département du reconditionneur"))
    region = _select(_l("Région du reconditionneur"))
    forme = _select(_l("Forme juridique"))
    insertion = _select(_l("Structure d'insertion ou adaptée"))
    garantie_min = StringField(_l("Garantie minimale (mois)"), widget=_LeanInput())
    maj_min = StringField(_l("Mises à jour garanties minimales (ans)"), widget=_LeanInput())
    reparabilite_min = StringField(_l("Indice de réparabilité minimal"), widget=_LeanInput())
    en_stock = BooleanField(_l("En stock uniquement"), widget=_LeanCheckbox())
    tri = _select(_l("Trier par"))

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]],
        locations: list[tuple[str, str]],
        prices_visible: bool,
        can_sort_nearest: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fixed = _fixed_texts(self)
        for field in self:
            field.label.text = fixed.labels[field.name]
        departments = sorted({d for d, _r in locations})
        regions = sorted({r for _d, r in locations})
        sorts = [s for s in Sort if prices_visible or s not in (Sort.PRICE_ASC, Sort.PRICE_DESC)]
        if not can_sort_nearest:
            sorts.remove(Sort.NEAREST)
        options = {
            self.categorie: [fixed.anything, *categories],
            self.grade: fixed.grades,
            self.departement: [
                fixed.every,
                *[(d, f"{d} – {geo.department_name(d)}") for d in departments],
            ],
            self.region: [fixed.anything, *[(r, geo.region_name(r)) for r in regions]],
            self.forme: fixed.legal_forms,
            self.insertion: fixed.insertions,
            self.tri: [(s.value, fixed.sorts[s]) for s in sorts],
        }
        for select_field, pairs in options.items():
            select_field.choices = _opts(pairs)
        self.prices_visible = prices_visible
        if not prices_visible:
            del self.prix_min
            del self.prix_max

    def filters(self, page: int) -> CatalogueFilters:
        """The valid filters; an invalid value gets a French message and is ignored."""
        values: dict[str, Any] = {"text": (self.q.data or "").strip()[:100], "page": page}
        choices = {
            "category": self.categorie,
            "grade": self.grade,
            "department": self.departement,
            "region": self.region,
            "legal_form": self.forme,
            "insertion": self.insertion,
        }
        for name, field in choices.items():
            allowed = {choice.value for choice in field.choices}
            if field.data and field.data in allowed:
                values[name] = field.data
            elif field.data:
                field.errors = [_l("Choix inconnu : ce filtre est ignoré.")]
        allowed_sorts = {choice.value for choice in self.tri.choices}
        values["sort"] = Sort(self.tri.data) if self.tri.data in allowed_sorts else Sort.NEWEST
        if self.prices_visible:
            values["price_min"] = self._number(self.prix_min, places=2)
            values["price_max"] = self._number(self.prix_max, places=2)
        warranty = self._number(self.garantie_min, places=0)
        updates = self._number(self.maj_min, places=0)
        values["min_warranty_months"] = int(warranty) if warranty is not None else None
        values["min_update_years"] = int(updates) if updates is not None else None
        values["min_repairability"] = self._number(self.reparabilite_min, places=1)
        values["in_stock"] = bool(self.en_stock.data)
        return CatalogueFilters(**values)

    @staticmethod
    def _number(field: StringField, places: int) -> Decimal | None:
        text = (field.data or "").strip()
        if not text:
            return None
        try:
            value = parse_decimal_text(text)
        except ValueError:
            value = Decimal(-1)
        # The size first: rounding a 30-digit number exceeds Decimal's precision.
        if value < 0 or value > 10**7 or value != round(value, places):
            field.errors = [_l("Nombre positif attendu : ce filtre est ignoré.")]
            return None
        return value
