"""API v1 endpoints of the legal documents: a delivery's purchase order in Order-X, the
refurbisher's invoices (Factur-X PDF, CII XML) and credit notes, read by both parties."""

from __future__ import annotations

import datetime as dt
from typing import Self

from flask import Response, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from pydantic import BaseModel, Field

from nrhub.api import core
from nrhub.api.core import MAX_ID, PAGINATION_PARAMS, Answer, Param, route
from nrhub.api.schemas import EchoesCampaign, NamedRef, _In
from nrhub.auth.models import User
from nrhub.campaigns import queries as campaign_queries
from nrhub.commitments import services as commitment_services
from nrhub.commitments.models import BuyerCommitment
from nrhub.consolidation import queries as consolidation_queries
from nrhub.documents import cii, pdf
from nrhub.documents.assemble import invoice_document, order_document
from nrhub.invoices import queries, services
from nrhub.invoices.models import Invoice, InvoiceLine
from nrhub.security import Role

ID_PARAM = Param("id", "path", {"type": "integer"}, "Identifiant.", required=True)
READERS = (Role.COORDINATOR, Role.REFURBISHER, Role.BUYER)
TAG = "Factures"


class InvoiceIn(_In):
    number: str = Field(min_length=1, max_length=40, examples=["FA-2026-0042"])
    issued_on: dt.date


class CreditLineIn(_In):
    line_id: int = Field(ge=1, le=MAX_ID, description="Ligne de la facture.")
    quantity: int = Field(ge=0, le=100_000)


class CreditNoteIn(_In):
    number: str = Field(min_length=1, max_length=40)
    issued_on: dt.date
    reason: str = Field(min_length=5, max_length=2000)
    lines: list[CreditLineIn] = Field(min_length=1, max_length=1000)


class CommitmentIn(EchoesCampaign):
    """GET's answer is accepted as is (its read-only fields are ignored)."""

    engagement_number: str = Field(min_length=1, max_length=50, examples=["EJ-2026-00042"])
    budget_nature: str = Field(min_length=1, max_length=10, examples=["2183"])
    budget_chapter: str = Field(min_length=1, max_length=10, examples=["21"])
    service_code: str | None = Field(default=None, max_length=100)
    delivery_address: str = Field(min_length=1, max_length=500)


class CommitmentOut(BaseModel):
    campaign_id: int
    engagement_number: str
    budget_nature: str
    budget_chapter: str
    service_code: str | None
    delivery_address: str
    updated_at: str

    @classmethod
    def of(cls, item: BuyerCommitment) -> Self:
        return cls.model_validate(
            {
                "campaign_id": item.campaign_id,
                "engagement_number": item.engagement_number,
                "budget_nature": item.budget_nature,
                "budget_chapter": item.budget_chapter,
                "service_code": item.service_code,
                "delivery_address": item.delivery_address,
                "updated_at": core.timestamp(item.updated_at),
            }
        )


class InvoiceLineOut(BaseModel):
    id: int
    delivery_line_id: int
    maintenance: bool
    designation: str
    quantity: int
    unit_price_ht: str
    vat_rate: str
    margin_scheme: bool
    total_ht: str
    total_vat: str

    @classmethod
    def of(cls, line: InvoiceLine) -> Self:
        return cls.model_validate(
            {
                "id": line.id,
                "delivery_line_id": line.delivery_line_id,
                "maintenance": line.is_maintenance,
                "designation": line.designation,
                "quantity": line.quantity,
                "unit_price_ht": core.money(line.unit_price),
                "vat_rate": core.money(line.vat_rate),
                "margin_scheme": line.margin_scheme,
                "total_ht": core.money(line.amount_ht),
                "total_vat": core.money(line.amount_vat),
            }
        )


class InvoiceOut(BaseModel):
    id: int
    kind: str = Field(description="invoice (facture) ou credit_note (avoir).")
    number: str
    issued_on: str
    delivery_id: int
    credited_invoice_id: int | None
    buyer: NamedRef
    refurbisher: NamedRef
    engagement_number: str | None = None
    total_ht: str
    total_vat: str
    total_ttc: str
    lines: list[InvoiceLineOut]

    @classmethod
    def of(cls, item: Invoice, engagement_number: str | None = None) -> Self:
        """Needs buyer, refurbisher and lines loaded."""
        return cls.model_validate(
            {
                "id": item.id,
                "kind": str(item.kind),
                "number": item.number,
                "issued_on": core.day(item.issued_on),
                "delivery_id": item.delivery_id,
                "credited_invoice_id": item.credited_invoice_id,
                "buyer": NamedRef.of(item.buyer),
                "refurbisher": NamedRef.of(item.refurbisher),
                "engagement_number": engagement_number,
                "total_ht": core.money(item.total_ht),
                "total_vat": core.money(item.total_vat),
                "total_ttc": core.money(item.total_ttc),
                "lines": [InvoiceLineOut.of(line) for line in item.lines],
            }
        )


