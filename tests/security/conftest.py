"""One small world with two organisations of each kind and one object of every kind each.

The attack tests take ids from it, log in as someone of another organisation and check the
answer. ``World.ids`` names every object; ``World.emails`` names every person.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

import nrhub.uploads  # noqa: F401  (registers the image plugins the photo service uses)
from nrhub.agreements.models import (
    Ccag,
    FrameworkAgreement,
    FrameworkLot,
    FrameworkLotHolder,
    MembershipAgreement,
    Procedure,
)
from nrhub.api import tokens as api_tokens
from nrhub.campaigns.models import CampaignState, OfferStatus, OrderLine
from nrhub.catalog import services as catalog_services
from nrhub.catalog.models import ListingStatus, MaintenanceKind, MaintenanceOffer
from nrhub.clauses.models import ClauseForm, ClauseKind
from nrhub.consolidation import services as consolidation_services
from nrhub.consolidation.models import Delivery, DeliveryLine, PurchaseOrder
from nrhub.donations import files as donation_files
from nrhub.donations.models import (
    AgeBracket,
    ClaimStatus,
    DonationClaim,
    DonationLot,
    LotCondition,
    ReenCategory,
    RetiredOutcome,
    RetiredRoute,
)
from nrhub.extensions import db
from nrhub.invoices.models import Invoice, InvoiceKind, InvoiceLine
from nrhub.ledger.models import LegalTarget, SpendEntry, SpendOrigin, TargetKind
from nrhub.organisations.models import OrgStatus
from nrhub.repairs.models import RepairRequest
from tests import factories
from tests.conftest import login
from tests.consolidation import factories as f


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    bearer: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _spend(buyer_id: int, supplier: str, amount: str) -> SpendEntry:
    entry = SpendEntry(
        buyer_id=buyer_id,
        spent_on=dt.date(2026, 3, 2),
        year=2026,
        category_id=factories.category("laptop").id,
        quantity=2,
        amount=Decimal(amount),
        supplier_name=supplier,
        origin=SpendOrigin.EXTERNAL,
        is_reuse=True,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _retired_outcome(buyer_id: int) -> RetiredOutcome:
    """Buyer 1's retired equipment sold with a reuse commitment, and its proof (a PDF)."""
    proof = donation_files.check_certificate(b"%PDF-1.4\nJustificatif\n%%EOF\n")
    name = donation_files.certificate_name(proof)
    donation_files.write_certificate(name, proof)
    outcome = RetiredOutcome(
        buyer_id=buyer_id,
        year=2026,
        outcome_on=dt.date(2026, 3, 2),
        route=RetiredRoute.SALE,
        reen_category=ReenCategory.SMALL_IT,
        units=2,
        receiver="Commune voisine",
        reuse_committed=True,
        proof_name=name,
    )
    db.session.add(outcome)
    return outcome


def _donation(donor_id: int, refurbisher_id: int) -> tuple[DonationLot, DonationClaim]:
    """A lot of buyer 1 wholly claimed by refurbisher A (so B no longer sees it)."""
    lot = DonationLot(
        donor_id=donor_id,
        category_id=factories.category("laptop").id,
        description="Portables réformés",
        quantity=4,
        remaining_quantity=0,
        age_bracket=next(iter(AgeBracket)),
        condition=next(iter(LotCondition)),
        unit_weight_g=2000,
        pickup_address="1 place de la Mairie",
        pickup_postcode="35000",
        pickup_city="Rennes",
        department_code="35",
        region_code="53",
        available_from=dt.date(2026, 1, 1),
        available_until=dt.date(2027, 1, 1),
    )
    db.session.add(lot)
    db.session.flush()
    claim = DonationClaim(
        lot_id=lot.id, refurbisher_id=refurbisher_id, quantity=4, status=ClaimStatus.ACCEPTED
    )
    db.session.add(claim)
    db.session.flush()
    return lot, claim


def _repairs(listing_id: int, refurbisher_id: int, delivery: Delivery):  # type: ignore[no-untyped-def]
    """A maintenance offer on A's draft; a repair request of buyer 1 on A's delivery."""
    offer = MaintenanceOffer(
        listing_id=listing_id,
        refurbisher_id=refurbisher_id,
        kind=MaintenanceKind.MAINTENANCE,
        duration_months=12,
        unit_price=Decimal("30.00"),
    )
    db.session.add(offer)
    line = db.session.execute(
        select(DeliveryLine).where(DeliveryLine.delivery_id == delivery.id).limit(1)
    ).scalar_one()
    repair = RepairRequest(
        buyer_id=delivery.buyer_id,
        refurbisher_id=refurbisher_id,
        delivery_id=delivery.id,
        delivery_line_id=line.id,
        quantity=1,
        description="Écran cassé",
    )
    db.session.add(repair)
    db.session.flush()
    return offer, repair


