"""Creating, editing, publishing and archiving listings (services and forms)."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from nrhub.audit.models import AuditEvent
from nrhub.catalog import services
from nrhub.catalog.models import Listing, ListingStatus, PriceTier
from nrhub.catalog.queries import get_listing_for_refurbisher
from nrhub.catalog.rules import ListingData, TierData
from nrhub.errors import ConflictError, NotFoundError, PermissionDeniedError
from nrhub.extensions import db
from tests.catalog.conftest import VALID_FORM, draft, make_listing
from tests.conftest import login


def _data(**overrides) -> ListingData:
    values = dict(
        category_code="laptop",
        sku="T480-A",
        brand="Lenovo",
        model="ThinkPad T480",
        grade="A",
        quantity=25,
        unit_price=Decimal("289.00"),
        tiers=(TierData(10, Decimal("275.00")),),
    )
    values.update(overrides)
    return ListingData(**values)


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _actions() -> list[str]:
    return list(db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


def test_create_listing_as_draft_with_tiers_and_audit(people):
    listing = services.create_listing(_data(), by=people.refurbisher)
    assert listing.status == ListingStatus.DRAFT
    assert listing.refurbisher_id == people.refurbisher.organisation_id
    tiers = db.session.execute(select(PriceTier.min_quantity, PriceTier.unit_price)).all()
    assert tiers == [(10, Decimal("275.00"))]
    assert _actions() == ["listing.created"]


def test_create_listing_refused_for_buyer(people):
    with pytest.raises(PermissionDeniedError):
        services.create_listing(_data(), by=people.buyer)
    assert _count(Listing) == 0


def test_duplicate_sku_gets_french_message_not_integrity_error(people):
    services.create_listing(_data(), by=people.refurbisher)
    with pytest.raises(services.ListingValidationError) as err:
        services.create_listing(_data(model="Autre"), by=people.colleague)
    assert err.value.errors == {
        "sku": "La référence « T480-A » est déjà utilisée par une autre de vos offres."
    }
    assert _count(Listing) == 1


def test_same_sku_allowed_for_another_refurbisher(people):
    services.create_listing(_data(), by=people.refurbisher)
    services.create_listing(_data(), by=people.other_refurbisher)
    assert _count(Listing) == 2


def test_unknown_category_refused(people):
    with pytest.raises(services.ListingValidationError) as err:
        services.create_listing(_data(category_code="fusee"), by=people.refurbisher)
    assert err.value.errors == {"category_code": "Catégorie inconnue."}
    assert _count(Listing) == 0


def test_update_listing_audits_quantity_and_price_with_old_and_new(people):
    listing = services.create_listing(_data(), by=people.refurbisher)
    listing = get_listing_for_refurbisher(people.refurbisher, listing.id)
    services.update_listing(
        listing,
        _data(quantity=18, unit_price=Decimal("279.00"), description="Neuf"),
        by=people.refurbisher,
    )
    events = {
        e.action: e.details
        for e in db.session.execute(select(AuditEvent)).scalars()
        if e.action != "listing.created"
    }
    assert events["listing.quantity_changed"] == {"old": 25, "new": 18}
    assert events["listing.price_changed"]["old"] == "289.00"
    assert events["listing.price_changed"]["new"] == "279.00"
    assert events["listing.updated"] == {"fields": ["description", "unit_price"]}
    db.session.expire_all()
    stored = db.session.get(Listing, listing.id)
    assert (stored.quantity, stored.unit_price) == (18, Decimal("279.00"))


def test_update_listing_replaces_tiers_with_same_minimum(people):
    listing = services.create_listing(_data(), by=people.refurbisher)
    listing = get_listing_for_refurbisher(people.refurbisher, listing.id)
    services.update_listing(
        listing,
        _data(tiers=(TierData(10, Decimal("270.00")), TierData(30, Decimal("260.00")))),
        by=people.refurbisher,
    )
    tiers = db.session.execute(
        select(PriceTier.min_quantity, PriceTier.unit_price).order_by(PriceTier.min_quantity)
    ).all()
    assert tiers == [(10, Decimal("270.00")), (30, Decimal("260.00"))]


def test_update_quantity_refused_when_stock_changed_meanwhile(people):
    listing = services.create_listing(_data(), by=people.refurbisher)
    # A campaign commitment takes 5 units after the form was loaded with 25.
    db.session.execute(
        Listing.__table__.update().where(Listing.__table__.c.id == listing.id).values(quantity=20)
    )
    db.session.commit()
    listing = get_listing_for_refurbisher(people.refurbisher, listing.id)
    set_committed_value(listing, "quantity", 25)

    with pytest.raises(ConflictError):
        services.update_listing(listing, _data(quantity=30), by=people.refurbisher)
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).quantity == 20


def test_publish_and_archive_listing(people):
    listing = services.create_listing(_data(), by=people.refurbisher)
    services.publish_listing(listing, by=people.refurbisher)
    assert listing.status == ListingStatus.PUBLISHED
    assert listing.published_at is not None
    services.archive_listing(listing, by=people.refurbisher)
    assert listing.status == ListingStatus.ARCHIVED
    assert _actions() == ["listing.created", "listing.published", "listing.archived"]


def test_other_refurbisher_cannot_change_listing(people):
    listing = make_listing(people.refurbisher)
    with pytest.raises(NotFoundError):
        services.archive_listing(listing, by=people.other_refurbisher)
    with pytest.raises(NotFoundError):
        get_listing_for_refurbisher(people.other_refurbisher, listing.id)
    assert db.session.get(Listing, listing.id).status == ListingStatus.PUBLISHED


# --------------------------------------------------------------------------- through the form


def test_create_listing_through_form(client, people):
    login(client, people.refurbisher.email)
    response = client.post("/reconditionneur/offres/nouvelle", data=VALID_FORM | {"publish": "y"})
    assert response.status_code == 302
    listing = db.session.execute(select(Listing)).scalar_one()
    assert listing.status == ListingStatus.PUBLISHED
    assert listing.repairability_index == Decimal("8.2")
    assert listing.unit_price == Decimal("289.00")
    assert listing.refurbished_in_france is True
    assert listing.has_recycled_materials is False


def test_recycled_content_flag_through_form_and_page(client, people):
    login(client, people.refurbisher.email)
    form = VALID_FORM | {"publish": "y", "has_recycled_materials": "y"}
    assert client.post("/reconditionneur/offres/nouvelle", data=form).status_code == 302
    listing = db.session.execute(select(Listing)).scalar_one()
    assert listing.has_recycled_materials is True
    page = client.get(f"/catalogue/{listing.id}").get_data(as_text=True)
    assert "Intègre des matières recyclées" in page
    edit = client.get(f"/reconditionneur/offres/{listing.id}/modifier").get_data(as_text=True)
    (tag,) = re.findall(r'<input[^>]*name="has_recycled_materials"[^>]*>', edit)
    assert " checked " in tag


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quantity": "-3"}, "La quantité ne peut pas être négative."),
        ({"quantity": "2,5"}, "La quantité doit être un nombre entier, sans décimales."),
        ({"unit_price": "289,999"}, "Le prix unitaire HT a au plus 2 décimales (les centimes)."),
        ({"unit_price": "0"}, "Le prix unitaire HT doit être supérieur à 0 €."),
        (
            {"tier_price_2": "280,00"},
            "Palier 2 : le prix ne peut pas augmenter quand la quantité augmente.",
        ),
        (
            {"tier_quantity_2": "5"},
            "Palier 2 : les quantités minimales doivent être strictement croissantes",
        ),
        ({"category_code": "fusee"}, "Catégorie inconnue."),
        ({"repairability_index": "11"}, "L&#39;indice de réparabilité va de 0 à 10"),
        ({"grade": "Z"}, "Grade inconnu : indiquez A+, A, B ou C."),
    ],
)
def test_create_listing_bad_input_gets_french_message_and_creates_nothing(
    client, people, changes, message
):
    login(client, people.refurbisher.email)
    response = client.post("/reconditionneur/offres/nouvelle", data=VALID_FORM | changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert _count(Listing) == 0


def test_duplicate_sku_through_form_is_a_field_error(client, people):
    make_listing(people.refurbisher, sku="T480-A")
    login(client, people.refurbisher.email)
    response = client.post("/reconditionneur/offres/nouvelle", data=VALID_FORM)
    assert response.status_code == 422
    assert "La référence « T480-A » est déjà utilisée" in response.get_data(as_text=True)
    assert _count(Listing) == 1


def test_edit_form_changes_price_and_shows_old_values(client, people):
    listing = make_listing(people.refurbisher, sku="T480-A", tiers=[(10, "240.00")])
    login(client, people.refurbisher.email)
    page = client.get(f"/reconditionneur/offres/{listing.id}/modifier")
    assert page.status_code == 200
    assert 'value="250,00"' in page.get_data(as_text=True)
    response = client.post(
        f"/reconditionneur/offres/{listing.id}/modifier",
        data=VALID_FORM
        | {"quantity": "10", "unit_price": "245,00", "tier_price_1": "235", "tier_price_2": "230"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).unit_price == Decimal("245.00")
    assert "listing.price_changed" in _actions()


def test_publish_and_archive_buttons(client, people):
    listing = draft(people.refurbisher)
    login(client, people.refurbisher.email)
    assert client.post(f"/reconditionneur/offres/{listing.id}/publier").status_code == 302
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == ListingStatus.PUBLISHED
    assert client.post(f"/reconditionneur/offres/{listing.id}/archiver").status_code == 302
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).status == ListingStatus.ARCHIVED


def test_my_listings_shows_every_status_of_own_organisation_only(client, people):
    make_listing(people.refurbisher, model="Publiée")
    draft(people.refurbisher, model="Brouillon")
    make_listing(people.other_refurbisher, model="Concurrente")
    login(client, people.colleague.email)
    html = client.get("/reconditionneur/offres").get_data(as_text=True)
    assert "Lenovo Publiée" in html
    assert "Lenovo Brouillon" in html
    assert "Concurrente" not in html


def test_another_refurbisher_cannot_read_or_change_a_draft(client, people):
    listing = draft(people.refurbisher, model="Secret")
    login(client, people.other_refurbisher.email)
    for url in (
        f"/reconditionneur/offres/{listing.id}/modifier",
        f"/reconditionneur/offres/{listing.id}/photos",
        f"/catalogue/{listing.id}",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/reconditionneur/offres/{listing.id}/modifier",
        f"/reconditionneur/offres/{listing.id}/publier",
        f"/reconditionneur/offres/{listing.id}/archiver",
    ):
        assert client.post(url, data=VALID_FORM).status_code == 404, url
    db.session.expire_all()
    stored = db.session.get(Listing, listing.id)
    assert (stored.status, stored.model, stored.unit_price) == (
        ListingStatus.DRAFT,
        "Secret",
        Decimal("250.00"),
    )