class InvoicePage(BaseModel):
    items: list[InvoiceOut]
    next_cursor: str | None


def _full(user: User, invoice_id: int) -> InvoiceOut:
    """The invoice with the engagement number of its delivery."""
    invoice = queries.get_invoice_for(user, invoice_id)
    return InvoiceOut.of(invoice, queries.delivery_of(invoice).engagement_number)


def _file(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@route(
    "/campaigns/{id}/commitment",
    "GET",
    summary="Mon engagement budgétaire pour une campagne",
    description="Numéro d'engagement juridique, imputation M57, code service Chorus Pro et "
    "adresse de livraison de l'acheteur ; 404 s'il n'en a pas encore enregistré.",
    roles=(Role.BUYER,),
    response=CommitmentOut,
    params=[ID_PARAM],
    errors=(401, 403, 404),
    tag=TAG,
)
def get_commitment(id: int) -> Answer:
    user = core.api_user()
    campaign = campaign_queries.get_campaign_for(user, id)
    item = commitment_services.get_commitment(campaign.id, user.organisation_id)
    if item is None:
        raise core.ApiProblem(404, _("Aucun engagement enregistré pour cette campagne."))
    return CommitmentOut.of(item)


@route(
    "/campaigns/{id}/commitment",
    "PUT",
    summary="Enregistrer mon engagement budgétaire",
    description="Par un acheteur ayant une commande dans la campagne (pas en préparation, "
    "annulée ni terminée) ; repris sur ses livraisons à la consolidation, et modifiable "
    "ensuite tant que la livraison n'est pas facturée. Champ invalide : 422 avec son message.",
    roles=(Role.BUYER,),
    body=CommitmentIn,
    response=CommitmentOut,
    params=[ID_PARAM],
    errors=(401, 403, 404, 409, 422),
    tag=TAG,
)
def put_commitment(id: int) -> Answer:
    body = core.parse_body(CommitmentIn)
    user = core.api_user()
    campaign = campaign_queries.get_campaign_for(user, id)
    core.check_echoed_campaign(body.campaign_id, campaign.id)
    item = commitment_services.record_commitment(
        campaign,
        commitment_services.CommitmentData(
            body.engagement_number,
            body.budget_nature,
            body.budget_chapter,
            body.service_code,
            body.delivery_address,
        ),
        by=user,
    )
    return CommitmentOut.of(item)


@route(
    "/deliveries/{id}/order-x.xml",
    "GET",
    summary="Bon de commande d'une livraison en Order-X",
    description="La part d'un acheteur du bon de commande consolidé, au format Order-X "
    "(profil comfort, XML CII) : parties avec SIRET, numéro d'engagement, lignes HT/TVA, "
    "adresse et fenêtre de livraison. Acheteur destinataire, reconditionneur, coordinateur ; "
    "autres : 404.",
    roles=READERS,
    params=[ID_PARAM],
    errors=(401, 403, 404),
    tag=TAG,
    media_type="application/xml",
)
def delivery_order_x(id: int) -> ResponseReturnValue:
    delivery = consolidation_queries.get_delivery_for(core.api_user(), id)
    document = order_document(delivery)
    return _file(cii.orderx_xml(document), "application/xml", f"order-x-{document.number}.xml")


@route(
    "/deliveries/{id}/invoices",
    "POST",
    summary="Émettre la facture des unités reçues",
    description="Par le reconditionneur de la livraison, après une réception (service fait) : "
    "la facture couvre les unités reçues et pas encore facturées, aux prix mutualisés figés, "
    "maintenance comprise, avec son propre numéro (unique parmi ses factures et avoirs : sinon "
    "422 sur number) et sa date (pas dans le futur, pas avant la réception). Avant toute "
    "réception, ou unités reçues déjà facturées (y compris par une requête simultanée) : 409.",
    roles=(Role.REFURBISHER,),
    body=InvoiceIn,
    response=InvoiceOut,
    status=201,
    params=[ID_PARAM],
    errors=(401, 403, 404, 409, 422),
    tag=TAG,
)
def issue_invoice(id: int) -> Answer:
    body = core.parse_body(InvoiceIn)
    user = core.api_user()
    delivery = consolidation_queries.get_delivery_for(user, id)
    invoice = services.issue_invoice(delivery, body.number, body.issued_on, by=user)
    return _full(user, invoice.id), 201


@route(
    "/invoices",
    "GET",
    summary="Factures et avoirs",
    description="Par identifiant croissant. Reconditionneur : les siens ; acheteur : ceux qu'il "
    "reçoit ; coordinateur : tous.",
    roles=READERS,
    response=InvoicePage,
    params=PAGINATION_PARAMS,
    errors=(401, 403, 422),
    tag=TAG,
)
def invoices() -> Answer:
    limit = core.page_limit(request.args.get("limit"))
    after = core.decode_cursor(request.args.get("cursor"))
    items = queries.list_invoices_for(core.api_user(), after, limit + 1)
    more = len(items) > limit
    items = items[:limit]
    return InvoicePage(
        items=[InvoiceOut.of(item) for item in items],
        next_cursor=core.encode_cursor(items[-1].id) if more and items else None,
    )


@route(
    "/invoices/{id}",
    "GET",
    summary="Une facture ou un avoir",
    roles=READERS,
    response=InvoiceOut,
    params=[ID_PARAM],
    errors=(401, 403, 404),
    tag=TAG,
)
def invoice(id: int) -> Answer:
    return _full(core.api_user(), id)


@route(
    "/invoices/{id}/factur-x.pdf",
    "GET",
    summary="La facture en PDF Factur-X",
    description="PDF/A-3 avec le XML Factur-X (profil EN 16931) joint : SIRET de l'acheteur, "
    "code service, numéro d'engagement ; prêt pour Chorus Pro.",
    roles=READERS,
    params=[ID_PARAM],
    errors=(401, 403, 404),
    tag=TAG,
    media_type="application/pdf",
)
def invoice_pdf(id: int) -> ResponseReturnValue:
    invoice = queries.get_invoice_for(core.api_user(), id)
    document = invoice_document(invoice, queries.delivery_of(invoice))
    return _file(pdf.invoice_pdf(document), "application/pdf", f"{invoice.number}.pdf")


@route(
    "/invoices/{id}/factur-x.xml",
    "GET",
    summary="La facture en XML CII (Factur-X EN 16931)",
    roles=READERS,
    params=[ID_PARAM],
    errors=(401, 403, 404),
    tag=TAG,
    media_type="application/xml",
)
def invoice_xml(id: int) -> ResponseReturnValue:
    invoice = queries.get_invoice_for(core.api_user(), id)
    document = invoice_document(invoice, queries.delivery_of(invoice))
    return _file(cii.facturx_xml(document), "application/xml", f"{invoice.number}.xml")


@route(
    "/invoices/{id}/credit-notes",
    "POST",
    summary="Émettre un avoir sur une facture",
    description="Par le reconditionneur de la facture, pour des unités facturées puis "
    "refusées : par ligne de facture, au plus les unités pas encore créditées ; mêmes prix "
    "et TVA que la facture.",
    roles=(Role.REFURBISHER,),
    body=CreditNoteIn,
    response=InvoiceOut,
    status=201,
    params=[ID_PARAM],
    errors=(401, 403, 404, 409, 422),
    tag=TAG,
)
def issue_credit_note(id: int) -> Answer:
    body = core.parse_body(CreditNoteIn)
    user = core.api_user()
    invoice = queries.get_invoice_for(user, id)
    quantities: dict[int, int] = {}
    names: dict[str, str] = {}
    for index, line in enumerate(body.lines):
        if line.line_id in quantities:
            raise core.invalid({f"lines.{index}.line_id": [_("Ligne en double.")]})
        quantities[line.line_id] = line.quantity
        names[f"line_{line.line_id}"] = f"lines.{index}.quantity"
    with core.fields_renamed(names):
        note = services.issue_credit_note(
            invoice, body.number, body.issued_on, quantities, body.reason, by=user
        )
    return _full(user, note.id), 201