def build_world(app: Flask) -> World:
    """Refurbishers A and B, buyers 1 and 2 (and 3), one hub; see the keys of ``ids``."""
    s = f.scenario()
    world = World()
    people = s.people
    world.emails = {
        "coordinator": people["coordinator"].email,
        "refurbisher_a": people["refurbisher_a"].email,
        "refurbisher_b": people["refurbisher_b"].email,
        "buyer1": people["buyer1"].email,
        "buyer2": people["buyer2"].email,
    }
    colleague = factories.UserFactory(
        organisation=s.buyers[0], email="collegue1@test.fr", is_org_admin=False
    )
    pending = f.pending_person()
    world.emails["pending"] = pending.email

    # Drafts only their refurbisher sees, each with a photo.
    draft_a = factories.ListingFactory(
        refurbisher=s.refurbisher_a, sku="DRAFT-A", status=ListingStatus.DRAFT, published_at=None
    )
    draft_b = factories.ListingFactory(
        refurbisher=s.refurbisher_b, sku="DRAFT-B", status=ListingStatus.DRAFT, published_at=None
    )
    db.session.commit()
    with app.test_request_context():
        photo_a = catalog_services.add_photo(draft_a, png_bytes(), by=people["refurbisher_a"])
        photo_b = catalog_services.add_photo(draft_b, png_bytes(), by=people["refurbisher_b"])

    # Closed campaign consolidated: purchase orders and deliveries.
    with app.test_request_context():
        consolidation_services.confirm_consolidation(s.campaign, by=s.coordinator)
    po_a = db.session.execute(
        select(PurchaseOrder).where(PurchaseOrder.refurbisher_id == s.refurbisher_a.id)
    ).scalar_one()
    po_b = db.session.execute(
        select(PurchaseOrder).where(PurchaseOrder.refurbisher_id == s.refurbisher_b.id)
    ).scalar_one()
    delivery_a1 = db.session.execute(
        select(Delivery).where(
            Delivery.purchase_order_id == po_a.id, Delivery.buyer_id == s.buyers[0].id
        )
    ).scalar_one()

    # A closed (not consolidated) campaign, for the consolidation screens.
    closed = f.campaign("Campagne close")
    closed_offer = f.offer(closed, s.listings["monitor"], 2)
    closed_order = f.order(closed, s.buyers[0], [(closed_offer, 1)], f.at(0))
    closed_line = db.session.execute(
        select(OrderLine.id).where(OrderLine.order_id == closed_order.id)
    ).scalar_one()

    # An open campaign with a pending and an accepted offer of A, ordered by buyer 1.
    now = dt.datetime.now(dt.UTC)
    open_campaign = f.campaign(
        "Campagne ouverte", state=CampaignState.OPEN, closes_at=now + dt.timedelta(days=10)
    )
    open_campaign.opens_at = now - dt.timedelta(days=1)
    accepted = f.offer(open_campaign, s.listings["laptop"], 2)
    pending_offer = f.offer(open_campaign, s.listings["monitor"], 2, status=OfferStatus.PENDING)
    open_order = f.order(open_campaign, s.buyers[0], [(accepted, 1)], now)

    draft_campaign = f.campaign(
        "Campagne brouillon", state=CampaignState.DRAFT, closes_at=now + dt.timedelta(days=40)
    )

    entry1 = _spend(s.buyers[0].id, "Fournisseur Un", "800.00")
    entry2 = _spend(s.buyers[1].id, "Fournisseur Deux", "900.00")
    target = LegalTarget(
        code="securite-test",
        kind=TargetKind.SPEND_SHARE,
        legal_category="Test",
        first_year=2030,
        reuse_rate_bp=1000,
        source="Test",
    )
    db.session.add(target)
    lot, claim = _donation(s.buyers[0].id, s.refurbisher_a.id)
    outcome = _retired_outcome(s.buyers[0].id)
    maintenance, repair = _repairs(draft_a.id, s.refurbisher_a.id, delivery_a1)
    invoice_a1 = _invoice(delivery_a1)
    suspended = factories.BuyerFactory(name="Commune suspendue", status=OrgStatus.SUSPENDED)
    clause = f.clause(ClauseKind.SOCIAL, ClauseForm.CLAUSE, "Clause de test")
    framework, framework_lot, holder = _framework(s.refurbisher_a.id)
    membership1 = db.session.execute(
        select(MembershipAgreement.id).where(MembershipAgreement.buyer_id == s.buyers[0].id)
    ).scalar_one()
    db.session.commit()

    with app.test_request_context():
        token1, raw1 = api_tokens.issue_token(people["buyer1"], "Test", by=people["buyer1"])
        _t2, raw2 = api_tokens.issue_token(people["buyer2"], "Test", by=people["buyer2"])
        _ta, raw_a = api_tokens.issue_token(
            people["refurbisher_a"], "Test", by=people["refurbisher_a"]
        )
        _tb, raw_b = api_tokens.issue_token(
            people["refurbisher_b"], "Test", by=people["refurbisher_b"]
        )
        _tc, raw_c = api_tokens.issue_token(people["coordinator"], "Test", by=people["coordinator"])
        db.session.commit()  # the service only flushes: the unit of work commits
    world.bearer = {
        "buyer1": raw1,
        "buyer2": raw2,
        "refurbisher_a": raw_a,
        "refurbisher_b": raw_b,
        "coordinator": raw_c,
    }
    world.ids = {
        "hub": s.hub.id,
        "refurbisher_a": s.refurbisher_a.id,
        "refurbisher_b": s.refurbisher_b.id,
        "buyer1": s.buyers[0].id,
        "buyer2": s.buyers[1].id,
        "pending_org": pending.organisation_id,
        "suspended_org": suspended.id,
        "colleague1": colleague.id,
        "draft_a": draft_a.id,
        "draft_b": draft_b.id,
        "photo_a": photo_a.id,
        "photo_b": photo_b.id,
        "po_a": po_a.id,
        "po_b": po_b.id,
        "delivery_a1": delivery_a1.id,
        "consolidated_campaign": s.campaign.id,
        "closed_campaign": closed.id,
        "closed_line": closed_line,
        "open_campaign": open_campaign.id,
        "accepted_offer": accepted.id,
        "pending_offer": pending_offer.id,
        "open_order": open_order.id,
        "draft_campaign": draft_campaign.id,
        "entry1": entry1.id,
        "entry2": entry2.id,
        "target": target.id,
        "clause": clause.id,
        "token1": token1.id,
        "lot1": lot.id,
        "claim_a1": claim.id,
        "outcome1": outcome.id,
        "maintenance_a": maintenance.id,
        "repair1": repair.id,
        "invoice_a1": invoice_a1.id,
        "year": 2026,
        "membership1": membership1,
        "framework": framework.id,
        "framework_lot": framework_lot.id,
        "framework_holder": holder.id,
    }
    world.names = {"photo_a": photo_a.filename, "thumb_a": photo_a.thumbnail}
    # Reading the ids above opened a transaction: end it, so that another application of
    # the test (production settings, same database file) can write at once.
    db.session.rollback()
    return world


