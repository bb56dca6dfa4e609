"""Routes of buyers' orders in a campaign."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from nrhub.campaigns import orders as order_services
from nrhub.campaigns import queries
from nrhub.campaigns.forms import order_form
from nrhub.campaigns.labels import labels
from nrhub.campaigns.views import bp, render_detail, undone_if_refused
from nrhub.catalog.maintenance import active_by_listing
from nrhub.confirmation import render_confirmation
from nrhub.db import utcnow
from nrhub.errors import DomainError
from nrhub.security import Role, member_required, role_required


@bp.post("/<int:campaign_id>/commande")
@role_required(Role.BUYER)
def place_order(campaign_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign_for(current_user, campaign_id)
    offers = queries.offer_figures(campaign.id)
    maintenance = active_by_listing(o.listing_id for o in offers)
    form = order_form(offers, {}, maintenance=maintenance)
    if not form.validate_on_submit():
        return render_detail(campaign, 422, order_form=form)
    try:
        with undone_if_refused():
            order_services.place_order(
                campaign,
                form.quantities(),
                by=current_user,
                now=utcnow(),
                maintenance=form.maintenance(),
            )
    except DomainError as err:
        flash(str(err), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign_id))
    flash(_("Commande enregistrée."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id) + "#ma-commande")


@bp.get("/<int:campaign_id>/commandes/<int:order_id>")
@member_required
def order_detail(campaign_id: int, order_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign_for(current_user, campaign_id)
    order = queries.get_order_for(current_user, campaign, order_id)
    figures = queries.offer_figures(campaign.id, statuses=None)
    offers = {o.offer_id: o for o in figures}
    quantities = {line.offer_id: line.quantity for line in order.lines}
    return render_template(
        "campaigns/order_detail.html",
        campaign=campaign,
        order=order,
        offers=offers,
        estimate=queries.estimate_order(figures, quantities),
        history=queries.order_history(order.id),
        labels=labels(),
        ordering_open=campaign.is_open_at(utcnow()),
    )


@bp.route("/<int:campaign_id>/commandes/<int:order_id>/annuler", methods=["GET", "POST"])
@role_required(Role.BUYER)
def cancel_order(campaign_id: int, order_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign_for(current_user, campaign_id)
    order = queries.get_order_for(current_user, campaign, order_id)
    if request.method == "GET":
        return render_confirmation(
            title=_("Annuler votre commande dans « %(title)s » ?", title=campaign.title),
            explanations=[
                _(
                    "Toutes les lignes de votre commande seront retirées. Tant que la campagne "
                    "est ouverte, vous pourrez commander de nouveau."
                )
            ],
            action=url_for("campaigns.cancel_order", campaign_id=campaign_id, order_id=order_id),
            button=_("Annuler ma commande"),
            back=url_for("campaigns.detail", campaign_id=campaign_id) + "#ma-commande",
        )
    try:
        with undone_if_refused():
            order_services.cancel_order(order, by=current_user, now=utcnow())
    except DomainError as err:
        flash(str(err), "error")
    else:
        flash(_("Commande annulée."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))
