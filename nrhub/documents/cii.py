"""Order-X (CIO, comfort profile) and Factur-X (CII, EN 16931 profile) XML, written from
the frozen documents of :mod:`nrhub.documents.model` (pure: no database, no Flask).

Both are UN/CEFACT cross-industry messages with the same building blocks (parties, lines,
VAT, totals); only the namespaces, the root and a few element names differ.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from lxml import etree

from nrhub.documents.model import (
    MARGIN_SCHEME_MENTION,
    MARGIN_SCHEME_VATEX,
    PAYMENT_DAYS,
    DocumentLine,
    InvoiceDocument,
    OrderDocument,
    Party,
    VatBreakdown,
)

ORDERX = {
    "rsm": "urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:128",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:128",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:128",
}
FACTURX = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
ORDERX_PROFILE = "urn:order-x.eu:1p0:comfort"
FACTURX_PROFILE = "urn:cen.eu:en16931:2017"
SIRET_SCHEME = "0009"  # ISO 6523 ICD of the SIRET
SIREN_SCHEME = "0002"  # ISO 6523 ICD of the SIREN
UNIT = "C62"  # one (unit)
CURRENCY = "EUR"


class _Writer:
    def __init__(self, ns: dict[str, str]) -> None:
        self.ns = ns

    def el(self, parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        prefix, name = tag.split(":")
        node = etree.SubElement(parent, f"{{{self.ns[prefix]}}}{name}", attrs)
        if text is not None:
            node.text = text
        return node

    def date(self, parent: Any, tag: str, value: dt.date, wrapper: str = "udt") -> None:
        self.el(
            self.el(parent, tag),
            f"{wrapper}:DateTimeString",
            value.strftime("%Y%m%d"),
            format="102",
        )

    def party(self, parent: Any, tag: str, party: Party, *, legal: bool = True) -> None:
        node = self.el(parent, tag)
        self.el(node, "ram:Name", party.name)
        if legal:
            organisation = self.el(node, "ram:SpecifiedLegalOrganization")
            self.el(organisation, "ram:ID", party.siret, schemeID=SIRET_SCHEME)
        address = self.el(node, "ram:PostalTradeAddress")
        if party.postcode:
            self.el(address, "ram:PostcodeCode", party.postcode)
        if party.address:
            self.el(address, "ram:LineOne", party.address)
        if party.city:
            self.el(address, "ram:CityName", party.city)
        self.el(address, "ram:CountryID", "FR")
        if party.email:
            uri = self.el(node, "ram:URIUniversalCommunication")
            self.el(uri, "ram:URIID", party.email, schemeID="EM")

    def tax(self, parent: Any, rate: Decimal, margin: bool, basis: VatBreakdown | None) -> None:
        """A VAT node: on a line (rate only) or in the header (with its amounts)."""
        node = self.el(parent, "ram:ApplicableTradeTax")
        if basis is not None:
            self.el(node, "ram:CalculatedAmount", money(basis.vat))
        self.el(node, "ram:TypeCode", "VAT")
        if basis is not None and margin:
            self.el(node, "ram:ExemptionReason", MARGIN_SCHEME_MENTION)
        if basis is not None:
            self.el(node, "ram:BasisAmount", money(basis.basis))
        self.el(node, "ram:CategoryCode", "E" if margin else "S")
        if basis is not None and margin:
            self.el(node, "ram:ExemptionReasonCode", MARGIN_SCHEME_VATEX)
        self.el(node, "ram:RateApplicablePercent", money(Decimal(0) if margin else rate))


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def _serialise(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def orderx_xml(document: OrderDocument) -> bytes:
    """The buyer's purchase order as an Order-X order (type 220), comfort profile."""
    w = _Writer(ORDERX)
    root = etree.Element(f"{{{ORDERX['rsm']}}}SCRDMCCBDACIOMessageStructure", nsmap=dict(ORDERX))
    context = w.el(root, "rsm:ExchangedDocumentContext")
    w.el(w.el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", ORDERX_PROFILE)
    header = w.el(root, "rsm:ExchangedDocument")
    w.el(header, "ram:ID", document.number)
    w.el(header, "ram:Name", "Bon de commande")
    w.el(header, "ram:TypeCode", "220")
    w.date(header, "ram:IssueDateTime", document.issued_on)
    w.el(header, "ram:PurposeCode", "9")  # original
    for note in _order_notes(document):
        w.el(w.el(header, "ram:IncludedNote"), "ram:Content", note)

    transaction = w.el(root, "rsm:SupplyChainTradeTransaction")
    for number, line in enumerate(document.lines, start=1):
        _trade_line(w, transaction, number, line, "ram:RequestedQuantity")
    agreement = w.el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if document.commitment.service_code:
        w.el(agreement, "ram:BuyerReference", document.commitment.service_code)
    w.party(agreement, "ram:SellerTradeParty", document.seller)
    w.party(agreement, "ram:BuyerTradeParty", document.buyer)
    if document.commitment.engagement_number:
        w.el(
            w.el(agreement, "ram:BuyerOrderReferencedDocument"),
            "ram:IssuerAssignedID",
            document.commitment.engagement_number,
        )
    if document.agreement is not None:
        w.el(
            w.el(agreement, "ram:ContractReferencedDocument"),
            "ram:IssuerAssignedID",
            f"{document.agreement.reference} lot {document.agreement.lot}",
        )
    delivery = w.el(transaction, "ram:ApplicableHeaderTradeDelivery")
    ship_to = document.commitment.delivery_address
    w.party(
        delivery,
        "ram:ShipToTradeParty",
        Party(
            document.buyer.name,
            document.buyer.siret,
            ship_to or document.buyer.address,
            "" if ship_to else document.buyer.postcode,
            "" if ship_to else document.buyer.city,
        ),
        legal=False,
    )
    if document.delivery_from is not None:
        event = w.el(delivery, "ram:RequestedDeliverySupplyChainEvent")
        period = w.el(event, "ram:OccurrenceSpecifiedPeriod")
        w.date(period, "ram:StartDateTime", document.delivery_from)
        if document.delivery_to is not None:
            w.date(period, "ram:EndDateTime", document.delivery_to)
    settlement = w.el(transaction, "ram:ApplicableHeaderTradeSettlement")
    w.el(settlement, "ram:OrderCurrencyCode", CURRENCY)
    w.el(
        w.el(settlement, "ram:SpecifiedTradePaymentTerms"),
        "ram:Description",
        payment_terms_text(),
    )
    _summation(w, settlement, document.totals, order=True)
    return _serialise(root)


def _trade_line(
    w: _Writer, parent: Any, number: int, line: DocumentLine, quantity_element: str
) -> None:
    """One line item: an order requests its quantity, an invoice bills it."""
    item = w.el(parent, "ram:IncludedSupplyChainTradeLineItem")
    w.el(w.el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(number))
    product = w.el(item, "ram:SpecifiedTradeProduct")
    w.el(product, "ram:SellerAssignedID", line.sku)
    w.el(product, "ram:Name", line.designation)
    agreement = w.el(item, "ram:SpecifiedLineTradeAgreement")
    w.el(
        w.el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", money(line.unit_price)
    )
    delivery = w.el(item, "ram:SpecifiedLineTradeDelivery")
    w.el(delivery, quantity_element, str(line.quantity), unitCode=UNIT)
    settlement = w.el(item, "ram:SpecifiedLineTradeSettlement")
    w.tax(settlement, line.vat_rate, line.margin_scheme, None)
    summation = w.el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    w.el(summation, "ram:LineTotalAmount", money(line.amounts.ht))


def _summation(w: _Writer, parent: Any, totals: Any, *, order: bool) -> None:
    node = w.el(parent, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    w.el(node, "ram:LineTotalAmount", money(totals.ht))
    w.el(node, "ram:TaxBasisTotalAmount", money(totals.ht))
    w.el(node, "ram:TaxTotalAmount", money(totals.vat), currencyID=CURRENCY)
    w.el(node, "ram:GrandTotalAmount", money(totals.ttc))
    if not order:
        w.el(node, "ram:DuePayableAmount", money(totals.ttc))


def payment_terms_text() -> str:
    return (
        f"Paiement à {PAYMENT_DAYS} jours à compter de la réception de la facture (délai "
        "global de paiement de la commande publique, art. R. 2192-10 du code de la "
        "commande publique) ; intérêts moratoires et indemnité forfaitaire de 40 € en cas "
        "de retard."
    )


def _order_notes(document: OrderDocument) -> list[str]:
    notes = [f"Campagne d'achat groupé : {document.campaign_title}"]
    c = document.commitment
    if c.budget_nature or c.budget_chapter:
        notes.append(
            f"Imputation budgétaire : chapitre {c.budget_chapter or '—'}, "
            f"nature {c.budget_nature or '—'}"
        )
    if document.hub is not None:
        notes.append(f"Centrale d'achat : {document.hub.name} (SIRET {document.hub.siret})")
    return notes


# --- Factur-X ---------------------------------------------------------------------------


def facturx_xml(document: InvoiceDocument) -> bytes:
    """The invoice (380) or credit note (381) as Factur-X XML, EN 16931 profile: the
    buyer's SIRET, its service code (BT-10) and engagement number (BT-13)."""
    w = _Writer(FACTURX)
    root = etree.Element(f"{{{FACTURX['rsm']}}}CrossIndustryInvoice", nsmap=dict(FACTURX))
    context = w.el(root, "rsm:ExchangedDocumentContext")
    w.el(w.el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", FACTURX_PROFILE)
    header = w.el(root, "rsm:ExchangedDocument")
    w.el(header, "ram:ID", document.number)
    w.el(header, "ram:TypeCode", "381" if document.is_credit_note else "380")
    w.date(header, "ram:IssueDateTime", document.issued_on)
    for subject, note in _invoice_notes(document):
        node = w.el(header, "ram:IncludedNote")
        w.el(node, "ram:Content", note)
        w.el(node, "ram:SubjectCode", subject)

    transaction = w.el(root, "rsm:SupplyChainTradeTransaction")
    for number, line in enumerate(document.lines, start=1):
        _trade_line(w, transaction, number, line, "ram:BilledQuantity")
    agreement = w.el(transaction, "ram:ApplicableHeaderTradeAgreement")
    if document.commitment.service_code:
        w.el(agreement, "ram:BuyerReference", document.commitment.service_code)
    _facturx_party(w, agreement, "ram:SellerTradeParty", document.seller, vat_number=True)
    _facturx_party(w, agreement, "ram:BuyerTradeParty", document.buyer)
    if document.commitment.engagement_number:
        w.el(
            w.el(agreement, "ram:BuyerOrderReferencedDocument"),
            "ram:IssuerAssignedID",
            document.commitment.engagement_number,
        )
    w.el(
        w.el(agreement, "ram:ContractReferencedDocument"),
        "ram:IssuerAssignedID",
        document.order_number,
    )
    delivery = w.el(transaction, "ram:ApplicableHeaderTradeDelivery")
    if document.received_on is not None:
        event = w.el(delivery, "ram:ActualDeliverySupplyChainEvent")
        w.date(event, "ram:OccurrenceDateTime", document.received_on)
    settlement = w.el(transaction, "ram:ApplicableHeaderTradeSettlement")
    w.el(settlement, "ram:InvoiceCurrencyCode", CURRENCY)
    for group in document.vat_breakdown:
        w.tax(settlement, group.rate, group.margin_scheme, group)
    terms = w.el(settlement, "ram:SpecifiedTradePaymentTerms")
    w.el(terms, "ram:Description", payment_terms_text())
    if not document.is_credit_note:
        w.date(terms, "ram:DueDateDateTime", document.due_on)
    _summation(w, settlement, document.totals, order=False)
    if document.credited_number:
        preceding = w.el(settlement, "ram:InvoiceReferencedDocument")
        w.el(preceding, "ram:IssuerAssignedID", document.credited_number)
        if document.credited_on is not None:
            w.date(preceding, "ram:FormattedIssueDateTime", document.credited_on, "qdt")
    return _serialise(root)


def french_vat_number(siren: str) -> str:
    """The intra-community VAT number the tax office derives from a SIREN (FR, key, SIREN)."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


def _facturx_party(
    w: _Writer, parent: Any, tag: str, party: Party, *, vat_number: bool = False
) -> None:
    node = w.el(parent, tag)
    w.el(node, "ram:Name", party.name)
    organisation = w.el(node, "ram:SpecifiedLegalOrganization")
    w.el(organisation, "ram:ID", party.siret, schemeID=SIRET_SCHEME)
    address = w.el(node, "ram:PostalTradeAddress")
    if party.postcode:
        w.el(address, "ram:PostcodeCode", party.postcode)
    if party.address:
        w.el(address, "ram:LineOne", party.address)
    if party.city:
        w.el(address, "ram:CityName", party.city)
    w.el(address, "ram:CountryID", "FR")
    if party.email:
        uri = w.el(node, "ram:URIUniversalCommunication")
        w.el(uri, "ram:URIID", party.email, schemeID="EM")
    if vat_number:
        registration = w.el(node, "ram:SpecifiedTaxRegistration")
        w.el(registration, "ram:ID", french_vat_number(party.siren), schemeID="VA")


def _invoice_notes(document: InvoiceDocument) -> list[tuple[str, str]]:
    c = document.commitment
    notes = [("AAB", f"Bon de commande {document.order_number}")]
    if c.engagement_number:
        notes.append(("AAB", f"Engagement juridique n° {c.engagement_number}"))
    if c.budget_nature or c.budget_chapter:
        notes.append(
            (
                "AAB",
                f"Imputation : chapitre {c.budget_chapter or '—'}, nature {c.budget_nature or '—'}",
            )
        )
    if document.has_margin_scheme:
        notes.append(("AAI", f"{MARGIN_SCHEME_MENTION} (art. 297 A du CGI)"))
    if document.reason:
        notes.append(("AAI", f"Motif de l'avoir : {document.reason}"))
    notes.append(
        (
            "PMT",
            "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : "
            "40 € (art. D. 441-5 du code de commerce).",
        )
    )
    notes.append(("PMD", payment_terms_text()))
    return notes
