"""What a purchase order or an invoice says, frozen: the pure input of the XML and PDF
generators (no database, no Flask)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from nrhub.consolidation.amounts import Amounts, total

# The legal mention of the margin scheme for second-hand goods (art. 297 A CGI), and the
# EN 16931 exemption code that carries it in the XML.
MARGIN_SCHEME_MENTION = "Régime particulier – Biens d'occasion"
MARGIN_SCHEME_VATEX = "VATEX-EU-F"
PAYMENT_DAYS = 30


@dataclass(frozen=True)
class Party:
    name: str
    siret: str
    address: str
    postcode: str
    city: str
    email: str = ""

    @property
    def siren(self) -> str:
        return self.siret[:9]


@dataclass(frozen=True)
class DocumentLine:
    designation: str
    sku: str
    quantity: int
    unit_price: Decimal
    vat_rate: Decimal
    amounts: Amounts
    margin_scheme: bool = False


@dataclass(frozen=True)
class VatBreakdown:
    rate: Decimal
    margin_scheme: bool
    basis: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Commitment:
    engagement_number: str | None
    budget_nature: str | None
    budget_chapter: str | None
    service_code: str | None
    delivery_address: str | None


@dataclass(frozen=True)
class Agreement:
    """The framework agreement and lot a campaign is a call-off of."""

    reference: str
    title: str
    lot: str


@dataclass(frozen=True)
class OrderDocument:
    """A buyer's part of a consolidated purchase order (its delivery)."""

    number: str
    issued_on: dt.date
    campaign_title: str
    seller: Party
    buyer: Party
    hub: Party | None
    commitment: Commitment
    agreement: Agreement | None
    delivery_from: dt.date | None
    delivery_to: dt.date | None
    lines: tuple[DocumentLine, ...]

    @property
    def totals(self) -> Amounts:
        return total(line.amounts for line in self.lines)

    @property
    def vat_breakdown(self) -> list[VatBreakdown]:
        return vat_breakdown(self.lines)


@dataclass(frozen=True)
class InvoiceDocument:
    """An invoice (type code 380) or a credit note (381)."""

    number: str
    issued_on: dt.date
    is_credit_note: bool
    order_number: str
    seller: Party
    buyer: Party
    commitment: Commitment
    received_on: dt.date | None
    lines: tuple[DocumentLine, ...]
    credited_number: str | None = None
    credited_on: dt.date | None = None
    reason: str | None = None

    @property
    def totals(self) -> Amounts:
        return total(line.amounts for line in self.lines)

    @property
    def vat_breakdown(self) -> list[VatBreakdown]:
        return vat_breakdown(self.lines)

    @property
    def due_on(self) -> dt.date:
        return self.issued_on + dt.timedelta(days=PAYMENT_DAYS)

    @property
    def has_margin_scheme(self) -> bool:
        return any(line.margin_scheme for line in self.lines)


def vat_breakdown(lines: tuple[DocumentLine, ...]) -> list[VatBreakdown]:
    """Per VAT rate (the margin scheme apart): the basis and the VAT, each the sum of the
    lines' rounded amounts, as the document's totals are."""
    groups: dict[tuple[Decimal, bool], list[DocumentLine]] = {}
    for line in lines:
        groups.setdefault((line.vat_rate, line.margin_scheme), []).append(line)
    return [
        VatBreakdown(
            rate,
            margin,
            sum((line.amounts.ht for line in group), Decimal("0.00")),
            sum((line.amounts.vat for line in group), Decimal("0.00")),
        )
        for (rate, margin), group in sorted(groups.items())
    ]
