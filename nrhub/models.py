"""Imports every model so that metadata, Alembic and the shell see the whole schema."""

from nrhub.agreements.models import (
    FrameworkAgreement,
    FrameworkLot,
    FrameworkLotHolder,
    MembershipAgreement,
)
from nrhub.api.models import ApiToken, IdempotentRequest
from nrhub.audit.models import AuditEvent
from nrhub.auth.models import AccountToken, LoginThrottle, User
from nrhub.caching import CacheGeneration
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignOfferTier,
    Order,
    OrderEvent,
    OrderLine,
)
from nrhub.catalog.models import Category, Listing, ListingPhoto, PriceTier, StockImport
from nrhub.clauses.models import Clause
from nrhub.commitments.models import BuyerCommitment
from nrhub.consolidation import models as consolidation_models
from nrhub.donations import models as donation_models
from nrhub.invoices.models import Invoice, InvoiceLine
from nrhub.ledger.models import SpendEntry
from nrhub.mail.models import OutboxMail
from nrhub.organisations.models import Organisation
from nrhub.repairs import models as repair_models
from nrhub.stats.models import DeclarationStatus

__all__ = [
    "AccountToken",
    "ApiToken",
    "AuditEvent",
    "BuyerCommitment",
    "CacheGeneration",
    "Campaign",
    "CampaignOffer",
    "CampaignOfferTier",
    "Category",
    "Clause",
    "DeclarationStatus",
    "FrameworkAgreement",
    "FrameworkLot",
    "FrameworkLotHolder",
    "IdempotentRequest",
    "Invoice",
    "InvoiceLine",
    "Listing",
    "ListingPhoto",
    "LoginThrottle",
    "MembershipAgreement",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Organisation",
    "OutboxMail",
    "PriceTier",
    "SpendEntry",
    "StockImport",
    "User",
    "consolidation_models",
    "donation_models",
    "repair_models",
]
