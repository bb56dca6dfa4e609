"""Pages and forms of the donation loop, the listing's origin, and the dashboards."""

from __future__ import annotations

import datetime as dt
import io

from nrhub.catalog.models import Listing
from nrhub.donations import services
from nrhub.donations.models import ClaimStatus, DonationClaim, DonationLot, LotReach, RetiredStock
from nrhub.extensions import db
from tests import factories
from tests.conftest import login
from tests.donations.conftest import PDF_BYTES, claimed, today
from tests.donations.test_permissions import LOT_FORM


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def test_buyer_creates_a_lot_through_the_form(client, people):
    login(client, people.donor.email)
    page = client.get("/dons/nouveau").get_data(as_text=True)
    assert 'value="35500"' in page  # pickup address prefilled from the organisation
    response = client.post("/dons/nouveau", data=LOT_FORM)
    assert response.status_code == 302
    lot = db.session.execute(db.select(DonationLot)).scalar_one()
    assert (lot.quantity, lot.unit_weight_g, lot.department_code) == (8, 2300, "35")
    assert lot.data_wiping_required is False  # unchecked box
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Lot de réemploi n° {lot.id}" in page
    assert "2,3 kg" in page


def test_lot_form_errors_in_french_and_nothing_written(client, people):
    login(client, people.donor.email)
    bad = LOT_FORM | {"unit_weight_kg": "lourd", "pickup_postcode": "00000", "quantity": "-2"}
    response = client.post("/dons/nouveau", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Un poids positif en kg, par exemple 2,3." in page
    assert "Entre 1 et 100 000 unités." in page
    assert count(DonationLot) == 0
    response = client.post("/dons/nouveau", data=LOT_FORM | {"pickup_postcode": "00000"})
    assert response.status_code == 422
    assert "Code postal inconnu" in response.get_data(as_text=True)
    assert count(DonationLot) == 0


def test_refurbisher_sees_nearest_lots_first(client, people, make_lot):
    far = make_lot(pickup_postcode="29200", pickup_city="Brest")
    far.reach = LotReach.ALL
    near = make_lot(pickup_city="Vitré")
    db.session.commit()
    login(client, people.refurbisher.email)
    page = client.get("/dons").get_data(as_text=True)
    assert page.index(f"/dons/{near.id}") < page.index(f"/dons/{far.id}")
    login(client, people.faraway.email)
    page = client.get("/dons").get_data(as_text=True)
    assert f"/dons/{far.id}" in page and f'/dons/{near.id}"' not in page


def test_claim_conflict_shown_on_the_page(client, people, make_lot):
    lot = make_lot(quantity=3)
    lot.reach = LotReach.REGION
    db.session.commit()
    services.claim_lot(lot, 2, by=people.regional)
    login(client, people.refurbisher.email)
    response = client.post(f"/dons/{lot.id}/reserver", data={"quantity": "3"})
    assert response.status_code == 409
    assert "il ne reste que 1 unité, vous en demandez 3" in response.get_data(as_text=True)
    assert count(DonationClaim) == 1
    response = client.post(f"/dons/{lot.id}/reserver", data={"quantity": "1"})
    assert response.status_code == 302


def test_donor_refusal_needs_a_reason(client, people, make_lot):
    lot = make_lot()
    claim = services.claim_lot(lot, 2, by=people.refurbisher)
    login(client, people.donor.email)
    response = client.post(f"/dons/reservations/{claim.id}/refuser", data={"reason": ""})
    assert response.status_code == 422
    assert "Expliquez brièvement le refus." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DonationClaim, claim.id).status == ClaimStatus.PENDING


def test_pickup_form_is_bounded_by_the_lot_availability(client, people, make_lot):
    available_from = today() + dt.timedelta(days=2)
    lot = make_lot(quantity=5, available_from=available_from)
    claim = claimed(lot, people.refurbisher, people.donor, 5, "accepted")
    login(client, people.refurbisher.email)
    url = f"/dons/reservations/{claim.id}/enlevement"
    page = client.get(url).get_data(as_text=True)
    assert f'min="{available_from.isoformat()}"' in page
    assert f"à partir du {available_from.strftime('%d/%m/%Y')} (disponibilité du lot)" in page
    response = client.post(url, data={"picked_up_on": today().isoformat(), "quantity": "5"})
    assert response.status_code == 422
    assert "La date d&#39;enlèvement précède la disponibilité du lot" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(DonationClaim, claim.id).status == ClaimStatus.ACCEPTED


