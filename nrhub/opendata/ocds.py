"""The OCDS 1.1 release package of a consolidated campaign.

One contracting process per campaign (``ocid`` = the configured prefix, ``OCDS_OCID_PREFIX``,
then ``campagne-<id>``) and one release describing it as consolidated: the tender (the
campaign, its categories as items classified by CPV), then one award and one contract per
purchase order, whose items are its equipment lines and the maintenance bought with them
(CPV 50312000-5); its period runs from the order to the end of the delivery window plus that
maintenance.

Parties: the hub is ``procuringEntity`` and ``wholesaleBuyer`` (a central purchasing body
buying for its members; ``wholesaleBuyer`` joined the open partyRole codelist after 1.1.5),
the member authorities served by a purchase order are ``buyer``, the refurbishers that
offered are ``tenderer`` and those holding a purchase order ``supplier`` too. Organisations
are identified by SIRET under the org-id.guide scheme that fits each (:func:`scheme`).
The release-level ``buyer`` field (one organisation) is left out: a pooled campaign has
several. No contact point is published (it may name a person).

Dates carry their Europe/Paris offset. ``publishedDate`` is the last change of what the
package says (its first publication, stored, or a later shipment or receipt: the package
is generated on demand, as the OCDS schema asks for such packages); the release's ``date``
is the consolidation. Amounts are HT in EUR, as ``Decimal`` here; the view writes them as
JSON numbers. The social and environmental considerations are structured in
``tender.sustainability`` (the OCDS Sustainability extension, declared in the package's
``extensions``), each clause's theme giving a goal of its ``sustainabilityGoal`` codelist
and its form a strategy of ``sustainabilityStrategy``; the DECP export carries the same
clauses in its own fields.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from nrhub.clauses.models import ClauseForm, ClauseTheme
from nrhub.formatting import PARIS, to_paris
from nrhub.opendata.decp import contract_end
from nrhub.opendata.queries import (
    CategoryInfo,
    ClauseInfo,
    Contract,
    ContractLine,
    Party,
    PublishedCampaign,
)
from nrhub.organisations.models import LegalForm, OrgKind

OCDS_VERSION = "1.1"
CURRENCY = "EUR"
# Organisation identifier schemes of org-id.guide for France
# (https://github.com/org-id/register/tree/main/lists/fr):
# - FR-RCS, the Trade and Companies Register (https://org-id.guide/list/FR-RCS): companies
#   only, "structure: company"; SIREN or SIRET numbers;
# - FR-INSEE, INSEE's SIRENE register (https://org-id.guide/list/FR-INSEE): "companies and
#   associations", and every public body has a SIRET there. org-id.guide marks it
#   deprecated in favour of FR-RCS, but FR-RCS holds no commune nor association, and
#   FR-INSEE is the only list for SIRENE numbers (the DECP's SIRET identifiers are mapped to
#   it: https://github.com/139bercy/format-commande-publique/issues/25; why it is marked so:
#   https://github.com/org-id/register/issues/204).
SCHEME_RCS = "FR-RCS"
SCHEME_SIRENE = "FR-INSEE"
# Legal forms registered in the RCS: commercial companies, cooperatives among them.
RCS_LEGAL_FORMS = {LegalForm.SCIC, LegalForm.SCOP, LegalForm.COOPERATIVE, LegalForm.ESS_COMPANY}
SUSTAINABILITY_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_sustainability_extension/master/extension.json"
)
LICENSE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
UNIT = {"scheme": "UNCEFACT", "id": "C62", "name": "unité"}


def ocid(prefix: str, campaign_id: int) -> str:
    return f"{prefix}-campagne-{campaign_id}"


def timestamp(moment: dt.datetime) -> str:
    """An RFC 3339 date-time with the Europe/Paris offset."""
    return to_paris(moment).isoformat(timespec="seconds")


def end_of_day(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=PARIS).isoformat()


def scheme(party: Party) -> str:
    """FR-RCS for a refurbisher that is a company or cooperative (in the RCS); FR-INSEE
    (SIRENE) for the hub, the member authorities and the associations, foundations and
    mutuals, which the RCS does not hold."""
    if party.kind == OrgKind.REFURBISHER and party.legal_form in RCS_LEGAL_FORMS:
        return SCHEME_RCS
    return SCHEME_SIRENE


def party_id(party: Party) -> str:
    return f"{scheme(party)}-{party.siret}"


def reference(party: Party) -> dict[str, str]:
    return {"id": party_id(party), "name": party.name}


def money(amount: Decimal) -> dict[str, Any]:
    return {"amount": amount, "currency": CURRENCY}


def classification(category: CategoryInfo) -> dict[str, str]:
    # OCDS CPV identifiers are the eight digits, without the check digit.
    return {"scheme": "CPV", "id": category.cpv_code.split("-")[0], "description": category.label}


def _party(party: Party, roles: list[str]) -> dict[str, Any]:
    address = {"locality": party.city, "postalCode": party.postcode, "countryName": "France"}
    if party.address:
        address["streetAddress"] = party.address
    return {
        "id": party_id(party),
        "name": party.name,
        "identifier": {"scheme": scheme(party), "id": party.siret, "legalName": party.name},
        "address": address,
        "roles": roles,
    }


def parties(data: PublishedCampaign) -> list[dict[str, Any]]:
    """Each organisation once, with every role it has in the campaign."""
    roles: dict[str, list[str]] = defaultdict(list)
    known: dict[str, Party] = {}

    def add(party: Party, role: str) -> None:
        key = party_id(party)
        known.setdefault(key, party)
        if role not in roles[key]:
            roles[key].append(role)

    add(data.hub, "procuringEntity")
    add(data.hub, "wholesaleBuyer")
    for contract in data.contracts:
        for buyer in contract.buyers:
            add(buyer, "buyer")
    for tenderer in data.tenderers:
        add(tenderer, "tenderer")
    for contract in data.contracts:
        add(contract.supplier, "tenderer")
        add(contract.supplier, "supplier")
    return [_party(party, roles[key]) for key, party in known.items()]


def line_item(line: ContractLine) -> dict[str, Any]:
    return {
        "id": str(line.id),
        "description": line.designation,
        "classification": classification(line.category),
        "quantity": line.quantity,
        "unit": {**UNIT, "value": money(line.unit_price)},
    }


def tender_items(data: PublishedCampaign) -> list[dict[str, Any]]:
    """The campaign's categories with the units allocated in each (categories in order);
    categories with no unit allocated are left out (no zero-quantity item)."""
    quantities: dict[str, int] = defaultdict(int)
    categories: dict[str, CategoryInfo] = {c.code: c for c in data.categories}
    for contract in data.contracts:
        for line in contract.lines:
            quantities[line.category.code] += line.quantity
            categories.setdefault(line.category.code, line.category)
    return [
        {
            "id": code,
            "description": category.label,
            "classification": classification(category),
            "quantity": quantities[code],
            "unit": dict(UNIT),
        }
        for code, category in categories.items()
        if quantities.get(code)  # a category nobody received is not an item
    ]


# The sustainabilityGoal code of a clause's theme (the extension's codelist,
# tests/data/ocds-1.1.5/extensions/sustainability/codelists); a theme of the other kind,
# or "other", takes its kind's top-level code.
GOALS = {
    ClauseTheme.REUSE: "environmental.resourceReuse",
    ClauseTheme.DATA_WIPING: "environmental.resourceReuse",  # wiped equipment can be reused
    ClauseTheme.REPAIRABILITY: "environmental.wasteReduction",
    ClauseTheme.SECURITY_UPDATES: "environmental.wasteReduction",  # longer use
    ClauseTheme.SPARE_PARTS: "environmental.wasteReduction",
    ClauseTheme.MAINTENANCE: "environmental.wasteReduction",
    ClauseTheme.TAKE_BACK: "environmental.circularEconomy",
    ClauseTheme.LEASING: "environmental.circularEconomy",
    ClauseTheme.INSERTION: "social.disadvantagedEmploymentOpportunities",
    ClauseTheme.RESERVED: "social.disadvantagedEmploymentOpportunities",
}
# The sustainabilityStrategy code of a clause's form: an execution condition, an award
# criterion, or a contract reserved (art. L. 2113-12 to -16 of the public procurement code).
STRATEGIES = {
    ClauseForm.CLAUSE: "contractPerformanceConditions",
    ClauseForm.CRITERION: "awardCriteria",
    ClauseForm.RESERVED: "reservedParticipation",
}


def goal(clause: ClauseInfo) -> str:
    code = GOALS.get(clause.theme, "")
    return code if code.startswith(f"{clause.kind.value}.") else clause.kind.value


def sustainability(data: PublishedCampaign) -> list[dict[str, Any]]:
    """One entry per goal pursued by the campaign's clauses: its strategies and the clauses'
    titles (goals and strategies in a stable order)."""
    by_goal: dict[str, list[ClauseInfo]] = defaultdict(list)
    for clause in data.clauses:
        by_goal[goal(clause)].append(clause)
    order = list(STRATEGIES.values())
    return [
        {
            "goal": code,
            "strategies": sorted({STRATEGIES[c.form] for c in clauses}, key=order.index),
            "description": " ; ".join(c.title for c in clauses),
        }
        for code, clauses in sorted(by_goal.items())
    ]


def _period(data: PublishedCampaign, contract: Contract) -> dict[str, str]:
    period = {"startDate": timestamp(contract.notified_at)}
    end = contract_end(data, contract)
    if end is not None:
        period["endDate"] = end_of_day(end)
    return period


def award(data: PublishedCampaign, contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.number,
        "title": f"{data.title} : {contract.supplier.name}",
        "status": "active",
        "date": timestamp(contract.notified_at),
        "value": money(contract.total_ht),
        "suppliers": [reference(contract.supplier)],
        "items": [line_item(line) for line in contract.lines],
        "contractPeriod": _period(data, contract),
    }


def implementation(contract: Contract) -> dict[str, Any]:
    """Receipts as transactions (what each buyer's ledger recorded, buyer to refurbisher)
    and each buyer's delivery as a milestone (met once received)."""
    transactions = [
        {
            "id": f"{contract.number}-reception-{d.id}",
            "date": end_of_day(d.received_on),
            "value": money(d.received_ht),
            "payer": reference(d.buyer),
            "payee": reference(contract.supplier),
        }
        for d in contract.deliveries
        if d.received_on is not None
    ]
    milestones = []
    for d in contract.deliveries:
        milestone: dict[str, Any] = {
            "id": f"{contract.number}-livraison-{d.id}",
            "title": f"Livraison à {d.buyer.name}",
            "type": "delivery",
            "status": "met" if d.received_on is not None else "scheduled",
        }
        if d.received_on is not None:
            milestone["dateMet"] = end_of_day(d.received_on)
        milestones.append(milestone)
    result: dict[str, Any] = {}
    if transactions:
        result["transactions"] = transactions
    if milestones:
        result["milestones"] = milestones
    return result


def contract_entry(data: PublishedCampaign, contract: Contract) -> dict[str, Any]:
    entry = {
        "id": contract.number,
        "awardID": contract.number,
        "title": f"Bon de commande {contract.number}",
        # Carried out once every buyer received its delivery.
        "status": "terminated" if contract.delivered else "active",
        "period": _period(data, contract),
        "value": money(contract.total_ht),
        "items": [line_item(line) for line in contract.lines],
        "dateSigned": timestamp(contract.notified_at),
    }
    carried_out = implementation(contract)
    if carried_out:
        entry["implementation"] = carried_out
    return entry


def release(data: PublishedCampaign, prefix: str) -> dict[str, Any]:
    process = ocid(prefix, data.campaign_id)
    return {
        "ocid": process,
        "id": f"{process}-consolidation",
        "date": timestamp(data.consolidated_at),
        "tag": ["tender", "award", "contract"]
        + (["implementation"] if any(c.deliveries for c in data.contracts) else []),
        "initiationType": "tender",
        "language": "fr",
        "parties": parties(data),
        "tender": {
            "id": f"campagne-{data.campaign_id}",
            "title": data.title,
            **({"description": data.description.strip()} if data.description.strip() else {}),
            "hasSustainability": bool(data.clauses),
            **({"sustainability": sustainability(data)} if data.clauses else {}),
            "status": "complete",
            "procuringEntity": reference(data.hub),
            "items": tender_items(data),
            "value": money(data.total_ht),
            "procurementMethod": "open",
            "procurementMethodDetails": "Procédure adaptée : campagne d'achat groupé",
            "mainProcurementCategory": "goods",
            "tenderPeriod": {
                "startDate": timestamp(data.opens_at),
                "endDate": timestamp(data.closes_at),
            },
            "numberOfTenderers": len(data.tenderers),
            "tenderers": [reference(t) for t in data.tenderers],
        },
        "awards": [award(data, c) for c in data.contracts],
        "contracts": [contract_entry(data, c) for c in data.contracts],
    }


def release_package(data: PublishedCampaign, *, prefix: str, uri: str) -> dict[str, Any]:
    """The package published at ``uri``: one release, the hub as publisher."""
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": timestamp(data.last_change),
        "publisher": {"name": data.hub.name, "scheme": scheme(data.hub), "uid": data.hub.siret},
        "license": LICENSE,
        "extensions": [SUSTAINABILITY_EXTENSION],
        "releases": [release(data, prefix)],
    }
