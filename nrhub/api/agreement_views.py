"""API v1 endpoints of the framework agreements: read them with their lots, holders,
maximum and amount ordered (the agreements pages' own visibility)."""

from __future__ import annotations

from typing import Self

from flask import request
from pydantic import BaseModel, Field

from nrhub.agreements import queries as agreement_queries
from nrhub.agreements.models import FrameworkAgreement, FrameworkLot, FrameworkLotHolder
from nrhub.api import core
from nrhub.api.core import PAGINATION_PARAMS, Answer, Param, route
from nrhub.api.schemas import NamedRef
from nrhub.security import Role

READERS = (Role.COORDINATOR, Role.BUYER, Role.REFURBISHER)
VISIBILITY = (
    "Coordinateur : tous ; acheteur membre : ceux de sa centrale ; reconditionneur : ceux "
    "dont il est titulaire d'un lot."
)


class LotHolderOut(BaseModel):
    refurbisher: NamedRef
    reference: str = Field(description="Référence du marché du titulaire.")

    @classmethod
    def of(cls, item: FrameworkLotHolder) -> Self:
        return cls(refurbisher=NamedRef.of(item.refurbisher), reference=item.reference)


class FrameworkLotOut(BaseModel):
    id: int
    number: int
    title: str
    cpv_code: str = Field(examples=["30213000-5"])
    categories: list[str] = Field(description="Codes de catégorie.", examples=[["laptop"]])
    maximum_amount_ht: str | None = Field(
        description="Maximum propre du lot (null : celui de l'accord-cadre seul)."
    )
    ordered_amount_ht: str = Field(
        description="Commandé sous le lot : commandes des campagnes ouvertes au prix de base, "
        "puis bons de commande."
    )
    holders: list[LotHolderOut]

    @classmethod
    def of(cls, lot: FrameworkLot) -> Self:
        return cls.model_validate(
            {
                "id": lot.id,
                "number": lot.number,
                "title": lot.title,
                "cpv_code": lot.cpv_code,
                "categories": [c.code for c in lot.categories],
                "maximum_amount_ht": core.money(lot.maximum_amount),
                "ordered_amount_ht": core.money(lot.ordered_amount),
                "holders": [LotHolderOut.of(h) for h in lot.holders],
            }
        )


class FrameworkAgreementOut(BaseModel):
    id: int
    reference: str
    title: str
    procedure: str
    awarded_on: str = Field(description="Date ISO 8601 (AAAA-MM-JJ).")
    duration_months: int
    ends_on: str = Field(description="Dernier jour de l'accord-cadre.")
    ccag: str
    maximum_amount_ht: str
    ordered_amount_ht: str
    lots: list[FrameworkLotOut]

    @classmethod
    def of(cls, agreement: FrameworkAgreement) -> Self:
        return cls.model_validate(
            {
                "id": agreement.id,
                "reference": agreement.reference,
                "title": agreement.title,
                "procedure": str(agreement.procedure),
                "awarded_on": core.day(agreement.awarded_on),
                "duration_months": agreement.duration_months,
                "ends_on": core.day(agreement.ends_on),
                "ccag": str(agreement.ccag),
                "maximum_amount_ht": core.money(agreement.maximum_amount),
                "ordered_amount_ht": core.money(agreement.ordered_amount),
                "lots": [FrameworkLotOut.of(lot) for lot in agreement.lots],
            }
        )


class FrameworkAgreementPage(BaseModel):
    items: list[FrameworkAgreementOut]
    next_cursor: str | None = Field(description="null sur la dernière page.")


@route(
    "/framework-agreements",
    "GET",
    summary="Accords-cadres",
    description=f"Par identifiant croissant, avec lots, titulaires, maximum et montant "
    f"commandé. {VISIBILITY}",
    roles=READERS,
    response=FrameworkAgreementPage,
    params=[*PAGINATION_PARAMS],
    errors=(401, 403, 422),
    tag="Accords-cadres",
)
def framework_agreements() -> Answer:
    limit = core.page_limit(request.args.get("limit"))
    after = core.decode_cursor(request.args.get("cursor"))
    items = agreement_queries.list_frameworks(core.api_user(), after, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return FrameworkAgreementPage(
        items=[FrameworkAgreementOut.of(item) for item in items],
        next_cursor=core.encode_cursor(items[-1].id) if more and items else None,
    )


@route(
    "/framework-agreements/{id}",
    "GET",
    summary="Un accord-cadre",
    description=f"Lots, titulaires, maximum et montant commandé. {VISIBILITY} Un autre : 404.",
    roles=READERS,
    response=FrameworkAgreementOut,
    params=[Param("id", "path", {"type": "integer"}, "Identifiant.", required=True)],
    errors=(401, 403, 404),
    tag="Accords-cadres",
)
def framework_agreement(id: int) -> Answer:
    return FrameworkAgreementOut.of(agreement_queries.get_framework_for(core.api_user(), id))
