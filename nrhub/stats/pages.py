"""What each dashboard shows: the figures of nrhub.stats.queries, assembled per role.

No SQL here beyond the query functions; the number of statements of a page does not
depend on the number of members or ledger rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from nrhub.catalog.models import LEGAL_CATEGORY_IT
from nrhub.donations.models import ReenCategory
from nrhub.formatting import format_number, format_percent
from nrhub.ledger import queries as ledger_queries
from nrhub.ledger.models import LegalTarget, TargetKind
from nrhub.ledger.reference import donation_grid
from nrhub.organisations.models import Organisation
from nrhub.stats import charts, declaration, queries
from nrhub.stats.queries import Indicators, reuse_gap


@dataclass(frozen=True)
class Figure:
    label: str
    value: Any  # Decimal, int or None ("pas de données")
    kind: str  # money, percent, number, kg


def target_percent(targets: dict[TargetKind, LegalTarget], kind: TargetKind) -> Decimal | None:
    target = targets.get(kind)
    return target.reuse_percent if target is not None else None


def recycled_target_percent(targets: dict[TargetKind, LegalTarget]) -> Decimal | None:
    target = targets.get(TargetKind.SPEND_SHARE)
    return target.recycled_percent if target is not None else None


@dataclass(frozen=True)
class LegalCategoryRow:
    """A legal category's figures with the spend-share target of its year (None: none)."""

    spend: queries.LegalCategorySpend
    target: LegalTarget | None

    @property
    def reuse_target(self) -> Decimal | None:
        return None if self.target is None else self.target.reuse_percent

    @property
    def recycled_target(self) -> Decimal | None:
        return None if self.target is None else self.target.recycled_percent


def legal_category_rows(
    year: int,
    buyer_id: int | None = None,
    targets: dict[str, dict[TargetKind, LegalTarget]] | None = None,
) -> list[LegalCategoryRow]:
    """The year per legal category, each against its own reuse and recycled targets
    (``targets``: :func:`ledger_queries.targets_by_legal_category` of the year, read if
    not given)."""
    if targets is None:
        targets = ledger_queries.targets_by_legal_category(year)
    return [
        LegalCategoryRow(row, targets.get(row.legal_category, {}).get(TargetKind.SPEND_SHARE))
        for row in queries.spend_by_legal_category(year, buyer_id=buyer_id)
    ]


def _retired(
    year: int, buyer_id: int | None
) -> tuple[queries.RetiredReuse, list[tuple[ReenCategory, queries.RetiredReuse]]]:
    """The REEN figures, overall and per REEN category (one statement)."""
    figures = queries.retired_reuse_all(year, buyer_id=buyer_id)
    return figures[None], [(category, figures[category]) for category in ReenCategory]


def percent_label(percent: Decimal) -> str:
    """``20 %`` (no decimals for a whole number)."""
    digits = 0 if percent == percent.to_integral_value() else 1
    return format_percent(percent / 100, digits)


def target_sentence(
    ind: Indicators, percent: Decimal | None, to_verify: bool = False
) -> str | None:
    """ "Objectif atteint" or "Il manque 12 340 € d'achats issus du réemploi …", said to
    rest on a figure to verify when the target is not confirmed."""
    gap = reuse_gap(ind.it_spend, ind.reuse_spend, percent)
    if gap is None or percent is None:
        return None
    if gap == 0:
        sentence = _("Objectif atteint")
    else:
        sentence = _(
            "Il manque %(gap)s d'achats issus du réemploi pour atteindre l'objectif de %(target)s",
            gap=f"{format_number(gap)} €",
            target=percent_label(percent),
        )
    if to_verify:
        return _("%(sentence)s (objectif à vérifier)", sentence=sentence)
    return sentence


