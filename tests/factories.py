"""factory_boy factories for the models.

They write rows directly (``flush``, no service): use them to set the scene, and the
services for what a test exercises. The ``*PersonFactory`` classes make a person with a new
organisation of their role (``organisation__name="Atelier Alpha"`` names it).

Models whose rows must go through a service to stay consistent have no factory here: ledger
entries (``SpendEntry``: the summary tables are kept equal to the ledger by
``nrhub.ledger.services``) and deliveries' lines (they point at allocations made by the
consolidation).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import factory
from sqlalchemy.orm import Session
from stdnum import luhn

from nrhub.agreements.models import MembershipAgreement
from nrhub.auth.models import User
from nrhub.auth.passwords import hash_password
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignOfferTier,
    CampaignState,
    OfferStatus,
    Order,
    OrderLine,
    OrderStatus,
)
from nrhub.catalog.models import (
    Category,
    Grade,
    Listing,
    ListingStatus,
    MaintenanceKind,
    MaintenanceOffer,
    PriceTier,
)
from nrhub.clauses.models import Clause, ClauseForm, ClauseKind, ClauseStrength
from nrhub.consolidation.models import Delivery, DeliveryStatus, PurchaseOrder
from nrhub.db import utcnow
from nrhub.donations.models import (
    AgeBracket,
    ClaimStatus,
    DonationClaim,
    DonationLot,
    LotCondition,
    LotStatus,
)
from nrhub.extensions import db
from nrhub.organisations.models import (
    BuyerType,
    InsertionType,
    LegalForm,
    Organisation,
    OrgKind,
    OrgStatus,
)

PASSWORD = "correct-horse-battery"
_siret_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def valid_siret() -> str:
    """A SIRET whose SIREN and whole number both pass the Luhn check (as stdnum requires)."""
    siren_prefix = f"8{next(_siret_counter):07d}"
    siren = siren_prefix + luhn.calc_check_digit(siren_prefix)
    prefix = siren + "0001"
    return prefix + luhn.calc_check_digit(prefix)


class _Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "flush"


def bind(session: Session) -> None:
    for factory_class in _ALL:
        factory_class._meta.sqlalchemy_session = session


class OrganisationFactory(_Base):
    class Meta:
        model = Organisation

    kind = OrgKind.BUYER
    name = factory.Sequence(lambda n: f"Commune n°{n}")
    siret = factory.LazyFunction(valid_siret)
    address = "1 place de la Mairie"
    postcode = "35000"
    city = "Rennes"
    department_code = "35"
    region_code = "53"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.fr")
    status = OrgStatus.ACTIVE
    validated_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def membership(obj: Organisation, create: bool, extracted: object, **kwargs: object) -> None:
        """A buyer joins the hub with a membership agreement in force, as every buyer that
        orders must; ``membership=False`` makes one without."""
        if not create or obj.kind != OrgKind.BUYER or extracted is False:
            return
        session = OrganisationFactory._meta.sqlalchemy_session
        session.add(
            MembershipAgreement(
                buyer_id=obj.id,
                text_version="2026-01",
                signed_on=dt.date(2020, 1, 1),
                signatory_name="Maire",
                signatory_role="Maire",
                deliberation_reference="DEL-2020-001",
            )
        )
        session.flush()


class BuyerFactory(OrganisationFactory):
    kind = OrgKind.BUYER
    buyer_type = BuyerType.COMMUNE
    population = 12000


class RefurbisherFactory(OrganisationFactory):
    kind = OrgKind.REFURBISHER
    name = factory.Sequence(lambda n: f"Atelier solidaire n°{n}")
    legal_form = LegalForm.ASSOCIATION
    insertion_type = InsertionType.ACI
    esus_agreement = True


class HubFactory(OrganisationFactory):
    kind = OrgKind.HUB
    name = "Centrale d'achat de test"


def _password_hash() -> str:
    if PASSWORD not in _hash_cache:
        _hash_cache[PASSWORD] = hash_password(PASSWORD)
    return _hash_cache[PASSWORD]


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"personne{n}@example.fr")
    name = factory.Sequence(lambda n: f"Personne {n}")
    password_hash = factory.LazyFunction(_password_hash)
    organisation = factory.SubFactory(BuyerFactory)
    is_org_admin = True


def category(code: str = "laptop") -> Category:
    return db.session.execute(db.select(Category).where(Category.code == code)).scalar_one()


class ListingFactory(_Base):
    class Meta:
        model = Listing

    refurbisher = factory.SubFactory(RefurbisherFactory)
    category = factory.LazyFunction(category)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    brand = "Lenovo"
    model = factory.Sequence(lambda n: f"ThinkPad T480 #{n}")
    description = "Portable 14 pouces reconditionné"
    grade = Grade.A
    quantity = 10
    unit_price = Decimal("250.00")
    vat_rate = Decimal("20.00")
    warranty_months = 12
    status = ListingStatus.PUBLISHED
    published_at = factory.LazyFunction(utcnow)


class PriceTierFactory(_Base):
    class Meta:
        model = PriceTier

    listing = factory.SubFactory(ListingFactory)
    min_quantity = 10
    unit_price = Decimal("230.00")


class MaintenanceOfferFactory(_Base):
    """A maintenance offer on a listing, by the listing's refurbisher."""

    class Meta:
        model = MaintenanceOffer

    listing = factory.SubFactory(ListingFactory)
    refurbisher_id = factory.SelfAttribute("listing.refurbisher_id")
    kind = MaintenanceKind.MAINTENANCE
    duration_months = 24
    unit_price = Decimal("30.00")
    coverage = "Pièces et main-d'œuvre"


# --- people of each role ----------------------------------------------------------------


