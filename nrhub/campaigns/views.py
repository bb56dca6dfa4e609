"""Routes of the campaigns area: campaigns (here), offers and orders (sibling modules)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from nrhub.agreements import memberships
from nrhub.agreements import queries as agreement_queries
from nrhub.campaigns import policy, queries, services
from nrhub.campaigns.forms import (
    CallForStockForm,
    CampaignForm,
    CancelCampaignForm,
    CommitOfferForm,
    order_form,
)
from nrhub.campaigns.labels import labels
from nrhub.campaigns.models import Campaign
from nrhub.campaigns.offer_table_views import order_table
from nrhub.catalog.models import Category
from nrhub.clauses.models import Clause
from nrhub.confirmation import render_confirmation
from nrhub.db import utcnow
from nrhub.errors import DomainError, attach_to_form
from nrhub.extensions import db
from nrhub.formatting import paris_date_of, to_paris
from nrhub.security import Role, member_required, role_required

bp = Blueprint("campaigns", __name__, url_prefix="/campagnes")


@bp.get("/")
@role_required(Role.COORDINATOR, Role.REFURBISHER, Role.BUYER)
def index() -> ResponseReturnValue:
    campaigns = queries.list_campaigns_for(current_user)
    counts = queries.counts_by_campaign([c.id for c in campaigns])
    return render_template(
        "campaigns/campaign_list.html", campaigns=campaigns, counts=counts, labels=labels()
    )


@bp.get("/<int:campaign_id>")
@member_required
def detail(campaign_id: int) -> ResponseReturnValue:
    # The campaign, its categories and clauses are kept (queries.campaign_details).
    campaign = queries.shown_campaign_for(current_user, campaign_id)
    return render_detail(campaign)


def render_detail(campaign: Campaign, status: int = 200, **forms: Any) -> ResponseReturnValue:
    """The campaign page for the current person (forms passed in keep their errors)."""
    page = queries.campaign_page(current_user, campaign, utcnow())
    may_order = policy.can_place_order(current_user) is None
    if policy.can_commit_stock(current_user) is None and "commit_form" not in forms:
        forms["commit_form"] = commit_form_for(page.listings)
    # Built for its maintenance choices only: the order table writes the quantity fields.
    if may_order and "order_form" not in forms and page.maintenance:
        forms["order_form"] = order_form(
            page.offers,
            page.my_quantities,
            maintenance=page.maintenance,
            current_maintenance=page.my_maintenance,
        )
    order = forms.pop("order_form", None)
    frame = agreement_queries.lot_with_agreement(campaign.framework_lot_id)
    # Only a buyer orders, and only while its membership covers today.
    covered = not may_order or memberships.shown_as_covered(
        current_user.organisation_id, paris_date_of(utcnow())
    )
    return (
        render_template(
            "campaigns/campaign_detail.html",
            page=page,
            labels=labels(),
            frame=frame,
            near_maximum=agreement_queries.near_maximum,
            covered=covered,
            # Called by the buyer's part of the page only.
            order_rows=lambda: order_table(page, order),
            order_form=order,
            **forms,
        ),
        status,
    )


def commit_form_for(listings: Any) -> CommitOfferForm:
    form = CommitOfferForm()
    form.listing_id.choices = [
        SelectChoice(
            listing.id,
            _(
                "%(title)s (%(sku)s) — %(n)s en stock libre",
                title=listing.title,
                sku=listing.sku,
                n=listing.quantity,
            ),
        )
        for listing in listings
    ]
    return form


def _choices(form: CampaignForm) -> CampaignForm:
    form.category_ids.choices = [
        SelectChoice(c.id, c.label_fr)
        for c in db.session.execute(select(Category).order_by(Category.sort_order)).scalars()
    ]
    form.clause_ids.choices = [
        SelectChoice(c.id, c.title)
        for c in db.session.execute(select(Clause).order_by(Clause.kind, Clause.title)).scalars()
    ]
    form.framework_lot_id.choices = [
        SelectChoice("", _("Hors accord-cadre")),
        *(SelectChoice(lot.id, lot.label) for lot in agreement_queries.lot_choices()),
    ]
    return form


def _form_page(form: CampaignForm, campaign: Campaign | None, status: int) -> ResponseReturnValue:
    return render_template("campaigns/campaign_form.html", form=form, campaign=campaign), status


@bp.route("/nouvelle", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def create() -> ResponseReturnValue:
    form = _choices(CampaignForm())
    if not form.validate_on_submit():
        return _form_page(form, None, 422 if form.is_submitted() else 200)
    try:
        campaign = services.create_campaign(form.data_object(), by=current_user)
    except DomainError as err:
        attach_to_form(form, err)
        return _form_page(form, None, err.status_code)
    flash(_("Campagne créée en préparation."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/modifier", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def edit(campaign_id: int) -> ResponseReturnValue:
    campaign = queries.get_campaign_for(current_user, campaign_id)
    form = _choices(CampaignForm(obj=_form_values(campaign)))
    if not form.validate_on_submit():
        return _form_page(form, campaign, 422 if form.is_submitted() else 200)
    try:
        services.update_campaign(campaign, form.data_object(), by=current_user)
    except DomainError as err:
        attach_to_form(form, err)
        return _form_page(form, campaign, err.status_code)
    flash(_("Campagne enregistrée."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


class _Values:
    def __init__(self, campaign: Campaign) -> None:
        self.title = campaign.title
        self.description = campaign.description
        self.opens_at = to_paris(campaign.opens_at).replace(tzinfo=None)
        self.closes_at = to_paris(campaign.closes_at).replace(tzinfo=None)
        self.delivery_from = campaign.delivery_from
        self.delivery_to = campaign.delivery_to
        self.category_ids = [c.id for c in campaign.categories]
        self.clause_ids = [c.id for c in campaign.clauses]
        self.framework_lot_id = campaign.framework_lot_id


def _form_values(campaign: Campaign) -> _Values:
    return _Values(campaign)


@contextmanager
def undone_if_refused() -> Iterator[None]:
    """Run a use case whose refusal the page reports with a message and a redirect, an
    answer that the request's unit of work commits: in a savepoint, so that a refusal
    undoes whatever the use case had written before refusing."""
    with db.session.begin_nested():
        yield


def _transition(campaign_id: int, action: Any, message: str) -> ResponseReturnValue:
    campaign = queries.get_campaign_for(current_user, campaign_id)
    try:
        with undone_if_refused():
            action(campaign, by=current_user)
    except DomainError as err:
        flash(str(err), "error")
    else:
        flash(message, "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/appel-de-stock", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def publish_call(campaign_id: int) -> ResponseReturnValue:
    form = CallForStockForm()
    return _form_transition(
        campaign_id,
        form,
        "campaigns/campaign_call.html",
        lambda campaign: services.publish_call(campaign, form.due_at(), by=current_user),
        _("Appel de stock publié ; les reconditionneurs concernés ont été prévenus."),
    )


@bp.post("/<int:campaign_id>/ouvrir")
@role_required(Role.COORDINATOR)
def open_(campaign_id: int) -> ResponseReturnValue:
    return _transition(
        campaign_id,
        services.open_campaign,
        _("Commandes ouvertes ; les collectivités membres ont été prévenues."),
    )


@bp.route("/<int:campaign_id>/cloturer", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def close(campaign_id: int) -> ResponseReturnValue:
    if request.method == "POST":
        return _transition(campaign_id, services.close_campaign, _("Campagne clôturée."))
    campaign = queries.get_campaign_for(current_user, campaign_id)
    return render_confirmation(
        title=_("Clôturer les commandes de « %(title)s » ?", title=campaign.title),
        explanations=[
            _(
                "Les collectivités ne pourront plus modifier leurs commandes, qui seront "
                "consolidées ; les offres encore en attente de décision seront refusées et "
                "leurs unités rendues aux reconditionneurs."
            ),
            _("La clôture ne peut pas être annulée."),
        ],
        action=url_for("campaigns.close", campaign_id=campaign_id),
        button=_("Clôturer les commandes"),
        back=url_for("campaigns.detail", campaign_id=campaign_id),
    )


@bp.route("/<int:campaign_id>/annuler", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def cancel(campaign_id: int) -> ResponseReturnValue:
    form = CancelCampaignForm()
    return _form_transition(
        campaign_id,
        form,
        "campaigns/campaign_cancel.html",
        lambda campaign: services.cancel_campaign(
            campaign, form.reason.data or "", by=current_user
        ),
        _("Campagne annulée ; les participants ont été prévenus."),
    )


def _form_transition(
    campaign_id: int,
    form: Any,
    page: str,
    action: Callable[[Campaign], object],
    message: str,
) -> ResponseReturnValue:
    """A state change asked through a form of its own (the call's deadline, the reason of
    a cancellation): the form again with its errors, or the campaign with ``message``."""
    campaign = queries.get_campaign_for(current_user, campaign_id)
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template(page, form=form, campaign=campaign), status
    try:
        action(campaign)
    except DomainError as err:
        attach_to_form(form, err)
        return render_template(page, form=form, campaign=campaign), err.status_code
    flash(message, "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))
