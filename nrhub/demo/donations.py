"""Demo data of the donation loop: lots of retired equipment in every state, a listing
made from a donated lot, and the retired stock of several demo buyers, so that the REEN
figures of the dashboards are not empty (Vitré above all). Idempotent: a lot is keyed by
its donor and description, a stock by buyer and year, the listing by its SKU."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from nrhub.catalog.models import Category, Grade, Listing, ListingState, ListingStatus
from nrhub.db import utcnow
from nrhub.demo.organisations import organisation
from nrhub.donations.models import (
    AgeBracket,
    ClaimStatus,
    DonationClaim,
    DonationLot,
    LotCondition,
    LotReach,
    ReenCategory,
    RetiredStock,
)
from nrhub.extensions import db
from nrhub.formatting import paris_date_of
from nrhub.organisations import geo

MARK = "[démo] "


@dataclass(frozen=True)
class DemoLot:
    donor: str
    description: str
    category: str
    quantity: int
    age: AgeBracket
    condition: LotCondition
    unit_weight_g: int
    stage: str  # open, pending, accepted, picked_up, completed
    refurbisher: str | None = None
    claimed: int = 0
    picked_up: int = 0
    reused: int = 0
    recycled: int = 0
    years_ago: int = 0  # of the pickup and the outcome
    reach: LotReach = LotReach.DEPARTMENT
    wiping: bool = True


U5, U10, O10 = AgeBracket.UNDER_5, AgeBracket.FROM_5_TO_10, AgeBracket.OVER_10
OK, REPAIR, PARTS = LotCondition.WORKING, LotCondition.TO_REPAIR, LotCondition.FOR_PARTS

LOTS = (
    DemoLot("vitre", "Portables Dell Latitude 5490 du service culture", "laptop", 20, U5, OK,
            2300, "completed", "ordi-breizh", 20, 20, 16, 3),
    DemoLot("vitre", "Unités centrales HP ProDesk de la médiathèque", "desktop", 15, U10, OK,
            7500, "completed", "ordi-breizh", 15, 15, 10, 5, years_ago=1),
    DemoLot("vitre", "Écrans 19 pouces 4/3 des écoles", "monitor", 8, O10, PARTS,
            4500, "completed", "atelier-leon", 8, 8, 0, 8, reach=LotReach.REGION, wiping=False),
    DemoLot("vitre", "Smartphones des agents de la police municipale", "smartphone", 12, U5, OK,
            180, "open"),
    DemoLot("vitre", "Tablettes des conseillers municipaux", "tablet", 10, U5, REPAIR,
            500, "pending", "ordi-breizh", 6),
    DemoLot("fougeres", "Portables Lenovo ThinkPad T470 des services techniques", "laptop", 25,
            U10, OK, 2100, "accepted", "ordi-breizh", 25),
    DemoLot("lannion", "Postes fixes de l'hôtel de ville", "desktop", 30, U10, OK,
            7000, "picked_up", "armor-ea", 30, 28),
    DemoLot("quimperle", "Portables de l'espace public numérique", "laptop", 18, U5, OK,
            2200, "completed", "atelier-leon", 18, 17, 15, 2),
    DemoLot("pontivy", "Imprimantes laser des écoles", "printer", 6, U10, REPAIR,
            12000, "completed", "scop-vannes", 6, 6, 4, 2, years_ago=1, wiping=False),
    DemoLot("concarneau", "Écrans 22 pouces de la mairie annexe", "monitor", 40, U10, OK,
            4000, "open", reach=LotReach.REGION, wiping=False),
)  # fmt: skip

# (buyer, years ago, units at 1 January, kg)
STOCKS = (
    ("vitre", 0, 40, 2600),
    ("vitre", 1, 25, 1500),
    ("quimperle", 0, 20, 900),
    ("lannion", 0, 45, 3100),
    ("pontivy", 1, 12, 700),
    ("fougeres", 0, 60, None),
)

LISTING_SKU = "DON-VITRE-LAT5490"


def _today() -> dt.date:
    return paris_date_of(utcnow())


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.UTC)


def _dates(spec: DemoLot, today: dt.date) -> tuple[dt.date, dt.date, dt.date]:
    """(available from, until, outcome day): this year's outcomes fall before today."""
    if spec.years_ago:
        year = today.year - spec.years_ago
        return dt.date(year, 9, 1), dt.date(year, 11, 30), dt.date(year, 10, 20)
    start = today - dt.timedelta(days=40)
    outcome = max(today - dt.timedelta(days=10), dt.date(today.year, 1, 1))
    return start, today + dt.timedelta(days=60), outcome


