"""Rules of the donation loop: every use case, every refusal (French message, nothing
changed), and who may do what."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from nrhub.audit.models import AuditEvent
from nrhub.catalog.models import Listing
from nrhub.donations import claims, services
from nrhub.donations.models import (
    AgeBracket,
    ClaimStatus,
    DonationClaim,
    DonationLot,
    LotReach,
    LotStatus,
    RetiredStock,
)
from nrhub.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.transactions import unit_of_work
from tests.donations.conftest import PDF_BYTES, claimed, lot_data, outbox, png_bytes, today


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def remaining(lot_id: int) -> int:
    db.session.expire_all()
    return db.session.get(DonationLot, lot_id).remaining_quantity  # type: ignore[union-attr]


# ------------------------------------------------------------------------------- lots


def test_create_lot_reaches_the_department_first(people, make_lot):
    lot = make_lot(quantity=12, pickup_postcode="35500")
    assert (lot.quantity, lot.remaining_quantity) == (12, 12)
    assert (lot.department_code, lot.region_code) == ("35", "53")
    assert lot.reach == LotReach.DEPARTMENT
    assert lot.donor_id == people.donor.organisation_id
    assert lot.unit_weight_g == 2300
    assert (
        db.session.execute(
            db.select(AuditEvent.action).where(AuditEvent.object_id == lot.id)
        ).scalar_one()
        == "donation_lot.created"
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quantity": 0}, "quantity", "entre 1 et"),
        ({"category_code": "toaster"}, "category_code", "Catégorie inconnue"),
        ({"unit_weight_g": 0}, "unit_weight_kg", "poids estimé"),
        ({"pickup_postcode": "00000"}, "pickup_postcode", "Code postal inconnu"),
        ({"pickup_address": " "}, "pickup_address", "adresse"),
        (
            {"available_from": dt.date(2030, 5, 2), "available_until": dt.date(2030, 5, 1)},
            "available_until",
            "précède",
        ),
        (
            {
                "available_from": dt.date(2020, 1, 1),
                "available_until": dt.date(2020, 1, 31),
            },
            "available_until",
            "déjà passée",
        ),
    ],
)
def test_create_lot_refuses_bad_input(people, changes, field, message):
    with pytest.raises(ValidationError) as err:
        services.create_lot(lot_data(**changes), by=people.donor)
    assert err.value.field == field
    assert message in str(err.value)
    assert count(DonationLot) == 0


@pytest.mark.parametrize("role", ["refurbisher", "coordinator"])
def test_only_buyers_create_lots(people, role):
    with pytest.raises(PermissionDeniedError):
        services.create_lot(lot_data(), by=people.get(role))
    assert count(DonationLot) == 0


def test_lot_photo_added_and_bad_image_refused(people, make_lot, app):
    lot = make_lot()
    photo = services.add_lot_photo(lot, png_bytes(), by=people.donor, alt_text="Portables")
    assert photo.content_type == "image/png" and photo.alt_text == "Portables"
    with pytest.raises(ValidationError) as err:
        services.add_lot_photo(lot, b"not an image", by=people.donor)
    assert "n'est pas une image" in str(err.value)
    with pytest.raises(NotFoundError):
        services.add_lot_photo(lot, png_bytes(), by=people.other_buyer)


def test_withdraw_lot_refuses_pending_claims(people, make_lot):
    lot = make_lot(quantity=5)
    claim = services.claim_lot(lot, 2, by=people.refurbisher)
    services.withdraw_lot(lot, by=people.donor)
    db.session.expire_all()
    assert lot.status == LotStatus.WITHDRAWN
    assert db.session.get(DonationClaim, claim.id).status == ClaimStatus.REFUSED
    with pytest.raises(NotFoundError):
        services.claim_lot(lot, 1, by=people.refurbisher)


def test_withdraw_mails_each_refurbisher_apart(people, make_lot, app):
    lot = make_lot(quantity=5)
    lot.reach = LotReach.REGION
    db.session.commit()
    services.claim_lot(lot, 2, by=people.refurbisher)
    services.claim_lot(lot, 2, by=people.regional)
    before = len(outbox(app))
    with unit_of_work():
        services.withdraw_lot(lot, by=people.donor)
    assert sorted(tuple(m.to) for m in outbox(app)[before:]) == [
        ("brest@example.fr",),
        ("rennes@example.fr",),
    ]
    assert remaining(lot.id) == 5  # refused claims hold no units, as after a refusal


def test_withdraw_refused_once_a_claim_is_accepted(people, make_lot):
    lot = make_lot(quantity=5)
    claimed(lot, people.refurbisher, people.donor, 2, "accepted")
    with pytest.raises(ConflictError) as err:
        services.withdraw_lot(lot, by=people.donor)
    assert "acceptée" in str(err.value)
    db.session.expire_all()
    assert lot.status == LotStatus.OPEN


def test_other_buyer_cannot_withdraw(people, make_lot):
    lot = make_lot()
    with pytest.raises(NotFoundError):
        services.withdraw_lot(lot, by=people.other_buyer)


# ------------------------------------------------------------------------------- claims


def test_claim_part_then_rest_of_a_lot(people, make_lot, app):
    lot = make_lot(quantity=10)
    lot.reach = LotReach.REGION
    db.session.commit()
    first = services.claim_lot(lot, 4, by=people.refurbisher, message="Passage jeudi")
    assert first.status == ClaimStatus.PENDING and first.quantity == 4
    assert remaining(lot.id) == 6
    mail = outbox(app)[-1]
    assert sorted(mail.to) == ["dsi@vitre.example.fr", "vitre@example.fr"]
    assert (
        f"Ordi'Breizh souhaite récupérer 4 unités de votre lot de réemploi n° {lot.id} (sur 10)."
        in mail.body
    )
    assert "Passage jeudi" in mail.body
    services.claim_lot(db.session.get(DonationLot, lot.id), 6, by=people.regional)
    assert remaining(lot.id) == 0


def test_claim_mail_reaches_each_person_in_their_language(people, make_lot, app):
    people.donor_colleague.locale = "en"
    db.session.commit()
    lot = make_lot(quantity=10)
    before = len(outbox(app))
    with unit_of_work():
        services.claim_lot(lot, 1, by=people.refurbisher)
        assert len(outbox(app)) == before  # queued: nothing leaves before the commit
    sent = {tuple(m.to): m.subject for m in outbox(app)[before:]}
    assert sent == {
        ("vitre@example.fr",): f"[nrhub] Réservation de votre lot de réemploi n° {lot.id}",
        ("dsi@vitre.example.fr",): f"[nrhub] Reservation of your reuse lot no. {lot.id}",
    }


def test_a_refused_claim_sends_nothing(people, make_lot, app):
    lot = make_lot(quantity=2)
    lot.reach = LotReach.REGION
    db.session.commit()
    services.claim_lot(lot, 2, by=people.refurbisher)
    before = len(outbox(app))
    with pytest.raises(ConflictError), unit_of_work():
        services.claim_lot(lot, 1, by=people.regional)
    assert len(outbox(app)) == before


def test_one_pending_claim_per_refurbisher_and_lot_is_a_database_rule(people, make_lot):
    lot = make_lot(quantity=10)
    first = services.claim_lot(lot, 1, by=people.refurbisher)
    db.session.commit()

    def copy(status: ClaimStatus) -> DonationClaim:
        return DonationClaim(
            lot_id=lot.id,
            refurbisher_id=first.refurbisher_id,
            quantity=1,
            status=status,
        )

    for status in (ClaimStatus.REFUSED, ClaimStatus.CANCELLED, ClaimStatus.COMPLETED):
        db.session.add(copy(status))
        db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(copy(ClaimStatus.PENDING))
    db.session.rollback()
    assert count(DonationClaim) == 1


def test_a_copy_of_a_pending_claim_that_passes_the_check_is_refused_cleanly(
    people, make_lot, monkeypatch
):
    """The race the check cannot see (two copies both finding no claim) meets the index:
    a 409 in French, and the copy's units are not taken."""
    lot = make_lot(quantity=10)
    services.claim_lot(lot, 2, by=people.refurbisher)
    db.session.commit()
    monkeypatch.setattr(claims, "HOLDING_CLAIMS", ())  # the check sees nothing
    with pytest.raises(ConflictError) as err:
        services.claim_lot(lot, 3, by=people.refurbisher)
    assert str(err.value) == "Votre structure a déjà une réservation en cours sur ce lot."
    assert remaining(lot.id) == 8  # the savepoint undid the units taken, in this transaction
    assert count(DonationClaim) == 1


