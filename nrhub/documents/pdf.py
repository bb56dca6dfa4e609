"""The printable purchase order and invoice: a PDF drawn with ReportLab (fonts embedded,
sRGB output intent, as PDF/A-3 asks), then the Order-X or Factur-X XML embedded in it by
the ``factur-x`` library (which adds the PDF/A-3 XMP metadata and the attachment)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import facturx
import reportlab
from PIL import ImageCms
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from nrhub.documents import cii
from nrhub.documents.model import (
    MARGIN_SCHEME_MENTION,
    DocumentLine,
    InvoiceDocument,
    OrderDocument,
    Party,
)
from nrhub.formatting import format_date

FONT = "NrhubVera"
FONT_BOLD = "NrhubVeraBold"
_FONTS = Path(reportlab.__file__).parent / "fonts"


def _register_fonts() -> None:
    # PDF/A embeds every font: the Bitstream Vera TrueType fonts ship with ReportLab.
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(_FONTS / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONTS / "VeraBd.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=15, leading=19),
        "heading": ParagraphStyle("heading", parent=base, fontName=FONT_BOLD, fontSize=10),
    }


def euros(value: Decimal) -> str:
    """1 234,50 € with no-break spaces (the embedded font has no narrow one)."""
    text = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{text}\u00a0€"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _party_block(title: str, party: Party, st: dict[str, ParagraphStyle]) -> Paragraph:
    lines = [f"<b>{_escape(title)}</b>", _escape(party.name), f"SIRET {party.siret}"]
    if party.address:
        lines.append(_escape(party.address))
    if party.postcode or party.city:
        lines.append(_escape(f"{party.postcode} {party.city}".strip()))
    if party.email:
        lines.append(_escape(party.email))
    return Paragraph("<br/>".join(lines), st["base"])


def _lines_table(lines: tuple[DocumentLine, ...], st: dict[str, ParagraphStyle]) -> Table:
    header = ["Désignation", "Réf.", "Qté", "PU HT", "TVA", "Total HT", "Total TTC"]
    rows: list[list[object]] = [list(header)]
    for line in lines:
        vat = "marge" if line.margin_scheme else f"{line.vat_rate.normalize():f}\u00a0%"
        rows.append(
            [
                Paragraph(_escape(line.designation), st["small"]),
                Paragraph(_escape(line.sku), st["small"]),
                str(line.quantity),
                euros(line.unit_price),
                vat,
                euros(line.amounts.ht),
                euros(line.amounts.ttc),
            ]
        )
    table = Table(rows, colWidths=[58 * mm, 22 * mm, 10 * mm, 22 * mm, 14 * mm, 22 * mm, 24 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    return table


def _totals_table(document: OrderDocument | InvoiceDocument) -> Table:
    totals = document.totals
    rows = [["Total HT", euros(totals.ht)]]
    for group in document.vat_breakdown:
        label = (
            "Biens d'occasion (régime de la marge) : TVA non mentionnée"
            if group.margin_scheme
            else f"TVA {group.rate.normalize():f} % sur {euros(group.basis)}"
        )
        rows.append([label, euros(group.vat)])
    rows.append(["Total TTC", euros(totals.ttc)])
    table = Table(rows, colWidths=[80 * mm, 32 * mm], hAlign="RIGHT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("FONT", (0, -1), (-1, -1), FONT_BOLD, 9),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
            ]
        )
    )
    return table


def _build(story: list[object], title: str, author: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=author,
        lang="fr-FR",
    )
    document.build(story)
    return _with_output_intent(buffer.getvalue())


def _with_output_intent(pdf: bytes) -> bytes:
    """PDF/A needs an output intent: an sRGB ICC profile (made by Pillow)."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    stream = DecodedStreamObject()
    stream.set_data(profile)
    stream.update({NameObject("/N"): NumberObject(3)})
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(stream),
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _metadata(author: str, title: str, subject: str) -> dict[str, str]:
    return {"author": author, "keywords": "Order-X, Factur-X", "title": title, "subject": subject}


