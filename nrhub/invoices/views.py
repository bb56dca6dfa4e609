"""Routes of the legal documents: the bon de commande of a delivery (PDF with Order-X),
the buyer's commitment, invoices and credit notes, matched to receipts."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from nrhub.campaigns import queries as campaign_queries
from nrhub.commitments import services as commitment_services
from nrhub.consolidation import queries as consolidation_queries
from nrhub.consolidation.models import Delivery
from nrhub.db import utcnow
from nrhub.documents import cii, pdf
from nrhub.documents.assemble import invoice_document, order_document
from nrhub.errors import DomainError, attach_to_form
from nrhub.formatting import paris_date_of
from nrhub.invoices import queries, services
from nrhub.invoices.exports import invoices_csv
from nrhub.invoices.forms import CommitmentForm, InvoiceForm, credit_note_form
from nrhub.invoices.models import Invoice
from nrhub.security import Role, role_required

bp = Blueprint("invoices", __name__)
EVERYONE = (Role.BUYER, Role.REFURBISHER, Role.COORDINATOR)


@bp.app_context_processor
def _invoice_links() -> dict[str, object]:
    """The ledger's receipt rows link to their invoice (the ledger area, below this one,
    asks through the template)."""
    return {"invoices_by_delivery_line": queries.invoice_by_delivery_line}


def _file(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- The bon de commande -----------------------------------------------------------------


@bp.get("/livraisons/<int:delivery_id>/bon-de-commande.pdf")
@role_required(*EVERYONE)
def order_pdf(delivery_id: int) -> ResponseReturnValue:
    document = order_document(consolidation_queries.get_delivery_for(current_user, delivery_id))
    return _file(pdf.purchase_order_pdf(document), "application/pdf", f"{document.number}.pdf")


@bp.get("/livraisons/<int:delivery_id>/bon-de-commande.xml")
@role_required(*EVERYONE)
def order_xml(delivery_id: int) -> ResponseReturnValue:
    document = order_document(consolidation_queries.get_delivery_for(current_user, delivery_id))
    return _file(cii.orderx_xml(document), "application/xml", f"{document.number}.xml")


# --- The buyer's commitment --------------------------------------------------------------


@bp.route("/campagnes/<int:campaign_id>/engagement", methods=["GET", "POST"])
@role_required(Role.BUYER)
def commitment(campaign_id: int) -> ResponseReturnValue:
    campaign = campaign_queries.get_campaign_for(current_user, campaign_id)
    current = commitment_services.get_commitment(campaign.id, current_user.organisation_id)
    form = CommitmentForm(obj=current)
    page = {"campaign": campaign, "form": form}
    if not form.is_submitted():
        return render_template("invoices/commitment_form.html", **page)
    if not form.validate():
        return render_template("invoices/commitment_form.html", **page), 422
    try:
        commitment_services.record_commitment(campaign, form.data_(), by=current_user)
    except DomainError as err:
        attach_to_form(form, err)
        return render_template("invoices/commitment_form.html", **page), err.status_code
    flash(_("Engagement enregistré : il figurera sur le bon de commande et la facture."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


# --- Invoices ----------------------------------------------------------------------------


def _invoice_page(delivery: Delivery, form: InvoiceForm, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "invoices/invoice_form.html",
            delivery=delivery,
            form=form,
            pending=[
                (line, units) for line, units in services.invoiceable_lines(delivery) if units
            ],
        ),
        status,
    )


@bp.route("/livraisons/<int:delivery_id>/facture", methods=["GET", "POST"])
@role_required(Role.REFURBISHER)
def issue_invoice(delivery_id: int) -> ResponseReturnValue:
    delivery = consolidation_queries.get_delivery_for(current_user, delivery_id)
    form = InvoiceForm()
    if not form.is_submitted():
        form.issued_on.data = paris_date_of(utcnow())
        return _invoice_page(delivery, form)
    if not form.validate():
        return _invoice_page(delivery, form, 422)
    try:
        invoice = services.issue_invoice(
            delivery, form.number.data or "", form.issued_on.data, by=current_user
        )
    except DomainError as err:
        attach_to_form(form, err)
        return _invoice_page(delivery, form, err.status_code)
    flash(_("Facture émise : l'acheteur la voit rapprochée de sa réception."), "success")
    return redirect(url_for(".invoice", invoice_id=invoice.id))


@bp.get("/livraisons/<int:delivery_id>/factures")
@role_required(*EVERYONE)
def delivery_invoices(delivery_id: int) -> ResponseReturnValue:
    delivery = consolidation_queries.get_delivery_for(current_user, delivery_id)
    invoices = queries.invoices_of_delivery(delivery.id)
    return render_template(
        "invoices/delivery_invoices.html",
        delivery=delivery,
        invoices=invoices,
        matching=queries.delivery_matching(delivery, invoices),
    )


@bp.get("/factures")
@role_required(*EVERYONE)
def invoices() -> ResponseReturnValue:
    return render_template(
        "invoices/invoice_list.html", invoices=queries.list_invoices_for(current_user)
    )


@bp.get("/factures.csv")
@role_required(*EVERYONE)
def invoices_export() -> ResponseReturnValue:
    return invoices_csv(queries.list_invoices_for(current_user))


def _detail(invoice: Invoice, form: object = None, status: int = 200) -> ResponseReturnValue:
    delivery = queries.delivery_of(invoice)
    credited = {} if invoice.is_credit_note else services.credited_quantities(invoice)
    return (
        render_template(
            "invoices/invoice_detail.html",
            invoice=invoice,
            delivery=delivery,
            credited=credited,
            form=form or credit_note_form([line.id for line in invoice.lines], formdata=None),
        ),
        status,
    )


@bp.get("/factures/<int:invoice_id>")
@role_required(*EVERYONE)
def invoice(invoice_id: int) -> ResponseReturnValue:
    return _detail(queries.get_invoice_for(current_user, invoice_id))


@bp.get("/factures/<int:invoice_id>/factur-x.pdf")
@role_required(*EVERYONE)
def invoice_pdf(invoice_id: int) -> ResponseReturnValue:
    invoice = queries.get_invoice_for(current_user, invoice_id)
    document = invoice_document(invoice, queries.delivery_of(invoice))
    return _file(pdf.invoice_pdf(document), "application/pdf", f"{invoice.number}.pdf")


@bp.get("/factures/<int:invoice_id>/factur-x.xml")
@role_required(*EVERYONE)
def invoice_xml(invoice_id: int) -> ResponseReturnValue:
    invoice = queries.get_invoice_for(current_user, invoice_id)
    document = invoice_document(invoice, queries.delivery_of(invoice))
    return _file(cii.facturx_xml(document), "application/xml", f"{invoice.number}.xml")


@bp.post("/factures/<int:invoice_id>/avoir")
@role_required(Role.REFURBISHER)
def credit_note(invoice_id: int) -> ResponseReturnValue:
    invoice = queries.get_invoice_for(current_user, invoice_id)
    ids = [line.id for line in invoice.lines]
    form = credit_note_form(ids)
    if not form.validate():
        return _detail(invoice, form, 422)
    quantities = {i: getattr(form, f"line_{i}").data or 0 for i in ids}
    try:
        note = services.issue_credit_note(
            invoice,
            form.number.data or "",
            form.issued_on.data,
            quantities,
            form.reason.data or "",
            by=current_user,
        )
    except DomainError as err:
        attach_to_form(form, err)
        return _detail(invoice, form, err.status_code)
    flash(_("Avoir émis."), "success")
    return redirect(url_for(".invoice", invoice_id=note.id))
