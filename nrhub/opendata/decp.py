"""The essential data of public contracts (DECP) of a consolidated campaign.

The file follows the "marchés" part of the DECP format that applies to contracts notified
from 1 January 2024 (arrêté du 22 décembre 2022 relatif aux données essentielles des
marchés publics), as published in JSON Schema by the Ministry of the Economy (schema
version 2.0.x, ``139bercy/format-commande-publique``): ``{"marches": {"marche": [...]}}``,
with the list fields wrapped as that schema wraps them (``techniques.technique``,
``modalitesExecution.modaliteExecution``, ``typesPrix.typePrix``,
``considerationsSociales.considerationSociale``,
``considerationsEnvironnementales.considerationEnvironnementale`` and
``titulaires[].titulaire``; the format's own example file writes them as flat arrays,
but the JSON Schema is the reference we follow). ``tests/data/decp-2024/marches-schema.json``
restates those fields and values; the tests validate every export against it.

How nrhub fills it, one ``marche`` per purchase order (the contract between the hub and one
refurbisher):

- ``acheteur``: the hub, the central purchasing body that places the contract (its SIRET);
  the member authorities appear in the OCDS export as buyers.
- ``id``: the purchase order number (``BC-2026-0001``): unique for the hub, at most the
  16 characters the format allows.
- ``objet``: the campaign's title, the categories bought and the refurbisher (≤ 1000
  characters); ``codeCPV``: the CPV code of the category with the largest amount in the
  order (ties: the first category of the order); maintenance lines count under
  50312000-5, maintenance and repair of computer equipment.
- ``procedure``: "Procédure adaptée" (campaigns are open calls to the hub's refurbishers,
  below the formalised thresholds); ``techniques`` and ``modalitesExecution``: "Sans objet"
  (one firm order per refurbisher, delivered once); ``ccag``: the hub's setting
  ``DECP_CCAG`` ("Techniques de l'information et de la communication" by default, the CCAG
  of IT supplies); ``offresRecues``: refurbishers that offered in the campaign
  (withdrawn offers excluded, at least the holder itself).
- ``lieuExecution``: where the buyers served by the order are: their department when they
  share one, else their region, else France (INSEE country code 99100).
- ``dateNotification``: the Paris date the purchase order was issued; ``dureeMois``: from
  it to the end of the delivery window plus the longest maintenance or extended warranty
  bought in the order, in started months (1 when the campaign sets no delivery end);
  ``datePublicationDonnees``: the Paris date the campaign's data was first served
  (stored at that first publication; it does not move afterwards, as the format asks).
- ``montant``: the order's total HT (equipment and maintenance), exactly the sum of its
  rounded lines;
  ``formePrix``: "Unitaire"; ``typesPrix``: "Définitif ferme" (the pooled price is fixed
  at consolidation).
- ``considerationsSociales`` / ``considerationsEnvironnementales``: the DECP values of the
  campaign's clauses (``Clause.decp_value``), or "Pas de considération sociale" /
  "Pas de considération environnementale" when it has none of that kind.
- ``titulaires``: the refurbisher, by SIRET. No advance, no subcontracting declared, no
  grouping of operators, not innovative; ``origineUE`` / ``origineFrance`` are left out:
  they only apply to food, vehicles, health products and clothing.

Every purchase order is published, also those under the 40 000 € HT threshold above which
publication is compulsory.

A campaign under a lot of a framework agreement (:class:`CallOffFrame`) publishes instead
the lot's contract itself (``id`` the agreement's reference and the lot number,
``techniques`` "Accord-cadre", ``modalitesExecution`` "Bons de commande", its procedure,
CCAG, award date, duration, maximum amount HT and holders), then each purchase order as a
call-off of it: ``idAccordCadre`` naming the lot's contract, the same technique and
modality, the agreement's procedure and CCAG.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from nrhub.agreements.models import add_months
from nrhub.agreements.queries import CallOffFrame
from nrhub.clauses.models import ClauseKind
from nrhub.formatting import paris_date_of
from nrhub.opendata.queries import Contract, Party, PublishedCampaign

NO_SOCIAL_CONSIDERATION = "Pas de considération sociale"
NO_ENVIRONMENTAL_CONSIDERATION = "Pas de considération environnementale"
FRANCE_COUNTRY_CODE = "99100"  # INSEE code of France in the country list
OBJECT_MAX_LENGTH = 1000
DEFAULT_CCAG = "Techniques de l'information et de la communication"


def considerations(data: PublishedCampaign, kind: ClauseKind) -> list[str]:
    """The distinct DECP values of the campaign's clauses of one kind, in the format's order."""
    values = {clause.decp_value for clause in data.clauses if clause.kind == kind}
    if kind == ClauseKind.SOCIAL:
        order = ["Clause sociale", "Critère social", "Marché réservé"]
        return [v for v in order if v in values] or [NO_SOCIAL_CONSIDERATION]
    order = ["Clause environnementale", "Critère environnemental"]
    return [v for v in order if v in values] or [NO_ENVIRONMENTAL_CONSIDERATION]


def main_cpv(contract: Contract) -> str:
    """The CPV code of the category with the largest amount HT in the contract."""
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for line in contract.lines:
        amounts[line.category.cpv_code] += line.amount_ht
    # max() keeps the first of equal amounts: the order's first category wins ties.
    return max(amounts, key=lambda code: amounts[code])


def execution_place(buyers: tuple[Party, ...]) -> dict[str, str]:
    departments = {b.department_code for b in buyers}
    regions = {b.region_code for b in buyers}
    if len(departments) == 1:
        return {"code": departments.pop(), "typeCode": "Code département"}
    if len(regions) == 1:
        return {"code": regions.pop(), "typeCode": "Code région"}
    return {"code": FRANCE_COUNTRY_CODE, "typeCode": "Code pays"}


def contract_end(data: PublishedCampaign, contract: Contract) -> dt.date | None:
    """The end of the delivery window, plus the longest maintenance bought in the order."""
    if data.delivery_to is None:
        return None
    maintenance = max((line.duration_months or 0 for line in contract.lines), default=0)
    return add_months(data.delivery_to, maintenance)


def duration_months(start: dt.date, end: dt.date | None) -> int:
    """Started months from ``start`` to ``end`` (at least one)."""
    if end is None or end <= start:
        return 1
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day > start.day:
        months += 1
    return max(months, 1)


def contract_object(data: PublishedCampaign, contract: Contract) -> str:
    equipment = [line for line in contract.lines if line.duration_months is None]
    labels = list(dict.fromkeys(line.category.label for line in equipment))
    text = (
        f"{data.title} : fourniture de matériel informatique reconditionné "
        f"({', '.join(labels)}) par {contract.supplier.name}"
    )
    if len(equipment) < len(contract.lines):
        text += ", avec maintenance ou extension de garantie"
    if len(text) > OBJECT_MAX_LENGTH:
        text = text[: OBJECT_MAX_LENGTH - 1] + "…"
    return text


def marche(
    data: PublishedCampaign, contract: Contract, offers_received: int, ccag: str = DEFAULT_CCAG
) -> dict[str, Any]:
    """One ``marche`` entry: the contract of one purchase order."""
    notified_on = paris_date_of(contract.notified_at)
    return {
        "id": contract.number,
        "acheteur": {"id": data.hub.siret},
        "nature": "Marché",
        "objet": contract_object(data, contract),
        "codeCPV": main_cpv(contract),
        "techniques": {"technique": ["Sans objet"]},
        "modalitesExecution": {"modaliteExecution": ["Sans objet"]},
        "marcheInnovant": False,
        "ccag": ccag,
        "offresRecues": offers_received,
        "attributionAvance": False,
        "typeGroupementOperateurs": "Pas de groupement",
        "sousTraitanceDeclaree": False,
        "procedure": "Procédure adaptée",
        "lieuExecution": execution_place(contract.buyers or (data.hub,)),
        "dureeMois": duration_months(notified_on, contract_end(data, contract)),
        "dateNotification": notified_on.isoformat(),
        "datePublicationDonnees": paris_date_of(data.published_at).isoformat(),
        "montant": contract.total_ht,
        "typesPrix": {"typePrix": ["Définitif ferme"]},
        "formePrix": "Unitaire",
        "titulaires": [{"titulaire": {"typeIdentifiant": "SIRET", "id": contract.supplier.siret}}],
        "considerationsSociales": {"considerationSociale": considerations(data, ClauseKind.SOCIAL)},
        "considerationsEnvironnementales": {
            "considerationEnvironnementale": considerations(data, ClauseKind.ENVIRONMENTAL)
        },
    }


def framework_marche(data: PublishedCampaign, frame: CallOffFrame) -> dict[str, Any]:
    """The ``marche`` entry of the lot of a framework agreement the campaign calls off."""
    objet = f"{frame.title} — lot {frame.lot_number} : {frame.lot_title}"
    holders = frame.holder_sirets or tuple(dict.fromkeys(c.supplier.siret for c in data.contracts))
    return {
        "id": frame.contract_id,
        "acheteur": {"id": data.hub.siret},
        "nature": "Marché",
        "objet": objet[:OBJECT_MAX_LENGTH],
        "codeCPV": frame.cpv_code,
        "techniques": {"technique": ["Accord-cadre"]},
        "modalitesExecution": {"modaliteExecution": ["Bons de commande"]},
        "marcheInnovant": False,
        "ccag": frame.ccag,
        "offresRecues": max(len(holders), 1),
        "attributionAvance": False,
        "typeGroupementOperateurs": "Pas de groupement",
        "sousTraitanceDeclaree": False,
        "procedure": frame.procedure,
        "lieuExecution": execution_place((data.hub,)),
        "dureeMois": frame.duration_months,
        "dateNotification": frame.awarded_on.isoformat(),
        "datePublicationDonnees": paris_date_of(data.consolidated_at).isoformat(),
        "montant": frame.maximum_amount,
        "typesPrix": {"typePrix": ["Définitif ferme"]},
        "formePrix": "Unitaire",
        "titulaires": [
            {"titulaire": {"typeIdentifiant": "SIRET", "id": siret}} for siret in holders
        ],
        "considerationsSociales": {"considerationSociale": considerations(data, ClauseKind.SOCIAL)},
        "considerationsEnvironnementales": {
            "considerationEnvironnementale": considerations(data, ClauseKind.ENVIRONMENTAL)
        },
    }


def call_off(
    data: PublishedCampaign, contract: Contract, offers_received: int, frame: CallOffFrame
) -> dict[str, Any]:
    """A purchase order as a call-off (bon de commande) of the lot's contract."""
    return {
        **marche(data, contract, offers_received, frame.ccag),
        "idAccordCadre": frame.contract_id,
        "techniques": {"technique": ["Accord-cadre"]},
        "modalitesExecution": {"modaliteExecution": ["Bons de commande"]},
        "procedure": frame.procedure,
    }


def essential_data(
    data: PublishedCampaign, ccag: str = DEFAULT_CCAG, frame: CallOffFrame | None = None
) -> dict[str, Any]:
    """The DECP document of a consolidated campaign (amounts as ``Decimal``); under a
    framework lot, the lot's contract and the purchase orders as its call-offs."""
    supplier_ids = {c.supplier.id for c in data.contracts}
    offers_received = len({t.id for t in data.tenderers} | supplier_ids)
    if frame is not None:
        return {
            "marches": {
                "marche": [
                    framework_marche(data, frame),
                    *(call_off(data, c, offers_received, frame) for c in data.contracts),
                ]
            }
        }
    return {
        "marches": {
            "marche": [marche(data, contract, offers_received, ccag) for contract in data.contracts]
        }
    }
