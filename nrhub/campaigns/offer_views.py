"""Routes of campaign offers: refurbishers commit stock, coordinators decide."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from nrhub.campaigns import offers as offer_services
from nrhub.campaigns import queries
from nrhub.campaigns.forms import OfferQuantityForm
from nrhub.campaigns.views import bp, commit_form_for, render_detail, undone_if_refused
from nrhub.db import utcnow
from nrhub.errors import DomainError, NotFoundError
from nrhub.security import Role, role_required


def _back(campaign_id: int) -> ResponseReturnValue:
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id) + "#offres")


@bp.post("/<int:campaign_id>/offres")
@role_required(Role.REFURBISHER)
def commit_offer(campaign_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign_for(current_user, campaign_id)
    form = commit_form_for(queries.committable_listings(campaign, current_user.organisation_id))
    if not form.validate_on_submit():
        return render_detail(campaign, 422, commit_form=form)
    try:
        with undone_if_refused():
            offer_services.commit_offer(
                campaign,
                form.listing_id.data,
                form.committed_quantity.data or 0,  # InputRequired: never None here
                tiers=form.tier_list(),
                by=current_user,
            )
    except NotFoundError:
        raise
    except DomainError as err:
        flash(str(err), "error")
        return _back(campaign_id)
    flash(_("Stock engagé dans la campagne ; la coordination va examiner votre offre."), "success")
    return _back(campaign_id)


@bp.post("/<int:campaign_id>/offres/<int:offer_id>/quantite")
@role_required(Role.REFURBISHER)
def change_offer(campaign_id: int, offer_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign_for(current_user, campaign_id)
    offer = queries.get_offer(campaign, offer_id, refurbisher_id=current_user.organisation_id)
    form = OfferQuantityForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for e in form.committed_quantity.errors), "error")
        return _back(campaign_id)
    try:
        with undone_if_refused():
            offer_services.change_offer_quantity(
                offer, form.committed_quantity.data or 0, by=current_user
            )
    except DomainError as err:
        flash(str(err), "error")
    else:
        flash(_("Quantité engagée modifiée."), "success")
    return _back(campaign_id)


@bp.post("/<int:campaign_id>/offres/<int:offer_id>/retirer")
@role_required(Role.REFURBISHER)
def withdraw_offer(campaign_id: int, offer_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign_for(current_user, campaign_id)
    offer = queries.get_offer(campaign, offer_id, refurbisher_id=current_user.organisation_id)
    try:
        with undone_if_refused():
            offer_services.withdraw_offer(offer, by=current_user, now=utcnow())
    except DomainError as err:
        flash(str(err), "error")
    else:
        flash(_("Offre retirée ; les unités sont revenues dans votre stock libre."), "success")
    return _back(campaign_id)


def _decide(campaign_id: int, offer_id: int, accept: bool) -> ResponseReturnValue:
    campaign = queries.get_campaign_for(current_user, campaign_id)
    offer = queries.get_offer(campaign, offer_id)
    try:
        with undone_if_refused():
            offer_services.decide_offer(offer, accept, by=current_user)
    except DomainError as err:
        flash(str(err), "error")
    else:
        flash(_("Offre acceptée.") if accept else _("Offre refusée."), "success")
    return _back(campaign_id)


@bp.post("/<int:campaign_id>/offres/<int:offer_id>/accepter")
@role_required(Role.COORDINATOR)
def accept_offer(campaign_id: int, offer_id: int) -> ResponseReturnValue:
    return _decide(campaign_id, offer_id, True)


@bp.post("/<int:campaign_id>/offres/<int:offer_id>/refuser")
@role_required(Role.COORDINATOR)
def refuse_offer(campaign_id: int, offer_id: int) -> ResponseReturnValue:
    return _decide(campaign_id, offer_id, False)
