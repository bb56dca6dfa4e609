"""Routes of the consolidation area: consolidation, purchase orders, deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from nrhub.campaigns import calloffs
from nrhub.campaigns.models import CampaignState
from nrhub.confirmation import render_confirmation
from nrhub.consolidation import labels, queries, services
from nrhub.consolidation.exports import delivery_csv, purchase_order_csv
from nrhub.consolidation.forms import (
    ConfirmForm,
    NotDeliveredForm,
    OverrideForm,
    ShipForm,
    parse_rule,
    receipt_form,
    rule_choices,
)
from nrhub.consolidation.models import Delivery, DeliveryStatus
from nrhub.db import utcnow
from nrhub.errors import DomainError, attach_to_form
from nrhub.formatting import paris_date_of
from nrhub.security import Role, role_required

bp = Blueprint("consolidation", __name__)


@bp.context_processor
def _labels() -> dict[str, object]:
    return {"labels": labels}


# --- Consolidation (coordinators) -------------------------------------------------------


@bp.get("/campagnes/<int:campaign_id>/consolidation")
@role_required(Role.COORDINATOR)
def consolidate(campaign_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign(campaign_id)
    consolidation = queries.get_consolidation(campaign_id)
    if consolidation is not None:
        return render_template(
            "consolidation/consolidation_done.html",
            campaign=campaign,
            consolidation=consolidation,
            overridden=queries.count_overridden_allocations(campaign_id),
            purchase_orders=queries.list_purchase_orders_for(current_user, campaign_id),
        )
    if campaign.state != CampaignState.CLOSED:
        return render_template(
            "consolidation/consolidation_unavailable.html", campaign=campaign
        ), 409
    rule = parse_rule(request.args.get("regle"))
    return render_template(
        "consolidation/consolidation_preview.html",
        campaign=campaign,
        preview=services.preview_consolidation(campaign, rule),
        rule=rule,
        rules=rule_choices(),
        form=ConfirmForm(rule=rule.value),
    )


@bp.route(
    "/campagnes/<int:campaign_id>/consolidation/lignes/<int:line_id>/ajustement",
    methods=["GET", "POST"],
)
@role_required(Role.COORDINATOR)
def override(campaign_id: int, line_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign(campaign_id)
    rule = parse_rule(request.values.get("rule") or request.args.get("regle"))
    offer, line = services.preview_consolidation(campaign, rule).find_line(line_id)
    form = OverrideForm(rule=rule.value)
    page = {"campaign": campaign, "offer": offer, "line": line, "rule": rule, "form": form}
    if request.method == "GET":
        form.quantity.data = line.quantity
        return render_template("consolidation/override_form.html", **page)
    if not form.validate():
        return render_template("consolidation/override_form.html", **page), 422
    try:
        services.set_override(
            campaign, line_id, form.quantity.data or 0, form.reason.data, rule=rule, by=current_user
        )
    except DomainError as err:
        attach_to_form(form, err)
        return render_template("consolidation/override_form.html", **page), err.status_code
    flash(_("Ajustement enregistré."), "success")
    return redirect(url_for(".consolidate", campaign_id=campaign_id, regle=rule.value))


@bp.post("/campagnes/<int:campaign_id>/consolidation/lignes/<int:line_id>/ajustement/suppression")
@role_required(Role.COORDINATOR)
def remove_override(campaign_id: int, line_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign(campaign_id)
    services.remove_override(campaign, line_id, by=current_user)
    flash(_("Ajustement supprimé : la règle s'applique de nouveau à cette ligne."), "success")
    rule = parse_rule(request.form.get("rule"))
    return redirect(url_for(".consolidate", campaign_id=campaign_id, regle=rule.value))


@bp.route("/campagnes/<int:campaign_id>/consolidation/confirmation", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def confirm(campaign_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign(campaign_id)
    if request.method == "GET":
        rule = parse_rule(request.args.get("rule"))
        return render_confirmation(
            title=_("Confirmer la consolidation de « %(title)s » ?", title=campaign.title),
            explanations=[
                _("Règle d'attribution : %(rule)s.", rule=labels.rule(rule)),
                _(
                    "La confirmation enregistre les attributions, émet un bon de commande par "
                    "reconditionneur, rend au stock les unités non attribuées et prévient chaque "
                    "acheteur et chaque reconditionneur. Elle ne peut pas être annulée."
                ),
            ],
            action=url_for(".confirm", campaign_id=campaign_id),
            button=_("Confirmer la consolidation"),
            back=url_for(".consolidate", campaign_id=campaign_id, regle=rule.value),
            hidden={"rule": rule.value},
        )
    form = ConfirmForm()
    if not form.validate():
        return redirect(url_for(".consolidate", campaign_id=campaign_id))
    try:
        result = services.confirm_consolidation(
            campaign, parse_rule(form.rule.data), by=current_user
        )
    except DomainError as err:
        flash(str(err), "error")
        return redirect(url_for(".consolidate", campaign_id=campaign_id))
    if result.created:
        flash(
            _(
                "Campagne consolidée : %(n)s bon(s) de commande émis.",
                n=len(result.purchase_order_ids),
            ),
            "success",
        )
    else:
        flash(_("Cette campagne était déjà consolidée : rien n'a changé."), "info")
    return redirect(url_for(".consolidate", campaign_id=campaign_id))


# --- Purchase orders --------------------------------------------------------------------


@bp.get("/bons-de-commande")
@role_required(Role.REFURBISHER, Role.COORDINATOR)
def purchase_orders() -> ResponseReturnValue:
    return render_template(
        "consolidation/purchase_order_list.html",
        purchase_orders=queries.list_purchase_orders_for(current_user),
    )


@bp.get("/bons-de-commande/<int:purchase_order_id>")
@role_required(Role.REFURBISHER, Role.COORDINATOR)
def purchase_order(purchase_order_id: int) -> ResponseReturnValue:
    purchase_order = queries.get_purchase_order_for(current_user, purchase_order_id)
    return render_template(
        "consolidation/purchase_order_detail.html",
        purchase_order=purchase_order,
        lines=(lines := queries.purchase_order_lines(purchase_order)),
        totals=queries.document_total(lines),
        breakdown=queries.purchase_order_breakdown(purchase_order),
        frame=calloffs.call_off_frame(purchase_order.campaign_id),
    )


@bp.get("/bons-de-commande/<int:purchase_order_id>.csv")
@role_required(Role.REFURBISHER, Role.COORDINATOR)
def purchase_order_export(purchase_order_id: int) -> ResponseReturnValue:
    return purchase_order_csv(queries.get_purchase_order_for(current_user, purchase_order_id))


# --- Deliveries -------------------------------------------------------------------------


@bp.get("/livraisons")
@role_required(Role.BUYER, Role.REFURBISHER, Role.COORDINATOR)
def deliveries() -> ResponseReturnValue:
    return render_template(
        "consolidation/delivery_list.html", deliveries=queries.list_deliveries_for(current_user)
    )


@bp.get("/livraisons/<int:delivery_id>")
@role_required(Role.BUYER, Role.REFURBISHER, Role.COORDINATOR)
def delivery(delivery_id: int) -> ResponseReturnValue:
    delivery = queries.get_delivery_for(current_user, delivery_id)
    return _delivery_page(delivery, ShipForm(shipped_on=_today()), receipt_form(delivery))


@bp.get("/livraisons/<int:delivery_id>.csv")
@role_required(Role.BUYER, Role.REFURBISHER, Role.COORDINATOR)
def delivery_export(delivery_id: int) -> ResponseReturnValue:
    return delivery_csv(queries.get_delivery_for(current_user, delivery_id))


@bp.post("/livraisons/<int:delivery_id>/expedition")
@role_required(Role.REFURBISHER)
def ship(delivery_id: int) -> ResponseReturnValue:
    delivery = queries.get_delivery_for(current_user, delivery_id)
    form = ShipForm()
    if not form.validate():
        return _delivery_page(delivery, form, receipt_form(delivery, formdata=None), 422)
    try:
        services.ship_delivery(delivery, form.shipped_on.data, form.serials.data, by=current_user)
    except DomainError as err:
        attach_to_form(form, err)
        return _delivery_page(
            delivery, form, receipt_form(delivery, formdata=None), err.status_code
        )
    flash(_("Livraison marquée comme expédiée ; l'acheteur est prévenu."), "success")
    return redirect(url_for(".delivery", delivery_id=delivery_id))


@bp.post("/livraisons/<int:delivery_id>/reception")
@role_required(Role.BUYER)
def receive(delivery_id: int) -> ResponseReturnValue:
    delivery = queries.get_delivery_for(current_user, delivery_id)
    form = receipt_form(delivery)
    ship_form = ShipForm(formdata=None)
    if not form.validate():
        return _delivery_page(delivery, ship_form, form, 422)
    try:
        services.confirm_receipt(
            delivery, form.received_on.data, form.quantities(), form.comment.data, by=current_user
        )
    except DomainError as err:
        attach_to_form(form, err)
        return _delivery_page(delivery, ship_form, form, err.status_code)
    if delivery.status == DeliveryStatus.PARTIAL:
        flash(
            _(
                "Réception partielle enregistrée dans vos dépenses ; la livraison reste ouverte "
                "pour les unités encore attendues."
            ),
            "success",
        )
    else:
        flash(
            _("Réception confirmée : le service fait est enregistré dans vos dépenses."),
            "success",
        )
    return redirect(url_for(".delivery", delivery_id=delivery_id))


@bp.post("/livraisons/<int:delivery_id>/non-livre")
@role_required(Role.BUYER)
def not_delivered(delivery_id: int) -> ResponseReturnValue:
    delivery = queries.get_delivery_for(current_user, delivery_id)
    form = NotDeliveredForm()
    if not form.validate():
        return _delivery_page(delivery, status=422, missing_form=form)
    try:
        services.record_not_delivered(delivery, form.reason.data or "", by=current_user)
    except DomainError as err:
        attach_to_form(form, err)
        return _delivery_page(delivery, status=err.status_code, missing_form=form)
    flash(
        _(
            "Unités manquantes enregistrées comme non livrées : la livraison est close et les "
            "montants du bon de commande sont ajustés."
        ),
        "success",
    )
    return redirect(url_for(".delivery", delivery_id=delivery_id))


# --- Helpers ----------------------------------------------------------------------------


def _today() -> dt.date:
    return paris_date_of(utcnow())


def _delivery_page(
    delivery: Delivery,
    ship_form: Any = None,
    receipt: Any = None,
    status: int = 200,
    missing_form: NotDeliveredForm | None = None,
) -> ResponseReturnValue:
    ship_form = ship_form or ShipForm(formdata=None)
    receipt = receipt or receipt_form(delivery, formdata=None)
    lines = queries.delivery_lines(delivery)
    if receipt.received_on.data is None and not receipt.errors:
        receipt.received_on.data = _today()
    return (
        render_template(
            "consolidation/delivery_detail.html",
            delivery=delivery,
            lines=lines,
            totals=queries.document_total(lines),
            received_totals=queries.received_total(lines),
            ship_form=ship_form,
            receipt_form=receipt,
            missing_form=missing_form or NotDeliveredForm(formdata=None),
            frame=calloffs.call_off_frame(delivery.campaign_id),
        ),
        status,
    )
