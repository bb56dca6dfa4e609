"""Small builders for consolidation tests: campaigns, offers and orders made with the
factories of :mod:`tests.factories`.

They do not go through the campaigns area's services, so that these tests only depend on the
shared data model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from nrhub.auth.models import User
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignState,
    OfferStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from nrhub.catalog.models import Listing
from nrhub.clauses.models import Clause, ClauseForm, ClauseKind
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgStatus
from nrhub.transactions import unit_of_work
from tests import factories

T0 = dt.datetime(2026, 10, 1, 8, 0, tzinfo=dt.UTC)
# When the tests' campaigns are consolidated (their purchase orders' date): after the
# orders, before the shipments of the tests.
CONFIRMED_AT = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)

R = TypeVar("R")


def run(service: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """Call a use case as a request does: in one unit of work, committed on success and
    rolled back when it raises (then its e-mails leave)."""
    with unit_of_work():
        return service(*args, **kwargs)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def campaign(
    title: str = "Campagne de test",
    state: CampaignState = CampaignState.CLOSED,
    clauses: tuple[Clause, ...] = (),
    closes_at: dt.datetime = T0 + dt.timedelta(days=1),
) -> Campaign:
    opens_at = closes_at - dt.timedelta(days=31)
    return factories.CampaignFactory(
        title=title, opens_at=opens_at, closes_at=closes_at, state=state, clauses=list(clauses)
    )


def clause(kind: ClauseKind, form: ClauseForm, title: str = "Clause") -> Clause:
    return factories.ClauseFactory(kind=kind, form=form, title=title)


def offer(
    campaign_: Campaign,
    listing: Listing,
    committed: int,
    *,
    tiers: tuple[tuple[int, str], ...] = (),
    status: OfferStatus = OfferStatus.ACCEPTED,
) -> CampaignOffer:
    # The refurbisher from the session: a committed listing does not load its relationship.
    refurbisher = db.session.get(Organisation, listing.refurbisher_id)
    item = factories.CampaignOfferFactory(
        campaign=campaign_,
        listing=listing,
        refurbisher=refurbisher,
        committed_quantity=committed,
        status=status,
    )
    for minimum, price in tiers:
        factories.CampaignOfferTierFactory(
            offer=item, min_quantity=minimum, unit_price=Decimal(price)
        )
    return item


def listing_tier(listing: Listing, minimum: int, price: str) -> None:
    factories.PriceTierFactory(listing=listing, min_quantity=minimum, unit_price=Decimal(price))


def order(
    campaign_: Campaign,
    buyer: Organisation,
    lines: list[tuple[CampaignOffer, int]],
    changed_at: dt.datetime,
    status: OrderStatus = OrderStatus.ACTIVE,
) -> Order:
    item = factories.OrderFactory(
        campaign=campaign_, buyer=buyer, status=status, created_at=changed_at, updated_at=changed_at
    )
    for offer_, quantity in lines:
        factories.OrderLineFactory(
            order=item, offer=offer_, quantity=quantity, updated_at=changed_at
        )
    return item


def person(organisation: Organisation, email: str) -> User:
    return factories.UserFactory(organisation=organisation, email=email)


@dataclass
class Scenario:
    """Two refurbishers, three buyers, one closed campaign; figures worked out in tests."""

    campaign: Campaign
    coordinator: User
    hub: Organisation
    refurbisher_a: Organisation
    refurbisher_b: Organisation
    buyers: list[Organisation]
    people: dict[str, User]
    listings: dict[str, Listing]
    offers: dict[str, CampaignOffer]
    orders: list[Order]
    lines: dict[tuple[str, int], int] = field(default_factory=dict)  # (offer, buyer #) → line id


def scenario(title: str = "Campagne automne 2026") -> Scenario:
    """
    Offers (committed, free stock left after the commitment):
      laptop  — Atelier A, 250.00 € HT, tiers 5 → 230.00, 10 → 210.00; committed 10, free 5
      monitor — Atelier A, 120.00 € HT, no tier;                    committed 20, free 10
      phone   — Atelier B, 179.99 € HT, VAT 5.5 %;                  committed 6,  free 0
    Orders (last change: buyer 2 first, then buyer 3, then buyer 1):
      laptop  4 / 4 / 4 (12 > 10)   monitor 5 / – / 3   phone – / 6 / 2 (8 > 6)
    """
    hub = factories.HubFactory()
    coordinator = person(hub, "coordination@test.fr")
    refurbisher_a = factories.RefurbisherFactory(name="Atelier A", contact_email="a@test.fr")
    refurbisher_b = factories.RefurbisherFactory(name="Atelier B", contact_email="b@test.fr")
    buyers = [factories.BuyerFactory(name=f"Commune {n}") for n in (1, 2, 3)]
    people = {
        "coordinator": coordinator,
        "refurbisher_a": person(refurbisher_a, "atelier-a@test.fr"),
        "refurbisher_b": person(refurbisher_b, "atelier-b@test.fr"),
        "buyer1": person(buyers[0], "acheteur1@test.fr"),
        "buyer2": person(buyers[1], "acheteur2@test.fr"),
        "buyer3": person(buyers[2], "acheteur3@test.fr"),
    }
    social = clause(ClauseKind.SOCIAL, ClauseForm.CLAUSE, "Heures d'insertion")
    environmental = clause(ClauseKind.ENVIRONMENTAL, ClauseForm.CRITERION, "Réparabilité")
    item = campaign(title, clauses=(social, environmental))
    listings = {
        "laptop": factories.ListingFactory(
            refurbisher=refurbisher_a,
            brand="Lenovo",
            model="ThinkPad T480",
            sku="LAP-1",
            quantity=5,
            unit_price=Decimal("250.00"),
        ),
        "monitor": factories.ListingFactory(
            refurbisher=refurbisher_a,
            category=factories.category("monitor"),
            brand="Dell",
            model="P2419H",
            sku="MON-1",
            quantity=10,
            unit_price=Decimal("120.00"),
        ),
        "phone": factories.ListingFactory(
            refurbisher=refurbisher_b,
            category=factories.category("smartphone"),
            brand="Fairphone",
            model="4",
            sku="PHO-1",
            quantity=0,
            unit_price=Decimal("179.99"),
            vat_rate=Decimal("5.50"),
        ),
    }
    offers = {
        "laptop": offer(item, listings["laptop"], 10, tiers=((5, "230.00"), (10, "210.00"))),
        "monitor": offer(item, listings["monitor"], 20),
        "phone": offer(item, listings["phone"], 6),
    }
    orders = [
        order(item, buyers[0], [(offers["laptop"], 4), (offers["monitor"], 5)], at(30)),
        order(item, buyers[1], [(offers["laptop"], 4), (offers["phone"], 6)], at(10)),
        order(
            item,
            buyers[2],
            [(offers["laptop"], 4), (offers["monitor"], 3), (offers["phone"], 2)],
            at(20),
        ),
    ]
    result = Scenario(
        item,
        coordinator,
        hub,
        refurbisher_a,
        refurbisher_b,
        buyers,
        people,
        listings,
        offers,
        orders,
    )
    for number, order_ in enumerate(orders, start=1):
        for line in db.session.execute(
            db.select(OrderLine).where(OrderLine.order_id == order_.id)
        ).scalars():
            key = next(k for k, o in offers.items() if o.id == line.offer_id)
            result.lines[(key, number)] = line.id
    db.session.commit()
    return result


def pending_person(email: str = "en-attente@test.fr") -> User:
    org = factories.BuyerFactory(status=OrgStatus.PENDING, validated_at=None)
    return person(org, email)