class BuyerPersonFactory(UserFactory):
    organisation = factory.SubFactory(BuyerFactory)


class RefurbisherPersonFactory(UserFactory):
    organisation = factory.SubFactory(RefurbisherFactory)


class CoordinatorFactory(UserFactory):
    organisation = factory.SubFactory(HubFactory)


class PendingRefurbisherFactory(UserFactory):
    """A person of a refurbisher that signed up and is not validated yet."""

    organisation = factory.SubFactory(
        RefurbisherFactory, status=OrgStatus.PENDING, validated_at=None
    )


# --- campaigns, offers, orders ----------------------------------------------------------


class ClauseFactory(_Base):
    class Meta:
        model = Clause

    title = factory.Sequence(lambda n: f"Clause n°{n}")
    text = "Texte de la clause."
    kind = ClauseKind.ENVIRONMENTAL
    form = ClauseForm.CLAUSE
    strength = ClauseStrength.COERCIVE
    theme = "reuse"
    source = "Guide"


class CampaignFactory(_Base):
    class Meta:
        model = Campaign

    title = factory.Sequence(lambda n: f"Campagne n°{n}")
    description = ""
    state = CampaignState.OPEN
    opens_at = factory.LazyFunction(lambda: utcnow() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: utcnow() + dt.timedelta(days=10))


class CampaignOfferFactory(_Base):
    """An accepted offer of a listing's whole stock at the listing's price."""

    class Meta:
        model = CampaignOffer

    campaign = factory.SubFactory(CampaignFactory)
    listing = factory.SubFactory(ListingFactory)
    refurbisher = factory.SelfAttribute("listing.refurbisher")
    committed_quantity = factory.SelfAttribute("listing.quantity")
    unit_price = factory.SelfAttribute("listing.unit_price")
    status = OfferStatus.ACCEPTED


class CampaignOfferTierFactory(_Base):
    class Meta:
        model = CampaignOfferTier

    class Params:
        offer = factory.SubFactory(CampaignOfferFactory)

    offer_id = factory.SelfAttribute("offer.id")
    min_quantity = 10
    unit_price = Decimal("230.00")


class OrderFactory(_Base):
    class Meta:
        model = Order

    campaign = factory.SubFactory(CampaignFactory)
    buyer = factory.SubFactory(BuyerFactory)
    status = OrderStatus.ACTIVE


class OrderLineFactory(_Base):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    offer = factory.SubFactory(
        CampaignOfferFactory, campaign=factory.SelfAttribute("..order.campaign")
    )
    quantity = 2


# --- consolidation ----------------------------------------------------------------------

_po_sequence = itertools.count(1)


class PurchaseOrderFactory(_Base):
    """A purchase order with no lines (the consolidation writes the lines)."""

    class Meta:
        model = PurchaseOrder

    campaign = factory.SubFactory(CampaignFactory, state=CampaignState.CONSOLIDATED)
    refurbisher = factory.SubFactory(RefurbisherFactory)
    year = 2026
    sequence = factory.LazyFunction(lambda: next(_po_sequence))
    number = factory.LazyAttribute(lambda o: f"BC-{o.year}-{o.sequence:04d}")
    total_ht = Decimal("0.00")


class DeliveryFactory(_Base):
    """A delivery of a purchase order to a buyer that ordered in its campaign (its keys
    require that order), with no lines."""

    class Meta:
        model = Delivery
        exclude = ("order",)

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    campaign = factory.SelfAttribute("purchase_order.campaign")
    refurbisher = factory.SelfAttribute("purchase_order.refurbisher")
    order = factory.SubFactory(OrderFactory, campaign=factory.SelfAttribute("..campaign"))
    buyer = factory.SelfAttribute("order.buyer")
    status = DeliveryStatus.PENDING
    total_ht = Decimal("0.00")


# --- donations --------------------------------------------------------------------------


class DonationLotFactory(_Base):
    class Meta:
        model = DonationLot

    donor = factory.SubFactory(BuyerFactory)
    category = factory.LazyFunction(category)
    quantity = 10
    remaining_quantity = factory.SelfAttribute("quantity")
    age_bracket = AgeBracket.UNDER_5
    condition = LotCondition.WORKING
    unit_weight_g = 2300
    pickup_address = "Place du Château"
    pickup_postcode = "35500"
    pickup_city = "Vitré"
    department_code = factory.SelfAttribute("donor.department_code")
    region_code = factory.SelfAttribute("donor.region_code")
    available_from = factory.LazyFunction(lambda: utcnow().date())
    available_until = factory.LazyFunction(lambda: utcnow().date() + dt.timedelta(days=30))
    status = LotStatus.OPEN


class DonationClaimFactory(_Base):
    """A pending claim on units of a lot (the lot's remaining units are left as they are)."""

    class Meta:
        model = DonationClaim

    lot = factory.SubFactory(DonationLotFactory)
    refurbisher = factory.SubFactory(RefurbisherFactory)
    quantity = 1
    status = ClaimStatus.PENDING


_ALL = (
    OrganisationFactory,
    BuyerFactory,
    RefurbisherFactory,
    HubFactory,
    UserFactory,
    ListingFactory,
    PriceTierFactory,
    MaintenanceOfferFactory,
    BuyerPersonFactory,
    RefurbisherPersonFactory,
    CoordinatorFactory,
    PendingRefurbisherFactory,
    ClauseFactory,
    CampaignFactory,
    CampaignOfferFactory,
    CampaignOfferTierFactory,
    OrderFactory,
    OrderLineFactory,
    PurchaseOrderFactory,
    DeliveryFactory,
    DonationLotFactory,
    DonationClaimFactory,
)