def purchase_order_pdf(document: OrderDocument) -> bytes:
    """The bon de commande of one buyer's delivery, its Order-X XML embedded."""
    _register_fonts()
    st = _styles()
    c = document.commitment
    story: list[object] = [
        Paragraph(f"Bon de commande n° {_escape(document.number)}", st["title"]),
        Paragraph(
            f"Émis le {format_date(document.issued_on)} — campagne d'achat groupé « "
            f"{_escape(document.campaign_title)} »",
            st["base"],
        ),
        Spacer(1, 4 * mm),
        Table(
            [
                [
                    _party_block("Acheteur (pouvoir adjudicateur)", document.buyer, st),
                    _party_block("Titulaire (fournisseur)", document.seller, st),
                ]
            ],
            colWidths=[90 * mm, 90 * mm],
        ),
    ]
    if document.hub is not None:
        story.append(
            Paragraph(
                f"Commande passée par l'intermédiaire de la centrale d'achat "
                f"{_escape(document.hub.name)} (SIRET {document.hub.siret}), art. L. 2113-2 "
                "et suivants du code de la commande publique.",
                st["small"],
            )
        )
    if document.agreement is not None:
        story.append(
            Paragraph(
                f"Accord-cadre {_escape(document.agreement.reference)} — "
                f"{_escape(document.agreement.title)}, lot {_escape(document.agreement.lot)}.",
                st["base"],
            )
        )
    story += [
        Spacer(1, 3 * mm),
        Paragraph("Engagement et imputation", st["heading"]),
        Paragraph(
            "<br/>".join(
                [
                    "Numéro d'engagement juridique : "
                    + _escape(c.engagement_number or "non renseigné"),
                    f"Imputation budgétaire (M57) : chapitre {_escape(c.budget_chapter or '—')}, "
                    f"nature {_escape(c.budget_nature or '—')}",
                    f"Code service Chorus Pro : {_escape(c.service_code or 'aucun')}",
                ]
            ),
            st["base"],
        ),
        Spacer(1, 3 * mm),
        Paragraph("Livraison", st["heading"]),
        Paragraph(
            "<br/>".join(
                [
                    f"Adresse : {_escape(c.delivery_address or document.buyer.address)}",
                    "Fenêtre de livraison : " + _window(document),
                ]
            ),
            st["base"],
        ),
        Spacer(1, 4 * mm),
        _lines_table(document.lines, st),
        Spacer(1, 3 * mm),
        _totals_table(document),
        Spacer(1, 4 * mm),
        Paragraph("Conditions de paiement", st["heading"]),
        Paragraph(_escape(cii.payment_terms_text()), st["small"]),
        Paragraph(
            "La facture est déposée sur Chorus Pro (factures électroniques obligatoires pour "
            "les personnes publiques) en rappelant le numéro d'engagement et le code service. "
            "Le présent bon de commande est accompagné de sa version Order-X (fichier "
            "order-x.xml joint).",
            st["small"],
        ),
    ]
    if any(line.margin_scheme for line in document.lines):
        story.append(Paragraph(f"{MARGIN_SCHEME_MENTION} (art. 297 A du CGI).", st["small"]))
    pdf = _build(story, f"Bon de commande {document.number}", document.seller.name)
    return bytes(
        facturx.generate_from_binary(
            pdf,
            cii.orderx_xml(document),
            flavor="order-x",
            level="comfort",
            orderx_type="order",
            pdf_metadata=_metadata(
                document.buyer.name,
                f"Bon de commande {document.number}",
                f"Bon de commande {document.number} de {document.buyer.name}",
            ),
            lang="fr-FR",
        )
    )


def _window(document: OrderDocument) -> str:
    if document.delivery_from and document.delivery_to:
        return f"du {format_date(document.delivery_from)} au {format_date(document.delivery_to)}"
    if document.delivery_from:
        return f"à partir du {format_date(document.delivery_from)}"
    return "à convenir avec l'acheteur"


def invoice_pdf(document: InvoiceDocument) -> bytes:
    """The invoice or credit note, Factur-X EN 16931 (its XML embedded)."""
    _register_fonts()
    st = _styles()
    c = document.commitment
    kind = "Avoir" if document.is_credit_note else "Facture"
    story: list[object] = [
        Paragraph(f"{kind} n° {_escape(document.number)}", st["title"]),
        Paragraph(f"Date d'émission : {format_date(document.issued_on)}", st["base"]),
        Spacer(1, 4 * mm),
        Table(
            [
                [
                    _party_block("Vendeur", document.seller, st),
                    _party_block("Client", document.buyer, st),
                ]
            ],
            colWidths=[90 * mm, 90 * mm],
        ),
        Paragraph(
            f"N° de TVA intracommunautaire du vendeur : "
            f"{cii.french_vat_number(document.seller.siren)}",
            st["small"],
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            "<br/>".join(
                filter(
                    None,
                    [
                        f"Bon de commande : {_escape(document.order_number)}",
                        f"Numéro d'engagement juridique : {_escape(c.engagement_number or '—')}",
                        f"Code service : {_escape(c.service_code or '—')}",
                        f"Imputation : chapitre {_escape(c.budget_chapter or '—')}, nature "
                        f"{_escape(c.budget_nature or '—')}",
                        (
                            f"Service fait (réception) le {format_date(document.received_on)}"
                            if document.received_on
                            else ""
                        ),
                        (
                            f"Avoir sur la facture {_escape(document.credited_number)}"
                            if document.credited_number
                            else ""
                        ),
                        f"Motif : {_escape(document.reason)}" if document.reason else "",
                    ],
                )
            ),
            st["base"],
        ),
        Spacer(1, 4 * mm),
        _lines_table(document.lines, st),
        Spacer(1, 3 * mm),
        _totals_table(document),
        Spacer(1, 4 * mm),
    ]
    if not document.is_credit_note:
        story.append(Paragraph(f"Date d'échéance : {format_date(document.due_on)}", st["base"]))
    story.append(Paragraph(_escape(cii.payment_terms_text()), st["small"]))
    story.append(
        Paragraph(
            "Pas d'escompte pour paiement anticipé. Indemnité forfaitaire pour frais de "
            "recouvrement en cas de retard : 40 € (art. D. 441-5 du code de commerce).",
            st["small"],
        )
    )
    if document.has_margin_scheme:
        story.append(Paragraph(f"{MARGIN_SCHEME_MENTION} (art. 297 A du CGI).", st["base"]))
    pdf = _build(story, f"{kind} {document.number}", document.seller.name)
    return bytes(
        facturx.generate_from_binary(
            pdf,
            cii.facturx_xml(document),
            flavor="factur-x",
            level="en16931",
            pdf_metadata=_metadata(
                document.seller.name,
                f"{kind} {document.number}",
                f"{kind} {document.number} de {document.seller.name} à {document.buyer.name}",
            ),
            lang="fr-FR",
        )
    )