def test_a_stale_claim_is_decided_on_its_current_state(people, make_lot):
    lot = make_lot(quantity=10)
    claim = services.claim_lot(lot, 4, by=people.refurbisher)
    db.session.commit()
    # Another worker cancelled it meanwhile (the object in memory still says pending).
    db.session.execute(
        update(DonationClaim)
        .where(DonationClaim.id == claim.id)
        .values(status=ClaimStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(DonationLot).where(DonationLot.id == lot.id).values(remaining_quantity=10)
    )
    db.session.commit()
    with pytest.raises(ConflictError) as err, unit_of_work():
        services.refuse_claim(claim, "Plus besoin", by=people.donor)
    assert str(err.value) == "Cette réservation a déjà reçu une réponse."
    assert remaining(lot.id) == 10  # not given back twice


def test_claim_more_than_the_lot_refused(people, make_lot):
    lot = make_lot(quantity=10)
    with pytest.raises(ValidationError) as err:
        services.claim_lot(lot, 11, by=people.refurbisher)
    assert str(err.value) == "Le lot ne compte que 10 unités : vous en demandez 11."
    assert remaining(lot.id) == 10
    assert count(DonationClaim) == 0


def test_claim_zero_refused(people, make_lot):
    lot = make_lot()
    with pytest.raises(ValidationError):
        services.claim_lot(lot, 0, by=people.refurbisher)
    assert count(DonationClaim) == 0


def test_claim_on_a_fully_claimed_lot_refused(people, make_lot):
    lot = make_lot(quantity=3)
    services.claim_lot(lot, 3, by=people.refurbisher)
    lot.reach = LotReach.REGION
    db.session.commit()
    with pytest.raises(ConflictError) as err:
        services.claim_lot(lot, 1, by=people.regional)
    assert "entièrement réservé" in str(err.value)
    assert remaining(lot.id) == 0
    assert count(DonationClaim) == 1


def test_claim_more_than_remaining_refused_with_units_left(people, make_lot):
    lot = make_lot(quantity=5)
    lot.reach = LotReach.REGION
    db.session.commit()
    services.claim_lot(lot, 3, by=people.refurbisher)
    with pytest.raises(ConflictError) as err:
        services.claim_lot(lot, 3, by=people.regional)
    assert "il ne reste que 2 unités, vous en demandez 3" in str(err.value)
    assert remaining(lot.id) == 2


def test_second_claim_of_the_same_refurbisher_refused(people, make_lot):
    lot = make_lot(quantity=5)
    services.claim_lot(lot, 1, by=people.refurbisher)
    with pytest.raises(ConflictError) as err:
        services.claim_lot(lot, 1, by=people.refurbisher)
    assert "déjà une réservation" in str(err.value)
    assert remaining(lot.id) == 4


def test_claim_out_of_reach_is_not_found(people, make_lot):
    lot = make_lot()
    for user in (people.regional, people.faraway):
        with pytest.raises(NotFoundError):
            services.claim_lot(lot, 1, by=user)
    assert remaining(lot.id) == 10


@pytest.mark.parametrize("role", ["donor", "other_buyer", "coordinator"])
def test_only_refurbishers_claim(people, make_lot, role):
    lot = make_lot()
    with pytest.raises(PermissionDeniedError):
        services.claim_lot(lot, 1, by=people.get(role))
    assert remaining(lot.id) == 10


def test_claim_after_availability_refused(people, make_lot):
    lot = make_lot()
    lot.available_from = today() - dt.timedelta(days=10)
    lot.available_until = today() - dt.timedelta(days=1)
    db.session.commit()
    with pytest.raises(ConflictError) as err:
        services.claim_lot(lot, 1, by=people.refurbisher)
    assert "disponibilité" in str(err.value)


def test_accept_and_refuse(people, make_lot, app):
    lot = make_lot(quantity=10)
    lot.reach = LotReach.REGION
    db.session.commit()
    one = services.claim_lot(lot, 4, by=people.refurbisher)
    two = services.claim_lot(lot, 5, by=people.regional)
    services.accept_claim(one, by=people.donor)
    assert "acceptée" in outbox(app)[-1].subject
    services.refuse_claim(two, "Déjà promis à une école", by=people.donor_colleague)
    db.session.expire_all()
    assert db.session.get(DonationClaim, one.id).status == ClaimStatus.ACCEPTED
    refused = db.session.get(DonationClaim, two.id)
    assert refused.status == ClaimStatus.REFUSED
    assert refused.refusal_reason == "Déjà promis à une école"
    assert remaining(lot.id) == 6  # the refused 5 are back
    assert outbox(app)[-1].to == ["brest@example.fr"]
    assert "Déjà promis à une école" in outbox(app)[-1].body


def test_refuse_needs_a_reason_and_decides_once(people, make_lot):
    lot = make_lot()
    claim = services.claim_lot(lot, 2, by=people.refurbisher)
    with pytest.raises(ValidationError):
        services.refuse_claim(claim, " ", by=people.donor)
    services.accept_claim(claim, by=people.donor)
    with pytest.raises(ConflictError):
        services.refuse_claim(claim, "Trop tard", by=people.donor)
    db.session.expire_all()
    assert db.session.get(DonationClaim, claim.id).status == ClaimStatus.ACCEPTED
    assert remaining(lot.id) == 8


@pytest.mark.parametrize("role", ["other_buyer", "refurbisher", "coordinator"])
def test_only_the_donor_decides(people, make_lot, role):
    lot = make_lot()
    claim = services.claim_lot(lot, 2, by=people.refurbisher)
    expected = NotFoundError if role == "other_buyer" else PermissionDeniedError
    with pytest.raises(expected):
        services.accept_claim(claim, by=people.get(role))
    db.session.expire_all()
    assert db.session.get(DonationClaim, claim.id).status == ClaimStatus.PENDING


def test_cancel_gives_units_back(people, make_lot):
    lot = make_lot()
    claim = claimed(lot, people.refurbisher, people.donor, 4, "accepted")
    with pytest.raises(NotFoundError):
        services.cancel_claim(claim, by=people.regional)
    services.cancel_claim(claim, by=people.refurbisher)
    assert remaining(lot.id) == 10
    with pytest.raises(ConflictError):
        services.cancel_claim(claim, by=people.refurbisher)


# ------------------------------------------------------------------------------- pickup


def test_pickup_of_fewer_units_gives_the_rest_back(people, make_lot):
    lot = make_lot(quantity=10)
    claim = claimed(lot, people.refurbisher, people.donor, 6, "accepted")
    services.record_pickup(claim, today(), 4, by=people.refurbisher)
    db.session.expire_all()
    claim = db.session.get(DonationClaim, claim.id)
    assert (claim.status, claim.picked_up_quantity, claim.picked_up_on) == (
        ClaimStatus.PICKED_UP,
        4,
        today(),
    )
    assert remaining(lot.id) == 6


def test_pickup_larger_than_claimed_refused(people, make_lot):
    lot = make_lot(quantity=10)
    claim = claimed(lot, people.refurbisher, people.donor, 6, "accepted")
    with pytest.raises(ValidationError) as err:
        services.record_pickup(claim, today(), 7, by=people.refurbisher)
    assert str(err.value) == "Vous avez réservé 6 unités : vous ne pouvez pas en enlever 7."
    db.session.expire_all()
    assert db.session.get(DonationClaim, claim.id).status == ClaimStatus.ACCEPTED
    assert remaining(lot.id) == 4


def test_pickup_in_the_future_or_before_acceptance_refused(people, make_lot):
    lot = make_lot()
    claim = claimed(lot, people.refurbisher, people.donor, 2, "pending")
    with pytest.raises(ConflictError):
        services.record_pickup(claim, today(), 2, by=people.refurbisher)
    services.accept_claim(claim, by=people.donor)
    with pytest.raises(ValidationError) as err:
        services.record_pickup(claim, today() + dt.timedelta(days=2), 2, by=people.refurbisher)
    assert "futur" in str(err.value)


def test_pickup_before_the_lot_is_available_refused(people, make_lot):
    """A lot offered from a later day: the units cannot have been taken before it."""
    available_from = today() + dt.timedelta(days=3)
    lot = make_lot(available_from=available_from)
    claim = claimed(lot, people.refurbisher, people.donor, 2, "accepted")
    with pytest.raises(ValidationError) as err:
        services.record_pickup(claim, today(), 2, by=people.refurbisher)
    assert str(err.value) == (
        "La date d'enlèvement précède la disponibilité du lot "
        f"(à partir du {available_from.strftime('%d/%m/%Y')})."
    )
    assert err.value.field == "picked_up_on"
    db.session.expire_all()
    assert db.session.get(DonationClaim, claim.id).status == ClaimStatus.ACCEPTED


def test_pickup_by_another_refurbisher_not_found(people, make_lot):
    lot = make_lot()
    claim = claimed(lot, people.refurbisher, people.donor, 2, "accepted")
    with pytest.raises(NotFoundError):
        services.record_pickup(claim, today(), 2, by=people.regional)
    with pytest.raises(PermissionDeniedError):
        services.record_pickup(claim, today(), 2, by=people.donor)


# ------------------------------------------------------------------------------- outcome


def test_outcome_recorded_with_certificate(people, make_lot, app):
    lot = make_lot(quantity=10, data_wiping_required=True)
    claim = claimed(lot, people.refurbisher, people.donor, 10, "picked_up")
    with pytest.raises(ValidationError) as err:
        services.record_outcome(claim, 8, 2, by=people.refurbisher)
    assert "certificat" in str(err.value) and err.value.field == "certificate"
    services.record_outcome(claim, 8, 2, by=people.refurbisher, certificate=PDF_BYTES)
    db.session.expire_all()
    claim = db.session.get(DonationClaim, claim.id)
    assert (claim.status, claim.units_reused, claim.units_recycled) == (
        ClaimStatus.COMPLETED,
        8,
        2,
    )
    assert claim.outcome_on == today()
    assert claim.certificate_content_type == "application/pdf"
    assert claim.certificate_filename.endswith(".pdf")


def test_outcome_larger_than_picked_up_refused(people, make_lot):
    lot = make_lot(quantity=10)
    claim = claimed(lot, people.refurbisher, people.donor, 10, "accepted")
    services.record_pickup(claim, today(), 7, by=people.refurbisher)
    with pytest.raises(ValidationError) as err:
        services.record_outcome(claim, 5, 3, by=people.refurbisher)
    assert str(err.value) == "Réemployées et recyclées (8) dépassent les 7 unités enlevées."
    db.session.expire_all()
    claim = db.session.get(DonationClaim, claim.id)
    assert claim.status == ClaimStatus.PICKED_UP and claim.units_reused is None


def test_outcome_of_an_over_ten_year_lot_cannot_count_reuse(people, make_lot):
    lot = make_lot(quantity=4, age_bracket=AgeBracket.OVER_10)
    assert lot.is_recycling_only
    claim = claimed(lot, people.refurbisher, people.donor, 4, "picked_up")
    with pytest.raises(ValidationError) as err:
        services.record_outcome(claim, 1, 3, by=people.refurbisher)
    assert "plus de 10 ans" in str(err.value)
    services.record_outcome(claim, 0, 4, by=people.refurbisher)
    db.session.expire_all()
    assert db.session.get(DonationClaim, claim.id).units_recycled == 4


def test_bad_certificate_refused(people, make_lot):
    lot = make_lot(data_wiping_required=True)
    claim = claimed(lot, people.refurbisher, people.donor, 2, "picked_up")
    for data, message in ((b"%PDF-1.4 no end", "incomplet"), (b"MZ\x90\x00", "PDF ou une image")):
        with pytest.raises(ValidationError) as err:
            services.record_outcome(claim, 2, 0, by=people.refurbisher, certificate=data)
        assert message in str(err.value)
    services.record_outcome(claim, 2, 0, by=people.refurbisher, certificate=png_bytes())
    db.session.expire_all()
    assert db.session.get(DonationClaim, claim.id).certificate_content_type == "image/png"


def test_outcome_only_once_and_only_by_the_claimant(people, make_lot):
    lot = make_lot()
    claim = claimed(lot, people.refurbisher, people.donor, 2, "picked_up")
    with pytest.raises(NotFoundError):
        services.record_outcome(claim, 2, 0, by=people.regional)
    with pytest.raises(PermissionDeniedError):
        services.record_outcome(claim, 2, 0, by=people.coordinator)
    services.record_outcome(claim, 2, 0, by=people.refurbisher)
    with pytest.raises(ConflictError):
        services.record_outcome(claim, 1, 0, by=people.refurbisher)


# ------------------------------------------------------------------------------- stock


def test_retired_stock_one_row_per_year_editable(people):
    services.save_retired_stock(
        2025, 40, 120, by=people.donor, reen_category="small_it", in_scope=True
    )
    services.save_retired_stock(
        2025, 50, None, by=people.donor_colleague, reen_category="small_it", in_scope=True
    )
    rows = db.session.execute(db.select(RetiredStock)).scalars().all()
    assert [(r.year, r.units, r.weight_kg) for r in rows] == [(2025, 50, None)]


@pytest.mark.parametrize(
    ("year", "units", "kg", "field"),
    [(1999, 10, None, "year"), (2025, -1, None, "units"), (2025, 1, -3, "weight_kg")],
)
def test_retired_stock_bad_input(people, year, units, kg, field):
    with pytest.raises(ValidationError) as err:
        services.save_retired_stock(
            year, units, kg, by=people.donor, reen_category="small_it", in_scope=True
        )
    assert err.value.field == field
    assert count(RetiredStock) == 0


def test_retired_stock_only_for_buyers(people):
    with pytest.raises(PermissionDeniedError):
        services.save_retired_stock(
            2025, 10, None, by=people.refurbisher, reen_category="small_it", in_scope=True
        )


def test_settings_only_for_the_coordinator(people):
    assert services.save_settings(3, by=people.coordinator).widen_after_days == 3
    with pytest.raises(ValidationError):
        services.save_settings(0, by=people.coordinator)
    with pytest.raises(PermissionDeniedError):
        services.save_settings(5, by=people.donor)


# ------------------------------------------------------------------------------- listings


def test_listing_may_name_a_lot_its_refurbisher_picked_up(people, make_lot):
    from nrhub.catalog import services as catalog_services
    from nrhub.catalog.models import Grade
    from nrhub.catalog.rules import ListingData

    lot = make_lot()
    data = ListingData("laptop", "DON-1", "Lenovo", "ThinkPad T470", Grade.B, 3, 150)  # type: ignore[arg-type]
    with pytest.raises(catalog_services.ListingValidationError) as err:
        catalog_services.create_listing(data, by=people.refurbisher, donation_lot_id=lot.id)
    assert "donation_lot_id" in err.value.errors
    claimed(lot, people.refurbisher, people.donor, 3, "picked_up")
    listing = catalog_services.create_listing(data, by=people.refurbisher, donation_lot_id=lot.id)
    assert db.session.get(Listing, listing.id).donation_lot_id == lot.id
    with pytest.raises(catalog_services.ListingValidationError):
        catalog_services.create_listing(
            ListingData("laptop", "DON-2", "Lenovo", "T470", Grade.B, 1, 150),  # type: ignore[arg-type]
            by=people.regional,
            donation_lot_id=lot.id,
        )
