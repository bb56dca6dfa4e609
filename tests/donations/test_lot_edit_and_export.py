"""Editing a lot, removing its photos, and the CSV of the lots of each role."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from nrhub.audit.models import AuditEvent
from nrhub.donations import services
from nrhub.donations.models import DonationLot, DonationLotPhoto, LotStatus
from nrhub.errors import ConflictError, ValidationError
from nrhub.extensions import db
from tests.conftest import login
from tests.donations.conftest import claimed, lot_data, png_bytes
from tests.donations.test_permissions import LOT_FORM


def snapshot(lot_id: int) -> tuple[object, ...]:
    db.session.expire_all()
    lot = db.session.get(DonationLot, lot_id)
    assert lot is not None
    return tuple(getattr(lot, c.key) for c in DonationLot.__table__.columns)


def events(action: str) -> list[AuditEvent]:
    return list(
        db.session.execute(db.select(AuditEvent).where(AuditEvent.action == action)).scalars()
    )


def rows_of(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


# ----------------------------------------------------------------------------- editing


def test_donor_edits_lot_through_the_prefilled_form(client, people, make_lot):
    lot = make_lot(quantity=10, description="Portables du service culture")
    services.claim_lot(lot, 3, by=people.refurbisher)  # pending: does not lock the lot
    login(client, people.donor_colleague.email)  # any member of the donor
    page = client.get(f"/dons/{lot.id}").get_data(as_text=True)
    assert f'href="/dons/{lot.id}/modifier"' in page and "Modifier le lot" in page
    page = client.get(f"/dons/{lot.id}/modifier").get_data(as_text=True)
    assert "Modifier le lot n° " in page
    assert 'value="2,3"' in page and "Portables du service culture" in page
    assert "3 unités sont déjà réservées" in page

    form = LOT_FORM | {
        "quantity": "6",
        "unit_weight_kg": "1,8",
        "description": "Portables et chargeurs",
        "pickup_postcode": "29200",
        "pickup_city": "Brest",
        "condition": "to_repair",
    }
    response = client.post(f"/dons/{lot.id}/modifier", data=form)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dons/{lot.id}")
    db.session.expire_all()
    lot = db.session.get(DonationLot, lot.id)
    assert (lot.quantity, lot.remaining_quantity) == (6, 3)  # 3 units still held
    assert (lot.unit_weight_g, lot.description, lot.condition) == (
        1800,
        "Portables et chargeurs",
        "to_repair",
    )
    assert (lot.pickup_city, lot.department_code, lot.region_code) == ("Brest", "29", "53")
    assert lot.status == LotStatus.OPEN
    [event] = events("donation_lot.updated")
    assert event.object_id == lot.id and event.actor_id == people.donor_colleague.id
    assert event.details["changes"]["quantity"] == [10, 6]
    assert "category_id" not in event.details["changes"]
    assert "Lot n° " in client.get(f"/dons/{lot.id}").get_data(as_text=True)


def test_edit_refused_below_the_units_already_claimed(client, people, make_lot):
    lot = make_lot(quantity=10)
    services.claim_lot(lot, 4, by=people.refurbisher)
    before = snapshot(lot.id)
    login(client, people.donor.email)
    response = client.post(
        f"/dons/{lot.id}/modifier", data=LOT_FORM | {"quantity": "3", "description": "x"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "4 unités de ce lot sont déjà réservées" in page
    assert "la quantité ne peut pas être inférieure à 4." in page
    assert snapshot(lot.id) == before
    assert events("donation_lot.updated") == []
    response = client.post(f"/dons/{lot.id}/modifier", data=LOT_FORM | {"quantity": "4"})
    assert response.status_code == 302
    assert (db.session.get(DonationLot, lot.id).remaining_quantity) == 0


def test_edit_refused_when_a_claim_lands_after_the_lot_was_read(people, make_lot):
    """The conditional UPDATE re-checks the units held, whatever the lot in memory says."""
    lot = make_lot(quantity=10)
    db.session.execute(  # another refurbisher's claim, committed meanwhile
        update(DonationLot)
        .where(DonationLot.id == lot.id)
        .values(remaining_quantity=2)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    set_committed_value(lot, "remaining_quantity", 10)  # what the donor's request read
    set_committed_value(lot, "quantity", 10)
    with pytest.raises(ValidationError, match="8 unités de ce lot sont déjà réservées"):
        services.update_lot(lot, lot_data(quantity=5, description="x"), by=people.donor)
    db.session.expire_all()
    lot = db.session.get(DonationLot, lot.id)
    assert (lot.quantity, lot.remaining_quantity, lot.description) == (
        10,
        2,
        "Portables réformés du service culture",
    )


def test_edit_refused_after_an_accepted_claim_and_nothing_changes(client, people, make_lot):
    lot = make_lot(quantity=10)
    claimed(lot, people.refurbisher, people.donor, 2, "accepted")
    before = snapshot(lot.id)
    login(client, people.donor.email)
    assert "Modifier le lot" not in client.get(f"/dons/{lot.id}").get_data(as_text=True)
    response = client.get(f"/dons/{lot.id}/modifier", follow_redirects=True)
    assert response.request.path == f"/dons/{lot.id}"
    assert "Une réservation de ce lot a été acceptée" in response.get_data(as_text=True)
    response = client.post(
        f"/dons/{lot.id}/modifier", data=LOT_FORM | {"quantity": "12", "description": "Autre"}
    )
    assert response.status_code == 409
    assert "il ne peut plus être modifié" in response.get_data(as_text=True)
    assert snapshot(lot.id) == before
    assert events("donation_lot.updated") == []


def test_edit_refused_on_a_withdrawn_lot(people, make_lot):
    lot = make_lot()
    services.withdraw_lot(lot, by=people.donor)
    before = snapshot(lot.id)
    with pytest.raises(ConflictError, match="Ce lot est retiré"):
        services.update_lot(lot, lot_data(quantity=3), by=people.donor)
    assert snapshot(lot.id) == before


@pytest.mark.parametrize(
    ("role", "expected"),
    [("other_buyer", 404), ("refurbisher", 403), ("coordinator", 403)],
)
def test_only_the_donor_edits_a_lot(client, people, make_lot, role, expected):
    lot = make_lot()
    before = snapshot(lot.id)
    login(client, getattr(people, role).email)
    assert client.get(f"/dons/{lot.id}/modifier").status_code == expected
    response = client.post(f"/dons/{lot.id}/modifier", data=LOT_FORM | {"quantity": "2"})
    assert response.status_code == expected
    assert snapshot(lot.id) == before


# ----------------------------------------------------------------------------- photos


def _files(app, photo: DonationLotPhoto) -> list[Path]:  # type: ignore[no-untyped-def]
    directory = Path(app.config["UPLOAD_DIR"])
    return [directory / photo.filename, directory / photo.thumbnail]


def test_donor_deletes_a_photo_row_and_files(app, client, people, make_lot):
    lot = make_lot()
    photo = services.add_lot_photo(lot, png_bytes(), by=people.donor)
    kept = services.add_lot_photo(lot, png_bytes(), by=people.donor)
    paths, kept_paths = _files(app, photo), _files(app, kept)
    assert all(p.is_file() for p in paths + kept_paths)
    login(client, people.donor.email)
    page = client.get(f"/dons/{lot.id}/photos").get_data(as_text=True)
    assert f"/dons/{lot.id}/photos/{photo.id}/supprimer" in page
    response = client.post(f"/dons/{lot.id}/photos/{photo.id}/supprimer")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dons/{lot.id}/photos")
    assert db.session.get(DonationLotPhoto, photo.id) is None
    assert not any(p.exists() for p in paths)
    assert db.session.get(DonationLotPhoto, kept.id) is not None
    assert all(p.is_file() for p in kept_paths)
    assert len(events("donation_lot.photo_removed")) == 1


def test_photo_of_another_lot_or_organisation_is_not_found(app, client, people, make_lot):
    lot, other = make_lot(), make_lot()
    photo = services.add_lot_photo(other, png_bytes(), by=people.donor)
    login(client, people.donor.email)
    assert client.post(f"/dons/{lot.id}/photos/{photo.id}/supprimer").status_code == 404
    client.post("/deconnexion")
    login(client, people.other_buyer.email)
    assert client.post(f"/dons/{other.id}/photos/{photo.id}/supprimer").status_code == 404
    assert db.session.get(DonationLotPhoto, photo.id) is not None
    assert all(p.is_file() for p in _files(app, photo))


def test_photo_kept_once_a_claim_is_accepted(app, client, people, make_lot):
    lot = make_lot()
    photo = services.add_lot_photo(lot, png_bytes(), by=people.donor)
    claimed(lot, people.refurbisher, people.donor, 2, "accepted")
    login(client, people.donor.email)
    assert "/supprimer" not in client.get(f"/dons/{lot.id}/photos").get_data(as_text=True)
    response = client.post(f"/dons/{lot.id}/photos/{photo.id}/supprimer", follow_redirects=True)
    assert "il ne peut plus être modifié" in response.get_data(as_text=True)
    assert db.session.get(DonationLotPhoto, photo.id) is not None
    assert all(p.is_file() for p in _files(app, photo))


# ----------------------------------------------------------------------------- CSV


@pytest.fixture
def exported(people, make_lot):  # type: ignore[no-untyped-def]
    """Lots of Vitré (35) and one of Lannion (22), each reaching its department only."""
    lots = {
        "open": make_lot(quantity=5, description='=HYPERLINK("http://evil.example")'),
        "claimed": make_lot(quantity=2),
        "withdrawn": make_lot(),
        "lannion": services.create_lot(
            lot_data(pickup_postcode="22300", pickup_city="Lannion"), by=people.other_buyer
        ),
    }
    claimed(lots["claimed"], people.refurbisher, people.donor, 2, "accepted")
    services.withdraw_lot(lots["withdrawn"], by=people.donor)
    return {name: lot.id for name, lot in lots.items()}


def _ids(rows: list[list[str]]) -> set[int]:
    return {int(r[0]) for r in rows[1:]}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("donor", {"open", "claimed", "withdrawn"}),
        ("other_buyer", {"lannion"}),
        ("coordinator", {"open", "claimed", "withdrawn", "lannion"}),
        ("refurbisher", {"open", "claimed"}),  # in reach, plus the lot it claimed
        ("regional", set()),  # 29: the lots still reach their department only
    ],
)
def test_lots_csv_is_scoped_to_the_person(client, people, exported, role, expected):
    login(client, getattr(people, role).email)
    assert 'href="/dons/export.csv"' in client.get("/dons").get_data(as_text=True)
    rows = rows_of(client.get("/dons/export.csv"))
    assert rows[0][:9] == [
        "id", "date", "donateur", "departement", "code_postal", "commune", "categorie",
        "quantite", "quantite_disponible",
    ]  # fmt: skip
    assert _ids(rows) == {exported[name] for name in expected}


def test_lots_csv_content_and_formula_neutralised(client, people, exported):
    login(client, people.donor.email)
    rows = rows_of(client.get("/dons/export.csv"))
    by_id = {int(r[0]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    row = by_id[exported["open"]]
    assert row["description"] == '\'=HYPERLINK("http://evil.example")'
    assert row["donateur"] == "Commune de Vitré"
    assert (row["departement"], row["code_postal"], row["commune"]) == ("35", "35500", "Vitré")
    assert row["categorie"] == "Ordinateur portable"
    assert row["effacement_donnees_exige"] == "non"
    assert (row["quantite"], row["quantite_disponible"]) == ("5", "5")
    assert (row["age"], row["etat"], row["poids_unitaire_kg"]) == (
        "Moins de 5 ans",
        "Fonctionnel",
        "2,3",
    )
    assert (row["statut"], row["diffusion"]) == ("Ouvert", "Reconditionneurs du département")
    assert by_id[exported["claimed"]]["quantite_disponible"] == "0"
    assert by_id[exported["withdrawn"]]["statut"] == "Retiré"
    for r in rows:
        for cell in r:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell


def test_lots_csv_needs_a_login(client):
    response = client.get("/dons/export.csv")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_lots_csv_stays_french_for_an_english_interface(client, people, exported):
    people.donor.locale = "en"
    db.session.commit()
    login(client, people.donor.email)
    rows = rows_of(client.get("/dons/export.csv"))
    statuses = {r[rows[0].index("statut")] for r in rows[1:]}
    assert statuses == {"Ouvert", "Retiré"}
    assert {r[rows[0].index("age")] for r in rows[1:]} == {"Moins de 5 ans"}
