"""Script injection: hostile text in every field people type is rendered inert, everywhere."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import update

from nrhub.auth.models import User
from nrhub.campaigns.models import Campaign
from nrhub.catalog.models import Listing, ListingPhoto, MaintenanceOffer
from nrhub.clauses.models import Clause
from nrhub.donations.models import DonationLot
from nrhub.extensions import db
from nrhub.ledger.models import SpendEntry
from nrhub.organisations.models import Organisation
from nrhub.repairs.models import RepairRequest
from tests.catalog.conftest import multipart
from tests.security.conftest import World, client_for, png_bytes

RAW = ("<script>alert(", "<img src=x onerror")


def payload(tag: str) -> str:
    """A script tag and an attribute break-out, marked with ``tag`` to find where it shows."""
    return f'<script>alert("{tag}")</script>"><img src=x onerror=alert({tag})>{tag}'


def escaped(tag: str) -> str:
    return f"&lt;script&gt;alert(&#34;{tag}&#34;)&lt;/script&gt;"


def assert_inert(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, f"raw {raw!r} in {where}"


def _set(table, row_id: int, **values: str) -> None:  # type: ignore[no-untyped-def]
    db.session.execute(update(table).where(table.id == row_id).values(**values))


@pytest.fixture
def hostile(world: World) -> World:
    ids = world.ids
    _set(Organisation, ids["buyer1"], name=payload("orgbuyer"))
    _set(Organisation, ids["refurbisher_a"], name=payload("orgrefurb"))
    _set(
        Listing,
        ids["draft_a"],
        brand=payload("brand")[:80],
        model=payload("model"),
        description=payload("description"),
    )
    _set(ListingPhoto, ids["photo_a"], alt_text=payload("alt"))
    _set(Campaign, ids["open_campaign"], title=payload("ctitle"), description=payload("cdesc"))
    _set(Clause, ids["clause"], title=payload("clausetitle"), text=payload("clausetext"))
    _set(SpendEntry, ids["entry1"], supplier_name=payload("supplier"), comment=payload("comment"))
    _set(DonationLot, ids["lot1"], description=payload("lot"))
    _set(RepairRequest, ids["repair1"], description=payload("repair"))
    _set(MaintenanceOffer, ids["maintenance_a"], coverage=payload("coverage"))
    db.session.execute(
        update(User).where(User.id == ids["colleague1"]).values(name=payload("person"))
    )
    db.session.commit()
    return world


# (who, url template, tags that must show escaped on the page)
PAGES = [
    ("refurbisher_a", "/catalogue/{draft_a}", ("brand", "model", "description", "orgrefurb")),
    ("refurbisher_a", "/reconditionneur/offres", ("model",)),
    ("refurbisher_a", "/reconditionneur/offres/{draft_a}/modifier", ()),
    ("refurbisher_a", "/reconditionneur/offres/{draft_a}/photos", ()),
    ("buyer2", "/reconditionneurs/{refurbisher_a}", ("orgrefurb",)),
    ("buyer2", "/catalogue", ("orgrefurb",)),
    ("buyer1", "/campagnes/", ("ctitle",)),
    ("buyer1", "/campagnes/{open_campaign}", ("ctitle", "cdesc")),
    ("buyer1", "/campagnes/{open_campaign}/commandes/{open_order}", ()),
    ("coordinator", "/campagnes/{closed_campaign}/consolidation", ("orgbuyer",)),
    ("refurbisher_a", "/bons-de-commande/{po_a}", ("orgbuyer",)),
    ("buyer1", "/livraisons/{delivery_a1}", ("orgrefurb",)),
    ("buyer1", "/clauses/{clause}", ("clausetitle", "clausetext")),
    ("buyer1", "/clauses/", ("clausetitle",)),
    ("buyer1", "/acheteur/depenses?annee=2026", ("supplier",)),
    ("buyer1", "/acheteur/depenses/{entry1}/modifier", ()),
    ("buyer1", "/organisation/membres", ("person",)),
    ("buyer1", "/indicateurs", ()),
    ("buyer1", "/indicateurs/rapport/2026", ("orgbuyer",)),
    ("buyer1", "/dons/{lot1}", ("lot",)),
    ("refurbisher_a", "/dons/{lot1}", ("lot",)),
    ("coordinator", "/coordination/organisations", ("orgbuyer",)),
    ("coordinator", "/coordination/organisations/{buyer1}", ("orgbuyer",)),
    ("coordinator", "/coordination/journal", ()),
    ("coordinator", "/indicateurs?annee=2026", ()),
    ("buyer1", "/", ()),
    ("buyer1", "/acheteur/reparations/{repair1}", ("repair",)),
    ("refurbisher_a", "/reconditionneur/reparations/{repair1}", ("repair", "orgbuyer")),
    ("coordinator", "/coordination/reparations/{repair1}", ("repair",)),
    ("refurbisher_a", "/reconditionneur/offres/{draft_a}/maintenance", ("coverage",)),
]


@pytest.mark.parametrize(("who", "template", "tags"), PAGES, ids=[p[1] for p in PAGES])
def test_hostile_text_is_escaped_on_every_page(app, hostile, who, template, tags):
    client = client_for(app, hostile, who)
    response = client.get(template.format(**hostile.ids))
    assert response.status_code == 200, template
    assert "Content-Security-Policy" in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert_inert(html, template)
    for tag in tags:
        assert escaped(tag) in html, f"{tag} not shown escaped on {template}"


def test_hostile_text_through_the_forms_is_escaped(app, world):
    """Typed into real forms (campaign, override reason, suspension reason, token label)."""
    coordinator = client_for(app, world, "coordinator")
    ids = world.ids
    response = coordinator.post(
        f"/campagnes/{ids['closed_campaign']}/consolidation/lignes/{ids['closed_line']}/ajustement",
        data={"quantity": "1", "reason": payload("override"), "rule": "proportional"},
    )
    assert response.status_code in (200, 302), response.status_code
    page = coordinator.get(f"/campagnes/{ids['closed_campaign']}/consolidation")
    html = page.get_data(as_text=True)
    assert_inert(html, "consolidation")
    assert escaped("override") in html
    response = coordinator.post(
        f"/coordination/organisations/{ids['buyer2']}/suspendre",
        data={"suspend-reason": payload("suspend")},
    )
    assert response.status_code == 302
    html = coordinator.get(f"/coordination/organisations/{ids['buyer2']}").get_data(as_text=True)
    assert_inert(html, "organisation detail")
    assert escaped("suspend") in html

    buyer = client_for(app, world, "buyer1")
    response = buyer.post("/compte/jetons", data={"label": payload("label")[:100]})
    assert response.status_code in (200, 201, 302)
    html = buyer.get("/compte/jetons").get_data(as_text=True)
    assert_inert(html, "tokens page")
    assert escaped("label") in html
    response = buyer.post("/compte", data={"name": payload("myname"), "locale": "fr"})
    assert response.status_code == 302
    html = buyer.get("/compte").get_data(as_text=True)
    assert_inert(html, "account page")


def test_hostile_photo_file_name_is_never_shown_nor_used(app, world):
    client = client_for(app, world, "refurbisher_a")
    name = payload("file") + ".png"
    body, content_type = multipart({"alt_text": "Vue"}, "photo", name, png_bytes())
    url = f"/reconditionneur/offres/{world.ids['draft_a']}/photos"
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert_inert(html, "photos page")
    assert "onerror" not in html


def test_hostile_cells_of_a_stock_import_are_escaped_in_the_preview(app, world):
    client = client_for(app, world, "refurbisher_a")
    header = "sku;categorie;marque;modele;grade;quantite;prix_ht;paliers;statut\r\n"
    good = f"X-1;laptop;{payload('impbrand')[:80]};{payload('impmodel')};A;3;100,00;;brouillon"
    bad = f"{payload('impsku')[:60]};{payload('impcat')};L;M;Z;-1;abc;;?"
    data = (header + good + "\r\n" + bad + "\r\n").encode()
    body, content_type = multipart({}, "file", payload("impfile") + ".csv", data)
    response = client.post("/reconditionneur/offres/import", data=body, content_type=content_type)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert_inert(html, "stock import preview")


def test_hostile_cells_of_a_ledger_import_are_escaped_in_the_preview(app, world):
    client = client_for(app, world, "buyer1")
    csv = (
        "date;categorie;quantite;montant_ht;nature;fournisseur;matieres_recyclees;age_don\n"
        f"15/03/2025;laptop;10;2 450,00;réemploi;{payload('impsupplier')};non;\n"
        f"15/03/2025;{payload('impcategory')};x;{payload('impamount')};neuf;A;non;\n"
    )
    response = client.post(
        "/acheteur/depenses/import",
        data={"file": (io.BytesIO(csv.encode()), payload("ledgerfile") + ".csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 422)
    assert_inert(response.get_data(as_text=True), "ledger import preview")
