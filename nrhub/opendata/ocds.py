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
are identified by SIRET under the ``FR-RCS`` scheme, as the national conversion of the DECP
to OCDS does. The release-level ``buyer`` field (one organisation) is left out: a pooled
campaign has several. No contact point is published (it may name a person).

Dates carry their Europe/Paris offset. Amounts are HT in EUR, as ``Decimal`` here; the view
writes them as JSON numbers. The social and environmental considerations, which core OCDS
1.1 has no field for, are stated in the tender's description; the DECP export carries them
in their own fields.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from nrhub.clauses.models import ClauseKind
from nrhub.formatting import PARIS, to_paris
from nrhub.opendata.decp import considerations, contract_end
from nrhub.opendata.queries import CategoryInfo, Contract, ContractLine, Party, PublishedCampaign

OCDS_VERSION = "1.1"
CURRENCY = "EUR"
ORG_SCHEME = "FR-RCS"
LICENSE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
UNIT = {"scheme": "UNCEFACT", "id": "C62", "name": "unité"}


def ocid(prefix: str, campaign_id: int) -> str:
    return f"{prefix}-campagne-{campaign_id}"


def timestamp(moment: dt.datetime) -> str:
    """An RFC 3339 date-time with the Europe/Paris offset."""
    return to_paris(moment).isoformat(timespec="seconds")


def end_of_day(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=PARIS).isoformat()


def party_id(party: Party) -> str:
    return f"{ORG_SCHEME}-{party.siret}"


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
        "identifier": {"scheme": ORG_SCHEME, "id": party.siret, "legalName": party.name},
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


def tender_description(data: PublishedCampaign) -> str:
    social = ", ".join(considerations(data, ClauseKind.SOCIAL))
    environmental = ", ".join(considerations(data, ClauseKind.ENVIRONMENTAL))
    text = (
        f"Considérations sociales : {social}. Considérations environnementales : {environmental}."
    )
    return f"{data.description.strip()}\n\n{text}" if data.description.strip() else text


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
            "description": tender_description(data),
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
        "publishedDate": timestamp(data.consolidated_at),
        "publisher": {"name": data.hub.name, "scheme": ORG_SCHEME, "uid": data.hub.siret},
        "license": LICENSE,
        "releases": [release(data, prefix)],
    }
