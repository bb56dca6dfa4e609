"""The donation demo loader: idempotent, every state present, non-trivial REEN figures."""

from __future__ import annotations

from decimal import Decimal

from nrhub.catalog.models import Listing
from nrhub.demo import catalog, donations, organisations
from nrhub.demo.organisations import organisation
from nrhub.donations.models import ClaimStatus, DonationClaim, DonationLot, RetiredStock
from nrhub.extensions import db
from nrhub.stats import queries
from tests.donations.conftest import today


def _counts() -> tuple[int, int, int, int]:
    def n(model) -> int:  # type: ignore[no-untyped-def]
        return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()

    return n(DonationLot), n(DonationClaim), n(RetiredStock), n(Listing)


def test_demo_donations_load_twice_without_duplicates(app):
    organisations.load()
    catalog.load()
    donations.load()
    first = _counts()
    donations.load()
    assert _counts() == first
    assert first[:3] == (len(donations.LOTS), 8, len(donations.STOCKS))  # 2 lots still open

    statuses = set(db.session.execute(db.select(DonationClaim.status)).scalars())
    assert statuses == {
        ClaimStatus.PENDING,
        ClaimStatus.ACCEPTED,
        ClaimStatus.PICKED_UP,
        ClaimStatus.COMPLETED,
    }
    listing = db.session.execute(
        db.select(Listing).where(Listing.sku == donations.LISTING_SKU)
    ).scalar_one()
    assert listing.donation_lot_id is not None

    year = today().year
    vitre = organisation("vitre").id
    figures = queries.retired_reuse(year, buyer_id=vitre)
    assert (figures.units_reused, figures.stock_units) == (16, 40)
    assert figures.rate == Decimal("0.4")
    assert figures.kg_diverted == Decimal("36.8")  # 16 × 2.3 kg
    assert queries.retired_reuse(year - 1, buyer_id=vitre).rate == Decimal("0.4")  # 10 / 25
    hub = queries.retired_reuse(year)
    assert hub.rate is not None and hub.rate > 0
    for lot in db.session.execute(db.select(DonationLot)).scalars():
        assert 0 <= lot.remaining_quantity <= lot.quantity
