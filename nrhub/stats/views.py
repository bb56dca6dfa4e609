"""Routes of the indicators: dashboards per role, charts, CSV exports, the yearly
declaration file and the printable report."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from nrhub.caching import Area, cached_html
from nrhub.organisations.models import Organisation
from nrhub.security import Role, member_required, role_required
from nrhub.spreadsheets import csv_response
from nrhub.stats import charts, formatting, pages, policy, queries
from nrhub.stats import declaration as declaration_status
from nrhub.stats.declaration import declaration_response

bp = Blueprint("stats", __name__)
bp.add_app_template_filter(formatting.fast_money, "fast_money")
bp.add_app_template_filter(formatting.fast_number, "fast_number")
bp.add_app_template_filter(formatting.fast_percent, "fast_percent")
bp.add_app_template_filter(formatting.cached_urlize, "cached_urlize")

SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _year(value: int | None = None) -> int:
    year = value or request.args.get("annee", type=int) or queries.current_year()
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def _buyer_in_scope() -> Organisation | None:
    """The buyer whose figures are asked: a buyer sees only its own (another
    organisation's id → 404); a coordinator may name any buyer; None means the hub."""
    asked = request.args.get("organisation", type=int)
    if asked is not None and policy.can_see_figures_of(current_user, asked) is not None:
        abort(404)
    if policy.can_see_own_spend(current_user) is None:
        own: Organisation | None = current_user.organisation
        return own
    if asked is not None and policy.can_see_any_buyer(current_user) is None:
        return queries.buyer_for(asked) or abort(404)
    return None


def _sort() -> tuple[str, bool]:
    raw = request.args.get("tri", "nom")
    key = raw.lstrip("-")
    return (key if key in queries.MEMBER_SORTS else "nom"), raw.startswith("-")


def _page() -> int:
    page = request.args.get("page", 1, type=int)  # ASCII digits (nrhub.validation)
    return page if 0 < page < 100_000 else 1


@bp.get("/indicateurs")
@member_required
def dashboard() -> ResponseReturnValue:
    buyer = _buyer_in_scope()
    if policy.can_see_own_sales(current_user) is None:
        year = request.args.get("annee", type=int)
        ctx = pages.refurbisher_page(current_user.organisation, year)
        return render_template("stats/dashboard_refurbisher.html", **ctx)
    if buyer is not None:
        return render_template("stats/dashboard_buyer.html", **pages.buyer_page(buyer, _year()))
    year, page, tri = _year(), _page(), request.args.get("tri", "")
    # The same for every coordinator: nothing personal in it (see _hub_body.html).
    key = f"stats:hub:{current_user.role}:{get_locale()}:{year}:{page}:{tri}"
    body = cached_html(
        key,
        current_app.config["STATS_CACHE_SECONDS"],
        lambda: render_template(
            "stats/_hub_body.html", **pages.hub_page(year, *_sort(), page=page)
        ),
        area=Area.STATS,
    )
    return render_template("stats/dashboard_hub.html", body=body, year=year)


def _svg(data: bytes) -> Response:
    response = Response(data, mimetype="image/svg+xml")
    # pygal styles its SVG with an inline <style>; the image runs no script.
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response


def _own_sales(name: str) -> list[queries.SaleRow]:
    """A refurbisher's sales by buyer, category and year: its only chart and export."""
    if name != "ventes":
        abort(404)
    return queries.sales_by_buyer_category_year(
        current_user.organisation_id, request.args.get("annee", type=int)
    )


@bp.get("/indicateurs/graphiques/<name>.svg")
@member_required
def chart(name: str) -> ResponseReturnValue:
    buyer = _buyer_in_scope()
    if policy.can_see_own_sales(current_user) is None:
        return _svg(charts.sales_chart(_own_sales(name), "Ventes HT par catégorie"))
    year = _year()
    buyer_id = buyer.id if buyer is not None else None
    if name == "categories":
        rows = queries.spend_by_category(year, buyer_id=buyer_id)
        return _svg(charts.category_chart(rows, f"Dépense HT par catégorie, {year}"))
    if name == "mensuel" and buyer_id is not None:
        months = queries.monthly_spend(year, buyer_id=buyer_id)
        return _svg(charts.monthly_chart(months, f"Dépense HT par mois, {year}"))
    if name == "departements" and buyer_id is None:
        departments = queries.indicators_by_department(year)
        return _svg(
            charts.department_chart(departments, f"Part du réemploi par département, {year}")
        )
    abort(404)


@bp.get("/indicateurs/export/<table>.csv")
@member_required
def export(table: str) -> ResponseReturnValue:
    buyer = _buyer_in_scope()
    if policy.can_see_own_sales(current_user) is None:
        rows = _own_sales(table)
        header: tuple[str, ...] = ("annee", "acheteur", "categorie", "quantite", "montant_ht")
        data = [(r.year, r.buyer_name, r.category_label, r.quantity, r.amount) for r in rows]
        return csv_response("ventes.csv", header, data)
    header, data = _table(table, _year(), buyer)
    return csv_response(f"indicateurs-{table}-{_year()}.csv", header, data)


def _table(table: str, year: int, buyer: Organisation | None) -> tuple[tuple[str, ...], list[Any]]:
    buyer_id = buyer.id if buyer is not None else None
    if table == "indicateurs":
        ctx = pages.buyer_page(buyer, year) if buyer else pages.hub_page(year, "nom", False)
        return ("indicateur", "valeur", "unite"), [
            (f.label, f.value, _unit(f.kind)) for f in ctx["figures"]
        ]
    if table == "categories":
        rows = queries.spend_by_category(year, buyer_id=buyer_id)
        return ("categorie", "quantite", "depense_ht", "reemploi_ht", "dons_ht", "autres_ht"), [
            (r.label, r.quantity, r.it_spend, r.reuse_spend, r.donation_spend, r.other_spend)
            for r in rows
        ]
    if table == "mensuel" and buyer_id is not None:
        months = queries.monthly_spend(year, buyer_id=buyer_id)
        return ("mois", "depense_ht", "reemploi_ht"), [
            (m.month, m.it_spend, m.reuse_spend) for m in months
        ]
    if table == "departements" and buyer_id is None:
        return _department_table(queries.indicators_by_department(year))
    if table == "membres" and buyer_id is None:
        percent = pages.hub_page_target(year)
        members = queries.members_against_target(year, percent, *_sort())
        return (
            "organisation", "siret", "departement", "depense_ht", "reemploi_ht", "dons_ht",
            "part_reemploi", "objectif_pourcent", "ecart_ht",
        ), [
            (m.name, m.siret, m.department_code, m.it_spend, m.reuse_spend, m.donation_spend,
             m.reuse_share, m.target_percent, m.gap)
            for m in members
        ]  # fmt: skip
    abort(404)


def _department_table(
    rows: list[queries.DepartmentIndicators],
) -> tuple[tuple[str, ...], list[Any]]:
    return (
        "departement", "acheteurs", "depense_ht", "reemploi_ht", "dons_ht", "recycle_ht",
        "sous_clause_ht", "part_reemploi", "co2e_evite_kg",
    ), [
        (r.department_code, r.buyers, r.it_spend, r.reuse_spend, r.donation_spend,
         r.recycled_spend, r.spend_with_clause, r.reuse_share, r.co2e_avoided_kg)
        for r in rows
    ]  # fmt: skip


def _unit(kind: str) -> str:
    return {"money": "€ HT", "percent": "ratio", "kg": "kg CO2e", "number": ""}[kind]


@bp.get("/indicateurs/declaration/<int:year>.csv")
@role_required(Role.BUYER, Role.COORDINATOR)
def declaration(year: int) -> ResponseReturnValue:
    buyer = _buyer_in_scope()
    return declaration_response(_year(year), buyer, current_user)


@bp.post("/indicateurs/declaration/<int:year>/publiee")
@role_required(Role.BUYER)
def declaration_done(year: int) -> ResponseReturnValue:
    """The buyer states it published its declaration of ``year`` on the national portal."""
    year = _year(year)
    declaration_status.mark_done(year, by=current_user)
    flash(_("Déclaration %(y)s marquée comme publiée.", y=year), "success")
    return redirect(url_for("stats.dashboard", annee=year) + "#declarer")


@bp.get("/indicateurs/declarations")
@role_required(Role.COORDINATOR)
def declarations() -> str:
    """Which members downloaded or published their declaration of the year."""
    year = _year()
    return render_template(
        "stats/declarations.html",
        year=year,
        members=declaration_status.member_declarations(year),
        deadline=declaration_status.deadline(year),
    )


@bp.get("/indicateurs/rapport/<int:year>")
@role_required(Role.BUYER, Role.COORDINATOR)
def report(year: int) -> ResponseReturnValue:
    buyer = _buyer_in_scope()
    if buyer is None:
        return render_template("stats/report.html", **pages.hub_page(_year(year), "nom", False))
    return render_template("stats/report.html", **pages.buyer_page(buyer, _year(year)))


@bp.get("/indicateurs/territoires")
def territories() -> ResponseReturnValue:
    if not current_app.config.get("PUBLIC_DEPARTMENT_STATS"):
        abort(404)
    year = _year()
    return render_template(
        "stats/territories.html", year=year, departments=queries.indicators_by_department(year)
    )