def test_pickup_and_outcome_forms(client, people, make_lot):
    lot = make_lot(quantity=5, data_wiping_required=True)
    claim = claimed(lot, people.refurbisher, people.donor, 5, "accepted")
    login(client, people.refurbisher.email)
    url = f"/dons/reservations/{claim.id}/enlevement"
    response = client.post(url, data={"picked_up_on": today().isoformat(), "quantity": "6"})
    assert response.status_code == 422
    assert "Vous avez réservé 5 unités" in response.get_data(as_text=True)
    response = client.post(
        url, data={"picked_up_on": today().strftime("%d/%m/%Y"), "quantity": "5"}
    )
    assert response.status_code == 302

    url = f"/dons/reservations/{claim.id}/devenir"
    response = client.post(url, data={"units_reused": "4", "units_recycled": "1"})
    assert response.status_code == 422
    assert "joignez le certificat" in response.get_data(as_text=True)
    response = client.post(
        url,
        data={
            "units_reused": "4",
            "units_recycled": "1",
            "certificate": (io.BytesIO(PDF_BYTES), "certificat.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    done = db.session.get(DonationClaim, claim.id)
    assert (done.status, done.units_reused, done.units_recycled) == (ClaimStatus.COMPLETED, 4, 1)
    served = client.get(f"/dons/reservations/{claim.id}/certificat")
    assert served.status_code == 200
    assert served.mimetype == "application/pdf" and served.data == PDF_BYTES
    assert "attachment" in served.headers["Content-Disposition"]
    served.close()


def _stock(**fields: str) -> dict[str, str]:
    return {"year": "2025", "reen_category": "small_it", "in_scope": "y", **fields}


def test_retired_stock_page(client, people):
    login(client, people.donor.email)
    page = client.get("/acheteur/parc-reforme").get_data(as_text=True)
    assert "dix ans" in page and "100 cm²" in page and "R. 543-172" in page
    assert client.post("/acheteur/parc-reforme", data=_stock(units="30")).status_code == 302
    client.post("/acheteur/parc-reforme", data=_stock(units="35", weight_kg="90"))
    client.post("/acheteur/parc-reforme", data=_stock(units="12", reen_category="screens"))
    rows = db.session.execute(
        db.select(RetiredStock).order_by(RetiredStock.reen_category)
    ).scalars()
    assert [(r.year, r.reen_category, r.units, r.weight_kg) for r in rows] == [
        (2025, "screens", 12, None),
        (2025, "small_it", 35, 90),
    ]
    page = client.get("/acheteur/parc-reforme?annee=2025&categorie=small_it").get_data(as_text=True)
    assert 'value="35"' in page
    response = client.post("/acheteur/parc-reforme", data=_stock(units="-4"))
    assert response.status_code == 422
    out_of_scope = client.post("/acheteur/parc-reforme", data=_stock(units="50", in_scope=""))
    assert out_of_scope.status_code == 422
    assert "dix ans" in out_of_scope.get_data(as_text=True)
    unknown = client.post("/acheteur/parc-reforme", data=_stock(units="50", reen_category="x"))
    assert unknown.status_code == 422
    assert (
        db.session.execute(
            db.select(RetiredStock.units).where(RetiredStock.reen_category == "small_it")
        ).scalar_one()
        == 35
    )


def test_listing_from_a_lot_says_where_it_comes_from(client, people, make_lot):
    lot = make_lot()
    claimed(lot, people.refurbisher, people.donor, 3, "picked_up")
    login(client, people.refurbisher.email)
    page = client.get("/reconditionneur/offres/nouvelle").get_data(as_text=True)
    assert f'value="{lot.id}"' in page and "Commune de Vitré" in page
    listing = factories.ListingFactory(refurbisher=people.refurbisher.organisation)
    listing.donation_lot_id = lot.id
    db.session.commit()
    page = client.get(f"/catalogue/{listing.id}").get_data(as_text=True)
    assert "Issu d'un don de Commune de Vitré" in page
    other = factories.ListingFactory(refurbisher=people.refurbisher.organisation)
    db.session.commit()
    assert "Issu d'un don" not in client.get(f"/catalogue/{other.id}").get_data(as_text=True)
    assert db.session.get(Listing, other.id).donation_lot_id is None


def test_dashboards_show_reen_and_kg(client, people, make_lot):
    year = today().year
    services.save_retired_stock(
        year, 20, None, by=people.donor, reen_category="small_it", in_scope=True
    )
    claim = claimed(
        make_lot(quantity=6, unit_weight_g=2500), people.refurbisher, people.donor, 6, "picked_up"
    )
    services.record_outcome(claim, 5, 1, by=people.refurbisher)
    login(client, people.donor.email)
    page = client.get(f"/indicateurs?annee={year}").get_data(as_text=True)
    assert "25,0" in page  # 5 / 20
    assert "objectif" in page and "50" in page
    assert "12,5 kg" in page  # 5 × 2.5 kg diverted
    assert 'Matériel recyclé</th><td class="num nowrap">2,5 kg' in page  # 1 × 2.5 kg
    report = client.get(f"/indicateurs/rapport/{year}").get_data(as_text=True)
    assert "Déchets évités" in report and "25,0" in report
    login(client, people.coordinator.email)
    hub = client.get(f"/indicateurs?annee={year}").get_data(as_text=True)
    assert "Équipements réformés orientés vers le réemploi (REEN)" in hub and "25,0" in hub


def test_pages_render_for_each_role(client, people, make_lot):
    lot = make_lot()
    claimed(lot, people.refurbisher, people.donor, 2, "pending")
    for user, text in (
        (people.donor, "Mes dons de matériel réformé"),
        (people.refurbisher, "Mes réservations"),
        (people.coordinator, "Tous les lots et leurs réservations"),
    ):
        login(client, user.email)
        page = client.get("/dons").get_data(as_text=True)
        assert text in page
        assert client.get(f"/dons/{lot.id}").status_code == 200
    assert "Délai avant d" in client.get("/dons/reglages").get_data(as_text=True)