def _framework(refurbisher_id: int) -> tuple[FrameworkAgreement, FrameworkLot, FrameworkLotHolder]:
    """A framework agreement whose lot 1 refurbisher A holds (B holds none)."""
    agreement = FrameworkAgreement(
        title="Accord-cadre de test",
        reference="AC-TEST",
        procedure=Procedure.ADAPTED,
        awarded_on=dt.date(2026, 1, 5),
        duration_months=24,
        maximum_amount=Decimal("100000.00"),
        ordered_amount=Decimal("0"),
        ccag=Ccag.TIC,
    )
    lot = FrameworkLot(
        agreement=agreement,
        number=1,
        title="Postes",
        cpv_code="30213000-5",
        ordered_amount=Decimal("0"),
    )
    holder = FrameworkLotHolder(lot=lot, refurbisher_id=refurbisher_id, reference="M-A")
    db.session.add_all([agreement, lot, holder])
    db.session.flush()
    return agreement, lot, holder


def _invoice(delivery: Delivery) -> Invoice:
    """Refurbisher A's invoice of one unit of its delivery to buyer 1 (written directly)."""
    line = db.session.execute(
        select(DeliveryLine).where(DeliveryLine.delivery_id == delivery.id).limit(1)
    ).scalar_one()
    invoice = Invoice(
        kind=InvoiceKind.INVOICE,
        number="FA-SECU-1",
        issued_on=dt.date(2026, 10, 20),
        delivery_id=delivery.id,
        refurbisher_id=delivery.refurbisher_id,
        buyer_id=delivery.buyer_id,
        received_units=1,
        total_ht=line.unit_price,
        total_vat=Decimal("0.00"),
        total_ttc=line.unit_price,
    )
    db.session.add(invoice)
    db.session.flush()
    db.session.add(
        InvoiceLine(
            invoice_id=invoice.id,
            delivery_line_id=line.id,
            designation="Portable",
            sku="SECU",
            quantity=1,
            unit_price=line.unit_price,
            vat_rate=Decimal("0"),
            margin_scheme=True,
            amount_ht=line.unit_price,
            amount_vat=Decimal("0.00"),
        )
    )
    db.session.flush()
    return invoice


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def client_for(app: Flask, world: World, who: str) -> FlaskClient:
    client = app.test_client()
    if who != "anonymous":
        login(client, world.emails[who])
    return client


# Columns that record use, not data: a refused API call still touches its token.
USAGE_COLUMNS = {("api_token", "last_used_at")}


def fingerprint() -> str:
    """A hash of every row of every table: equal before and after means nothing changed."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in USAGE_COLUMNS]
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        digest.update(table.name.encode())
        digest.update(repr(sorted(map(repr, rows))).encode())
    db.session.rollback()
    return digest.hexdigest()
