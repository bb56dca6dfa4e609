"""Routes of the catalogue: public browsing, and the refurbishers' own listings."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from nrhub.catalog import browse, card_views, importing, origins, queries, services
from nrhub.catalog.forms import (
    GRADE_LABELS,
    INSERTION_LABELS,
    LEGAL_FORM_LABELS,
    STATE_LABELS,
    CatalogueFilterForm,
    ImportForm,
    ListingForm,
)
from nrhub.catalog.models import Listing, ListingPhoto, ListingStatus
from nrhub.catalog.queries import Sort
from nrhub.errors import DomainError, ValidationError
from nrhub.extensions import db
from nrhub.formatting import current_language
from nrhub.navigation import visitor_kind
from nrhub.organisations import communes
from nrhub.organisations.communes import Point
from nrhub.organisations.models import Organisation
from nrhub.photos import PhotoForm, is_stored_name, names_of, read_photo, send_photo
from nrhub.security import Role, role_required
from nrhub.spreadsheets import csv_response
from nrhub.templating import placeholder
from nrhub.uploads import read_upload

bp = Blueprint("catalog", __name__)
bp.add_app_template_global(card_views.card_texts, "card_texts")

STATUS_LABELS = {
    ListingStatus.DRAFT: "Brouillon",
    ListingStatus.PUBLISHED: "Publiée",
    ListingStatus.ARCHIVED: "Archivée",
}


@bp.app_context_processor
def _catalog_labels() -> dict[str, Any]:
    return {
        "grade_labels": GRADE_LABELS,
        "state_labels": STATE_LABELS,
        "legal_form_labels": LEGAL_FORM_LABELS,
        "insertion_labels": INSERTION_LABELS,
        "listing_status_labels": STATUS_LABELS,
    }


def prices_visible() -> bool:
    """Prices show to everyone, or only to members when the hub so configures."""
    if current_app.config.get("CATALOGUE_PRICES_PUBLIC", True):
        return True
    return bool(current_user.is_authenticated and current_user.is_active_member)


# Stands for the CSRF token in a kept page.
CSRF_PLACEHOLDER = placeholder("csrf")


def _viewer_place() -> Point | None:
    """Where a member's organisation is, for the "nearest" sort; None for anyone else."""
    if current_user.is_authenticated and current_user.is_active_member:
        org = current_user.organisation
        return communes.locate(org.postcode, org.city, org.department_code)
    return None


def _page_arg() -> int:
    page = request.args.get("page", 1, type=int)  # ASCII digits (nrhub.validation)
    return page if 0 < page < 100_000 else 1


# ----------------------------------------------------------------------------- public


@bp.get("/catalogue")
def index() -> ResponseReturnValue:
    """The page shell per request; the filters and results from a short-lived cache
    (see :mod:`nrhub.catalog.browse`: stock may show up to CATALOGUE_CACHE_SECONDS old)."""
    near = _viewer_place()
    show_prices = prices_visible()
    key = browse.block_key(current_language(), show_prices, near, request.args)

    def page(**context: Any) -> str:
        block = browse.cached_block(key, lambda: _catalogue_block(near, show_prices))
        return render_template("catalog/catalogue.html", block=block, **context)

    if "_flashes" in session:
        return page()
    # Around the results, a page holds nothing of a person but its navigation (by kind of
    # visitor) and the CSRF token of its forms: kept whole, by its address as typed (the
    # language form sends it back), the token put in for each request.
    kept = browse.cached_block(
        f"{key}:page:{visitor_kind()}:{request.full_path}",
        lambda: page(csrf_token=lambda: CSRF_PLACEHOLDER),
    )
    return kept.replace(CSRF_PLACEHOLDER, generate_csrf())


def _catalogue_block(near: Point | None, show_prices: bool) -> str:
    places = browse.refurbisher_places()
    form = CatalogueFilterForm(
        request.args,
        categories=browse.category_choices(current_language()),
        locations=browse.refurbisher_locations(places),
        prices_visible=show_prices,
        can_sort_nearest=near is not None,
    )
    filters = form.filters(_page_arg())
    # The "nearest" sort orders by, and shows, the distance to each refurbisher.
    distances = (
        browse.distances(near, places) if near is not None and filters.sort == Sort.NEAREST else {}
    )
    page = queries.search_catalogue(filters, distances=distances)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "catalog/_catalogue_block.html",
        form=form,
        page=page,
        args=args,
        show_prices=show_prices,
        distances=distances,
    )