def figures(
    ind: Indicators,
    reen: Decimal | None,
    retired: queries.RetiredReuse | None = None,
    retired_by_category: list[tuple[ReenCategory, queries.RetiredReuse]] | None = None,
) -> list[Figure]:
    """The indicator lines shown in the tables and their CSV export."""
    return [
        Figure(_("Dépense informatique HT"), ind.it_spend, "money"),
        Figure(_("Dépense issue du réemploi, dons compris"), ind.reuse_spend, "money"),
        Figure(_("Part du réemploi"), ind.reuse_share, "percent"),
        Figure(_("Dont dons reçus (valeur forfaitaire)"), ind.donation_spend, "money"),
        Figure(_("Dépense intégrant des matières recyclées"), ind.recycled_spend, "money"),
        Figure(_("Part intégrant des matières recyclées"), ind.recycled_share, "percent"),
        Figure(_("Clauses sociales dans les marchés"), ind.social_clauses, "number"),
        Figure(
            _("Clauses environnementales dans les marchés"), ind.environmental_clauses, "number"
        ),
        Figure(
            _("Dépense sous clause sociale ou environnementale"), ind.spend_with_clause, "money"
        ),
        Figure(
            _("Part de la dépense sous clause"),
            ind.spend_with_clause_share,
            "percent",
        ),
        Figure(_("Unités issues du réemploi"), ind.reuse_quantity, "number"),
        Figure(_("CO2e évité (kg)"), ind.co2e_avoided_kg, "kg"),
        Figure(_("Part locale du réemploi (même département)"), ind.local_share, "percent"),
        Figure(_("Part régionale du réemploi (même région)"), ind.regional_share, "percent"),
        Figure(_("Part ESS du réemploi"), ind.ess_share, "percent"),
        Figure(_("Équipements réformés orientés vers le réemploi (REEN)"), reen, "percent"),
        *_retired_figures(retired),
        *(
            Figure(
                _("Équipements réformés orientés vers le réemploi — %(c)s", c=REEN_LABELS[c]),
                row.rate,
                "percent",
            )
            for c, row in retired_by_category or ()
        ),
    ]


# The REEN categories as the pages and exports name them (art. R. 543-172 II).
REEN_LABELS = {
    ReenCategory.SCREENS: _l("écrans de plus de 100 cm² (2°)"),
    ReenCategory.SMALL_IT: _l("petits équipements informatiques et de télécommunications (6°)"),
}


def _retired_figures(retired: queries.RetiredReuse | None) -> list[Figure]:
    if retired is None:
        return []
    return [
        Figure(
            _("Parc réformé au 1er janvier (unités)"),
            retired.stock_units if retired.declared else None,
            "number",
        ),
        Figure(_("Équipements réformés réemployés dans l'année"), retired.units_reused, "number"),
        Figure(_("Équipements réformés recyclés dans l'année"), retired.units_recycled, "number"),
        Figure(_("Déchets évités par le réemploi (kg)"), retired.kg_diverted, "number"),
    ]


def _method(targets: dict[TargetKind, LegalTarget]) -> dict[str, Any]:
    return {
        "categories": ledger_queries.list_categories(),
        "targets": targets,
        "donation_source": donation_grid().source,
    }


def buyer_page(buyer: Organisation, year: int) -> dict[str, Any]:
    all_targets = ledger_queries.targets_by_legal_category(year)
    targets = all_targets.get(LEGAL_CATEGORY_IT, {})
    percent = target_percent(targets, TargetKind.SPEND_SHARE)
    ind = queries.indicators(year, buyer_id=buyer.id)
    retired, retired_by_category = _retired(year, buyer.id)
    reen = retired.rate
    legal_rows = legal_category_rows(year, buyer.id, all_targets)
    return {
        "buyer": buyer,
        "year": year,
        "ind": ind,
        **_spend_targets(targets),
        "reen_target_percent": target_percent(targets, TargetKind.RETIRED_REUSE),
        "sentence": target_sentence(ind, percent, _to_verify(targets)) if ind.has_data else None,
        "gauge": charts.gauge(ind.reuse_share, percent),
        "reen": reen,
        "retired": retired,
        "retired_by_category": retired_by_category,
        "reen_labels": REEN_LABELS,
        "figures": figures(ind, reen, retired, retired_by_category),
        "by_category": queries.spend_by_category(year, buyer_id=buyer.id),
        "legal_rows": legal_rows,
        # The declaration's rows are the buyer's spend per legal category: no statement.
        "declaration_rows": queries.buyer_declaration_rows(
            year, buyer, [row.spend for row in legal_rows]
        ),
        "declaration_status": declaration.status_of(buyer.id, year),
        "declaration_deadline": declaration.deadline(year),
        "portal_url": declaration.PORTAL_URL,
        "months": queries.monthly_spend(year, buyer_id=buyer.id),
        "month_names": charts.MONTHS,
        "years": _years(year, ledger_queries.years_with_spend(buyer.id)),
        **_method(targets),
    }