def _lot(spec: DemoLot, categories: dict[str, int], today: dt.date) -> DonationLot | None:
    donor = organisation(spec.donor)
    text = MARK + spec.description
    exists = db.session.execute(
        select(DonationLot.id).where(
            DonationLot.donor_id == donor.id, DonationLot.description == text
        )
    ).first()
    if exists:
        return None
    available_from, available_until, outcome_on = _dates(spec, today)
    created = _at(available_from)
    department = geo.department_from_postcode(donor.postcode) or donor.department_code
    lot = DonationLot(
        donor_id=donor.id,
        category_id=categories[spec.category],
        description=text,
        quantity=spec.quantity,
        # Units left behind at pickup went back to the lot.
        remaining_quantity=spec.quantity - (spec.picked_up or spec.claimed),
        age_bracket=spec.age,
        condition=spec.condition,
        unit_weight_g=spec.unit_weight_g,
        pickup_address=donor.address,
        pickup_postcode=donor.postcode,
        pickup_city=donor.city,
        department_code=department,
        region_code=geo.region_of(department),
        available_from=available_from,
        available_until=available_until,
        data_wiping_required=spec.wiping,
        reach=spec.reach,
        reach_changed_at=utcnow() - dt.timedelta(days=2),
        created_at=created,
    )  # fmt: skip
    db.session.add(lot)
    db.session.flush()
    if spec.refurbisher is None:
        return lot
    status = {
        "pending": ClaimStatus.PENDING,
        "accepted": ClaimStatus.ACCEPTED,
        "picked_up": ClaimStatus.PICKED_UP,
        "completed": ClaimStatus.COMPLETED,
    }[spec.stage]
    picked_on = outcome_on - dt.timedelta(days=12)
    db.session.add(
        DonationClaim(
            lot_id=lot.id,
            refurbisher_id=organisation(spec.refurbisher).id,
            quantity=spec.claimed,
            status=status,
            message="Enlèvement possible avec notre camion, un matin en semaine.",
            claimed_at=created + dt.timedelta(days=1),
            decided_at=None if status == ClaimStatus.PENDING else created + dt.timedelta(days=2),
            picked_up_on=picked_on if spec.picked_up else None,
            picked_up_quantity=spec.picked_up or None,
            units_reused=spec.reused if status == ClaimStatus.COMPLETED else None,
            units_recycled=spec.recycled if status == ClaimStatus.COMPLETED else None,
            outcome_on=outcome_on if status == ClaimStatus.COMPLETED else None,
        )
    )
    return lot


def _listing_from(lot_id: int, categories: dict[str, int]) -> None:
    refurbisher = organisation("ordi-breizh")
    exists = db.session.execute(
        select(Listing.id).where(
            Listing.refurbisher_id == refurbisher.id, Listing.sku == LISTING_SKU
        )
    ).first()
    if exists:
        return
    now = utcnow()
    db.session.add(
        Listing(
            refurbisher_id=refurbisher.id,
            category_id=categories["laptop"],
            sku=LISTING_SKU,
            brand="Dell",
            model="Latitude 5490 (issu d'un don de la commune de Vitré)",
            processor="Intel Core i5-8350U",
            ram_gb=8,
            storage_gb=256,
            screen_inches=Decimal("14.0"),
            description="Portables réformés par la commune de Vitré, collectés, effacés "
            "(certificat fourni) et reconditionnés dans notre atelier d'insertion à Rennes.",
            grade=Grade.B,
            state=ListingState.REFURBISHED,
            refurbished_in_france=True,
            data_wiping_attested=True,
            quantity=12,
            unit_price=Decimal("219.00"),
            vat_rate=Decimal("20.00"),
            warranty_months=12,
            status=ListingStatus.PUBLISHED,
            published_at=now,
            created_at=now,
            updated_at=now,
            donation_lot_id=lot_id,
        )
    )


def load() -> None:
    """Idempotent: what already exists is left alone."""
    today = _today()
    categories = {c.code: c.id for c in db.session.execute(select(Category)).scalars()}
    for spec in LOTS:
        _lot(spec, categories, today)
    db.session.flush()
    first = db.session.execute(
        select(DonationLot.id).where(DonationLot.description == MARK + LOTS[0].description)
    ).scalar_one()
    _listing_from(first, categories)
    for key, ago, units, kg in STOCKS:
        buyer = organisation(key)
        year = today.year - ago
        found = db.session.execute(
            select(RetiredStock.id).where(
                RetiredStock.buyer_id == buyer.id, RetiredStock.year == year
            )
        ).first()
        if found is None:
            db.session.add(
                RetiredStock(
                    buyer_id=buyer.id,
                    year=year,
                    reen_category=ReenCategory.SMALL_IT,
                    units=units,
                    weight_kg=kg,
                )
            )
    db.session.flush()  # the caller's unit of work commits