@bp.get("/catalogue/<int:listing_id>")
def detail(listing_id: int) -> ResponseReturnValue:
    listing = queries.get_visible_listing(listing_id, current_user)
    return render_template(
        "catalog/listing_detail.html",
        listing=listing,
        show_prices=prices_visible(),
        donor=origins.donor_of_listing(listing),
    )


@bp.get("/reconditionneurs/<int:refurbisher_id>")
def refurbisher_profile(refurbisher_id: int) -> ResponseReturnValue:
    refurbisher = queries.get_public_refurbisher(refurbisher_id)
    listings = queries.list_published(refurbisher_id=refurbisher.id)
    return render_template(
        "catalog/refurbisher_profile.html",
        refurbisher=refurbisher,
        listings=listings,
        show_prices=prices_visible(),
    )


@bp.get("/catalogue/photos/<name>")
def photo(name: str) -> ResponseReturnValue:
    """A stored photo or thumbnail, with the Content-Type found when it was decoded."""
    if not is_stored_name(name):
        abort(404)
    row = db.session.execute(
        select(ListingPhoto.content_type, Listing.status, Listing.refurbisher_id, Organisation)
        .join(Listing, Listing.id == ListingPhoto.listing_id)
        .join(Organisation, Organisation.id == Listing.refurbisher_id)
        .where(names_of(ListingPhoto, name))
    ).first()
    if row is None:
        abort(404)
    content_type, status, owner_id, refurbisher = row
    own = current_user.is_authenticated and current_user.organisation_id == owner_id
    public = status == ListingStatus.PUBLISHED and refurbisher.is_active
    if not own and not public:
        abort(404)
    # A draft's photo: no shared cache may keep it.
    return send_photo(name, content_type, max_age=86400, public=public)


# ----------------------------------------------------------------------------- refurbishers


@bp.get("/reconditionneur/offres")
@role_required(Role.REFURBISHER)
def my_listings() -> ResponseReturnValue:
    status = request.args.get("statut", "")
    chosen = ListingStatus(status) if status in set(ListingStatus) else None
    text = request.args.get("q", "").strip()[:100]
    return render_template(
        "catalog/my_listings.html",
        listings=queries.list_for_refurbisher(current_user.organisation_id, chosen, text),
        counts=queries.count_by_status(current_user.organisation_id),
        status=chosen,
        text=text,
    )


def _picked_up_lots() -> list[tuple[int, str]]:
    """The donated lots the refurbisher picked up: the origins a listing may name."""
    return origins.lots_picked_up_by(current_user.organisation_id)


def _render_listing_form(
    form: ListingForm, listing: Listing | None, status: int = 200
) -> ResponseReturnValue:
    return render_template("catalog/listing_form.html", form=form, listing=listing), status


@bp.route("/reconditionneur/offres/nouvelle", methods=["GET", "POST"])
@role_required(Role.REFURBISHER)
def create() -> ResponseReturnValue:
    form = ListingForm(
        categories=browse.category_choices(current_language()), lots=_picked_up_lots()
    )
    if not form.validate_on_submit():
        return _render_listing_form(form, None, 422 if request.method == "POST" else 200)
    try:
        listing = services.create_listing(
            form.listing_data,
            by=current_user,
            publish=bool(form.publish.data),
            donation_lot_id=form.donation_lot_value,
        )
    except services.ListingValidationError as err:
        form.attach_errors(err.errors)
        return _render_listing_form(form, None, 422)
    flash(_("Offre « %(title)s » enregistrée.", title=listing.title), "success")
    return redirect(url_for("catalog.my_listings"))


@bp.route("/reconditionneur/offres/<int:listing_id>/modifier", methods=["GET", "POST"])
@role_required(Role.REFURBISHER)
def edit(listing_id: int) -> ResponseReturnValue:
    listing = queries.get_listing_for_refurbisher(current_user, listing_id)
    form = ListingForm(
        categories=browse.category_choices(current_language()),
        lots=_picked_up_lots(),
        data=services.listing_form_values(listing),
    )
    del form.publish
    if request.method == "GET":
        form.set_tiers([(t.min_quantity, t.unit_price) for t in listing.tiers])
        form.donation_lot_id.data = str(listing.donation_lot_id or "")
    if not form.validate_on_submit():
        return _render_listing_form(form, listing, 422 if request.method == "POST" else 200)
    try:
        services.update_listing(
            listing, form.listing_data, by=current_user, donation_lot_id=form.donation_lot_value
        )
    except services.ListingValidationError as err:
        form.attach_errors(err.errors)
        return _render_listing_form(form, listing, 422)
    flash(_("Offre « %(title)s » mise à jour.", title=listing.title), "success")
    return redirect(url_for("catalog.edit", listing_id=listing.id))


