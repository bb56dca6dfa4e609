"""Stock import: preview, errors by line and column, all-or-nothing apply."""

import io
import re
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from nrhub.audit.models import AuditEvent
from nrhub.catalog import services
from nrhub.catalog.models import Listing, ListingStatus, PriceTier, StockImport
from nrhub.errors import ConflictError, NotFoundError, ValidationError
from nrhub.extensions import db
from tests.catalog.conftest import make_listing, multipart
from tests.conftest import login

HEADER = "sku;categorie;marque;modele;grade;quantite;prix_ht;paliers;statut\r\n"


def _csv(*lines: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return (header + "\r\n".join(lines) + "\r\n").encode(encoding)


def _count(model=Listing) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _post(client, data: bytes, name: str = "stock.csv"):
    body, content_type = multipart({}, "file", name, data)
    return client.post("/reconditionneur/offres/import", data=body, content_type=content_type)


def test_preview_sorts_lines_into_create_update_unchanged(people):
    make_listing(people.refurbisher, sku="A1", brand="Lenovo", model="T480", quantity=10)
    make_listing(people.refurbisher, sku="A2", brand="Lenovo", model="T490", quantity=5)
    data = _csv(
        "A1;laptop;Lenovo;T480;A;12;250,00;;publiée",
        "A2;laptop;Lenovo;T490;A;5;250,00;;publiée",
        "N1;Ordinateur portable;Dell;Latitude 5400;B;7;199,90;10:189,90|50:179,90;brouillon",
    )
    preview = services.preview_import(data, "stock.csv", by=people.refurbisher)
    assert [line.sku for line in preview.creates] == ["N1"]
    assert [(line.sku, line.changes) for line in preview.updates] == [
        ("A1", (("Quantité en stock", "10", "12"),))
    ]
    assert [line.sku for line in preview.unchanged] == ["A2"]
    assert preview.errors == []
    assert preview.token
    assert _count() == 2  # nothing written by the preview


def test_apply_writes_everything_with_audit(people):
    make_listing(people.refurbisher, sku="A1", quantity=10)
    data = _csv(
        "A1;laptop;Lenovo;T480;A;12;245,00;10:240,00;publiée",
        "N1;smartphone;Apple;iPhone 12;B;7;319,00;10:305,00|50:299,00;publiée",
    )
    preview = services.preview_import(data, "stock.csv", by=people.refurbisher)
    result = services.apply_import(preview.token, by=people.refurbisher)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    rows = db.session.execute(
        select(Listing.sku, Listing.quantity, Listing.unit_price, Listing.status).order_by(
            Listing.sku
        )
    ).all()
    assert rows == [
        ("A1", 12, Decimal("245.00"), ListingStatus.PUBLISHED),
        ("N1", 7, Decimal("319.00"), ListingStatus.PUBLISHED),
    ]
    assert _count(PriceTier) == 3
    events = {
        e.action: e.details
        for e in db.session.execute(select(AuditEvent)).scalars()
        if e.object_id == 1 or e.action == "listing.import_applied"
    }
    assert events["listing.quantity_changed"] == {"old": 10, "new": 12, "source": "import"}
    assert events["listing.price_changed"]["old"] == "250.00"
    assert events["listing.import_applied"]["created"] == 1
    with pytest.raises(ConflictError, match="Cet import a déjà été appliqué"):  # used once
        services.apply_import(preview.token, by=people.refurbisher)
    assert _count() == 2


def test_preview_lists_every_error_with_line_and_column(people):
    make_listing(people.refurbisher, sku="DUP")
    data = _csv(
        "B1;laptop;Lenovo;T480;A;-3;250,00;;",
        "B2;laptop;Lenovo;T480;A;2,5;250,001;;",
        "B3;fusee;Lenovo;T480;A;3;0;;",
        "B4;laptop;Lenovo;T480;A;3;250;10:240|5:230;",
        "B1;laptop;Lenovo;T480;A;3;250;;",
        "B5;laptop;;T480;A;3;250;;",
    )
    preview = services.preview_import(data, "stock.csv", by=people.refurbisher)
    found = {(e.line, e.column, e.message) for e in preview.errors}
    assert (2, "quantite", "La quantité ne peut pas être négative.") in found
    assert (3, "quantite", "La quantité doit être un nombre entier, sans décimales.") in found
    assert (3, "prix_ht", "Le prix unitaire HT a au plus 2 décimales (les centimes).") in found
    assert (4, "categorie", "Catégorie inconnue : « fusee ».") in found
    assert (4, "prix_ht", "Le prix unitaire HT doit être supérieur à 0 €.") in found
    assert (
        5,
        "paliers",
        "Palier 2 : les quantités minimales doivent être strictement croissantes (5 après 10).",
    ) in found
    assert (6, "sku", "La référence « B1 » figure déjà ligne 2 du fichier.") in found
    assert (7, "marque", "Obligatoire pour créer une nouvelle offre.") in found
    assert preview.token is None


def test_import_with_one_bad_line_changes_nothing_through_the_page(client, people):
    make_listing(people.refurbisher, sku="A1", quantity=10)
    login(client, people.refurbisher.email)
    response = _post(client, _csv("A1;laptop;Lenovo;T480;A;99;250;;", "N1;laptop;Dell;X;A;-1;9;;"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "rien n&#39;a été importé" in html or "rien n'a été importé" in html
    assert "La quantité ne peut pas être négative." in html
    assert 'name="token"' not in html
    db.session.expire_all()
    assert db.session.execute(select(Listing.quantity)).scalar_one() == 10
    assert _count() == 1


def test_import_page_preview_then_confirm(client, people):
    login(client, people.refurbisher.email)
    data = _csv("N1;laptop;Lenovo;ThinkPad T480;A;4;289,00;;publiée")
    response = _post(client, data)
    assert response.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert _count() == 0
    confirm = client.post("/reconditionneur/offres/import/appliquer", data={"token": token})
    assert confirm.status_code == 302
    assert _count() == 1
    again = client.post("/reconditionneur/offres/import/appliquer", data={"token": token})
    assert again.status_code == 302
    assert "Cet import a déjà été appliqué" in client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    assert _count() == 1
    assert _count(StockImport) == 1
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["auth.login", "listing.created", "listing.import_applied"]


def test_token_is_bound_to_the_organisation(client, people):
    preview = services.preview_import(
        _csv("N1;laptop;Lenovo;T480;A;4;289;;"), "s.csv", by=people.refurbisher
    )
    login(client, people.other_refurbisher.email)
    response = client.post(
        "/reconditionneur/offres/import/appliquer", data={"token": preview.token}
    )
    assert response.status_code == 302
    assert _count() == 0
    # The refusal, although answered with a redirect (committed), claimed nothing...
    assert _count(StockImport) == 0
    with pytest.raises(NotFoundError):
        services.apply_import("../../etc/passwd", by=people.refurbisher)
    # ...so its owner still applies it.
    assert services.apply_import(preview.token, by=people.refurbisher).created == 1


def test_windows_1252_semicolon_decimal_comma_is_read(people):
    data = _csv("É-1;Écran;Dell;P2419H écran;A;3;89,90;;", encoding="cp1252")
    preview = services.preview_import(data, "stock.csv", by=people.refurbisher)
    assert preview.errors == []
    assert [line.sku for line in preview.creates] == ["É-1"]


def test_comma_separated_utf8_bom_with_decimal_point(people):
    header = "sku,categorie,marque,modele,grade,quantite,prix_ht\r\n"
    data = "\ufeff".encode() + _csv('C1,laptop,Lenovo,"T480, 14""",A,3,249.90', header=header)
    preview = services.preview_import(data, "stock.csv", by=people.refurbisher)
    assert preview.errors == []
    assert preview.creates[0].title == 'Lenovo T480, 14"'


def test_xlsx_is_read(people):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SKU", "Catégorie", "Marque", "Modèle", "Grade", "Quantité", "Prix HT"])
    sheet.append(["X1", "laptop", "HP", "EliteBook 840 G5", "A", 4, 299.9])
    out = io.BytesIO()
    workbook.save(out)
    preview = services.preview_import(out.getvalue(), "stock.xlsx", by=people.refurbisher)
    assert preview.errors == []
    assert [line.sku for line in preview.creates] == ["X1"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Le fichier est vide."),
        ("sku;quantite\r\n".encode("utf-16"), "Ce fichier n"),
        (b"\x81\x8d\x8f\x90\x9d;x\r\n", "Encodage du fichier non reconnu"),
        (b"foo;bar\r\n1;2\r\n", "Colonnes inconnues : « foo », « bar »."),
        (b"quantite;prix_ht\r\n1;2\r\n", "La colonne « sku » (votre référence) est obligatoire"),
        (
            HEADER.encode() + b"A;laptop;L;M;A;1;2;;\r\n" * 100_000,
            "Le fichier dépasse 20 000 lignes : découpez-le.",
        ),
    ],
)
def test_unreadable_files_get_french_message_and_change_nothing(client, people, data, message):
    login(client, people.refurbisher.email)
    response = _post(client, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True).replace("&#39;", "'").replace("&lt;", "<")
    assert message in html
    assert _count() == 0


def test_unexpected_encoding_through_the_service(people):
    with pytest.raises(ValidationError) as err:
        services.preview_import(
            b"sku;marque\r\n\x81\x8d;\x8f\x90\r\n", "s.csv", by=people.refurbisher
        )
    assert "Encodage du fichier non reconnu" in str(err.value)


def test_template_download_is_a_valid_import(client, people):
    login(client, people.refurbisher.email)
    response = client.get("/reconditionneur/offres/import/modele.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    preview = services.preview_import(response.data, "modele.csv", by=people.refurbisher)
    assert preview.errors == []
    assert len(preview.creates) == 2


def test_recycled_content_column_is_read_and_kept_when_absent(people):
    make_listing(people.refurbisher, sku="A1", brand="Lenovo", model="T480", quantity=10)
    header = "sku;categorie;marque;modele;grade;quantite;prix_ht;matieres_recyclees\r\n"
    data = _csv("A1;laptop;Lenovo;T480;A;10;250,00;oui", "N1;laptop;Dell;E5;A;3;99,00;non",
                header=header)  # fmt: skip
    preview = services.preview_import(data, "stock.csv", by=people.refurbisher)
    assert [(line.sku, line.changes) for line in preview.updates] == [
        ("A1", (("Intègre des matières recyclées", "non", "oui"),))
    ]
    services.apply_import(preview.token, by=people.refurbisher)
    flags = dict(db.session.execute(select(Listing.sku, Listing.has_recycled_materials)).all())
    assert flags == {"A1": True, "N1": False}
    # A file without the column leaves the flag as it is.
    again = services.preview_import(
        _csv("A1;laptop;Lenovo;T480;A;11;250,00;;publiée"), "stock.csv", by=people.refurbisher
    )
    services.apply_import(again.token, by=people.refurbisher)
    assert db.session.execute(
        select(Listing.has_recycled_materials).where(Listing.sku == "A1")
    ).scalar_one()
    bad = services.preview_import(
        _csv("A1;laptop;Lenovo;T480;A;10;250,00;peut-être", header=header),
        "stock.csv",
        by=people.refurbisher,
    )
    assert bad.errors and "oui" in str(bad.errors[0])
