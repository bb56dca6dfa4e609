"""factory_boy factories for the core models; areas add their own beside their tests."""

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
from nrhub.catalog.models import Category, Grade, Listing, ListingStatus
from nrhub.db import utcnow
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


_ALL = (
    OrganisationFactory,
    BuyerFactory,
    RefurbisherFactory,
    HubFactory,
    UserFactory,
    ListingFactory,
)