@bp.post("/reconditionneur/offres/<int:listing_id>/publier")
@role_required(Role.REFURBISHER)
def publish(listing_id: int) -> ResponseReturnValue:
    listing = queries.get_listing_for_refurbisher(current_user, listing_id)
    services.publish_listing(listing, by=current_user)
    flash(_("Offre « %(title)s » publiée dans le catalogue.", title=listing.title), "success")
    return redirect(url_for("catalog.my_listings"))


@bp.post("/reconditionneur/offres/<int:listing_id>/archiver")
@role_required(Role.REFURBISHER)
def archive(listing_id: int) -> ResponseReturnValue:
    listing = queries.get_listing_for_refurbisher(current_user, listing_id)
    services.archive_listing(listing, by=current_user)
    flash(
        _("Offre « %(title)s » archivée : elle n'apparaît plus au catalogue.", title=listing.title),
        "info",
    )
    return redirect(url_for("catalog.my_listings"))


@bp.route("/reconditionneur/offres/<int:listing_id>/photos", methods=["GET", "POST"])
@role_required(Role.REFURBISHER)
def photos(listing_id: int) -> ResponseReturnValue:
    listing = queries.get_listing_for_refurbisher(current_user, listing_id)
    form = PhotoForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_photo(
                listing,
                read_photo(form.photo.data),
                by=current_user,
                alt_text=form.alt_text.data or "",
            )
        except ValidationError as err:
            form.photo.errors = [*form.photo.errors, str(err)]
            status = 422
        else:
            flash(_("Photo ajoutée."), "success")
            return redirect(url_for("catalog.photos", listing_id=listing.id))
    elif request.method == "POST":
        status = 422
    return render_template("catalog/listing_photos.html", form=form, listing=listing), status


@bp.post("/reconditionneur/offres/<int:listing_id>/photos/<int:photo_id>/supprimer")
@role_required(Role.REFURBISHER)
def delete_photo(listing_id: int, photo_id: int) -> ResponseReturnValue:
    listing = queries.get_listing_for_refurbisher(current_user, listing_id)
    services.remove_photo(listing, photo_id, by=current_user)
    flash(_("Photo supprimée."), "info")
    return redirect(url_for("catalog.photos", listing_id=listing.id))


# ----------------------------------------------------------------------------- stock import


@bp.route("/reconditionneur/offres/import", methods=["GET", "POST"])
@role_required(Role.REFURBISHER)
def import_stock() -> ResponseReturnValue:
    form = ImportForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return _import_page(form, None), status
    upload = form.file.data
    try:
        preview = services.preview_import(
            read_upload(upload), upload.filename or "", by=current_user
        )
    except ValidationError as err:
        form.file.errors = [*form.file.errors, str(err)]
        return _import_page(form, None), 422
    status = 422 if preview.errors else 200
    return _import_page(ImportForm(formdata=None), preview), status


def _import_page(form: ImportForm, preview: Any) -> str:
    return render_template(
        "catalog/import.html",
        form=form,
        preview=preview,
        shown=importing.SHOWN_LINES,
        columns=importing.column_help(),
        clear_marker=importing.CLEAR_MARKER,
    )


@bp.post("/reconditionneur/offres/import/appliquer")
@role_required(Role.REFURBISHER)
def import_apply() -> ResponseReturnValue:
    try:
        result = services.apply_import(request.form.get("token", ""), by=current_user)
    except DomainError as err:
        flash(str(err), "error")
        return redirect(url_for("catalog.import_stock"))
    flash(
        _(
            "Import appliqué : %(created)s offre(s) créée(s), %(updated)s mise(s) à jour, "
            "%(unchanged)s inchangée(s).",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("catalog.my_listings"))


@bp.get("/reconditionneur/offres/import/modele.csv")
@role_required(Role.REFURBISHER)
def import_template() -> ResponseReturnValue:
    header, rows = importing.template_rows()
    return csv_response("modele-import-stock-nrhub.csv", header, rows)