MEMBERS_PER_PAGE = 50


@dataclass(frozen=True)
class MemberPage:
    """One page of the members' table; ``page`` is already brought within 1..pages."""

    rows: list[queries.MemberRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def member_page(
    year: int,
    percent: Decimal | None,
    sort: str,
    descending: bool,
    page: int = 1,
    per_page: int = MEMBERS_PER_PAGE,
) -> MemberPage:
    """A page of :func:`queries.members_against_target`; a page past the last one shows
    the last one (as the catalogue does), so that a stale link still lands somewhere."""
    total = queries.count_members()
    page = max(1, min(page, math.ceil(total / per_page)))
    rows = queries.members_against_target(
        year, percent, sort, descending, limit=per_page, offset=(page - 1) * per_page
    )
    return MemberPage(rows, total, page, per_page)


def hub_page(
    year: int, sort: str = "nom", descending: bool = False, page: int = 1
) -> dict[str, Any]:
    all_targets = ledger_queries.targets_by_legal_category(year)
    targets = all_targets.get(LEGAL_CATEGORY_IT, {})
    percent = target_percent(targets, TargetKind.SPEND_SHARE)
    ind = queries.indicators(year)
    retired, retired_by_category = _retired(year, None)
    reen = retired.rate
    return {
        "year": year,
        "ind": ind,
        **_spend_targets(targets),
        "reen_target_percent": target_percent(targets, TargetKind.RETIRED_REUSE),
        "gauge": charts.gauge(ind.reuse_share, percent),
        "reen": reen,
        "retired": retired,
        "retired_by_category": retired_by_category,
        "reen_labels": REEN_LABELS,
        "figures": figures(ind, reen, retired, retired_by_category),
        "by_category": queries.spend_by_category(year),
        "legal_rows": legal_category_rows(year, targets=all_targets),
        "departments": queries.indicators_by_department(year),
        "members": member_page(year, percent, sort, descending, page),
        "sort": sort,
        "descending": descending,
        "years": _years(year, ledger_queries.years_with_spend()),
        **_method(targets),
    }


def _to_verify(targets: dict[TargetKind, LegalTarget]) -> bool:
    target = targets.get(TargetKind.SPEND_SHARE)
    return target is not None and target.to_verify


def _spend_targets(targets: dict[TargetKind, LegalTarget]) -> dict[str, Any]:
    """The reuse and recycled targets of IT and telephony, and whether they are to verify."""
    return {
        "target_percent": target_percent(targets, TargetKind.SPEND_SHARE),
        "recycled_target_percent": recycled_target_percent(targets),
        "spend_target": targets.get(TargetKind.SPEND_SHARE),
        "target_to_verify": _to_verify(targets),
    }


def it_targets(year: int) -> dict[TargetKind, LegalTarget]:
    """The targets of "Matériel informatique et téléphonie" that apply in ``year``."""
    return ledger_queries.targets_for_year(year, LEGAL_CATEGORY_IT)


def hub_page_target(year: int) -> Decimal | None:
    return target_percent(it_targets(year), TargetKind.SPEND_SHARE)


def refurbisher_page(refurbisher: Organisation, year: int | None) -> dict[str, Any]:
    sales = queries.sales_by_buyer_category_year(refurbisher.id, year)
    return {
        "refurbisher": refurbisher,
        "year": year,
        "sales": sales,
        "total_amount": sum((s.amount for s in sales), Decimal("0.00")),
        "total_quantity": sum(s.quantity for s in sales),
    }


def _years(year: int, with_spend: list[int]) -> list[int]:
    current = queries.current_year()
    return sorted({year, current, current - 1, *with_spend}, reverse=True)
