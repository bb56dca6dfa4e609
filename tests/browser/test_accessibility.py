"""axe-core on every main page, for each role: no violation of impact serious or critical.

The pages that need a campaign at a given stage (consolidation preview, delivery to ship
or to receive) are audited by the purchasing journey when they exist (test_journey.py);
the donation and repair pages by test_donations_repairs.py along their flows.
Here: the demo data as loaded (an open campaign, consolidated campaigns, purchase orders,
deliveries received, the ledger).
"""

from __future__ import annotations

from tests.browser.conftest import (
    BROWSER_MARKS,
    BUYER,
    COORDINATOR,
    REFURBISHER,
    AxeAudit,
    Browser,
)
from tests.browser.helpers import organisation_of, paris_now, scalar

pytestmark = BROWSER_MARKS

OPEN_CAMPAIGN = "SELECT id FROM campaign WHERE state = 'open' AND title LIKE 'Campagne hiver%'"
DONE_CAMPAIGN = "SELECT id FROM campaign WHERE state = 'done' ORDER BY id LIMIT 1"


def visit(b: Browser, audit: AxeAudit, label: str, path: str, status_text: str = "") -> None:
    b.get(path)
    heading = b.text("h1")
    if status_text:
        assert status_text in heading, f"{path} : {heading}"
    else:
        # The error page says "(erreur 404)" in its heading: an audit of it would prove nothing.
        assert "(erreur " not in heading, f"{path} : {heading}"
    audit.check(label)


def test_public_pages(browser: Browser, axe: AxeAudit) -> None:
    b, audit = browser, axe
    db = b.server.database_url
    listing = scalar(db, "SELECT id FROM listing WHERE status = 'published' ORDER BY id LIMIT 1")
    refurbisher = organisation_of(db, REFURBISHER)
    visit(b, audit, "accueil", "/")
    visit(b, audit, "inscription", "/inscription")
    visit(b, audit, "connexion", "/connexion")
    visit(b, audit, "mot de passe oublié", "/mot-de-passe-oublie")
    visit(b, audit, "catalogue", "/catalogue")
    visit(b, audit, "catalogue filtré", "/catalogue?q=portable&page=1")
    visit(b, audit, "fiche d'une offre", f"/catalogue/{listing}")
    visit(b, audit, "page d'un reconditionneur", f"/reconditionneurs/{refurbisher}")
    visit(b, audit, "erreur 404", "/page-qui-n-existe-pas", "Page introuvable")
    # A form sent back with errors: the error summary and the fields tied to it.
    b.get("/connexion")
    b.submit("Se connecter")
    assert b.find_all(".error-summary")
    audit.check("connexion avec erreurs")
    audit.assert_clean()


def test_buyer_pages(browser: Browser, axe: AxeAudit) -> None:
    b, audit = browser, axe
    db = b.server.database_url
    buyer = organisation_of(db, BUYER)
    campaign = scalar(db, OPEN_CAMPAIGN)
    order = scalar(
        db,
        "SELECT id FROM purchase_request WHERE campaign_id = ? AND buyer_id = ?",
        campaign,
        buyer,
    )
    delivery = scalar(db, "SELECT id FROM delivery WHERE buyer_id = ? ORDER BY id LIMIT 1", buyer)
    b.login(BUYER)
    visit(b, audit, "accueil acheteur", "/")
    visit(b, audit, "campagnes", "/campagnes/")
    visit(b, audit, "campagne ouverte (formulaire de commande)", f"/campagnes/{campaign}")
    visit(b, audit, "commande", f"/campagnes/{campaign}/commandes/{order}")
    visit(b, audit, "livraisons", "/livraisons")
    visit(b, audit, "livraison reçue", f"/livraisons/{delivery}")
    visit(b, audit, "tableau de bord acheteur", f"/indicateurs?annee={paris_now().year}")
    visit(b, audit, "rapport annuel", f"/indicateurs/rapport/{paris_now().year}")
    visit(b, audit, "dépenses (registre)", "/acheteur/depenses")
    visit(b, audit, "déclaration d'un achat hors centrale", "/acheteur/depenses/nouvelle")
    visit(b, audit, "import des dépenses", "/acheteur/depenses/import")
    visit(b, audit, "mon compte", "/compte")
    visit(b, audit, "membres de l'organisation", "/organisation/membres")
    visit(b, audit, "clausier", "/clauses/")
    visit(b, audit, "parc réformé", "/acheteur/parc-reforme")
    editable_lot = scalar(
        db,
        "SELECT id FROM donation_lot WHERE donor_id = ? AND status = 'open' AND NOT EXISTS "
        "(SELECT 1 FROM donation_claim c WHERE c.lot_id = donation_lot.id "
        "AND c.status IN ('accepted', 'picked_up', 'completed')) ORDER BY id LIMIT 1",
        buyer,
    )
    visit(b, audit, "lots de réemploi (donateur)", "/dons")
    visit(b, audit, "correction d'un lot", f"/dons/{editable_lot}/modifier", "Modifier le lot")
    visit(b, audit, "photos d'un lot", f"/dons/{editable_lot}/photos")
    audit.assert_clean()


def test_refurbisher_pages(browser: Browser, axe: AxeAudit) -> None:
    b, audit = browser, axe
    db = b.server.database_url
    refurbisher = organisation_of(db, REFURBISHER)
    campaign = scalar(db, OPEN_CAMPAIGN)
    purchase_order = scalar(
        db, "SELECT id FROM purchase_order WHERE refurbisher_id = ? ORDER BY id", refurbisher
    )
    listing = scalar(db, "SELECT id FROM listing WHERE refurbisher_id = ? LIMIT 1", refurbisher)
    b.login(REFURBISHER)
    visit(b, audit, "mes offres", "/reconditionneur/offres")
    visit(b, audit, "nouvelle offre", "/reconditionneur/offres/nouvelle")
    visit(b, audit, "modifier une offre", f"/reconditionneur/offres/{listing}/modifier")
    visit(b, audit, "photos d'une offre", f"/reconditionneur/offres/{listing}/photos")
    visit(b, audit, "import du stock", "/reconditionneur/offres/import")
    visit(b, audit, "maintenance d'une offre", f"/reconditionneur/offres/{listing}/maintenance")
    visit(b, audit, "campagne ouverte (engagement)", f"/campagnes/{campaign}")
    visit(b, audit, "bons de commande", "/bons-de-commande")
    visit(b, audit, "bon de commande", f"/bons-de-commande/{purchase_order}")
    visit(b, audit, "tableau de bord reconditionneur", f"/indicateurs?annee={paris_now().year}")
    audit.assert_clean()


def test_coordinator_pages(browser: Browser, axe: AxeAudit) -> None:
    b, audit = browser, axe
    db = b.server.database_url
    campaign = scalar(db, OPEN_CAMPAIGN)
    done = scalar(db, DONE_CAMPAIGN)
    pending = scalar(db, "SELECT id FROM organisation WHERE status = 'pending' LIMIT 1")
    b.login(COORDINATOR)
    visit(b, audit, "organisations", "/coordination/organisations")
    visit(b, audit, "organisation en attente", f"/coordination/organisations/{pending}")
    visit(b, audit, "campagnes", "/campagnes/")
    visit(b, audit, "nouvelle campagne", "/campagnes/nouvelle")
    visit(b, audit, "campagne ouverte (offres et commandes)", f"/campagnes/{campaign}")
    visit(b, audit, "consolidation faite", f"/campagnes/{done}/consolidation")
    visit(b, audit, "bons de commande", "/bons-de-commande")
    visit(b, audit, "tableau de bord de la centrale", f"/indicateurs?annee={paris_now().year}")
    visit(b, audit, "territoires", "/indicateurs/territoires")
    visit(b, audit, "objectifs légaux", "/coordination/objectifs")
    visit(b, audit, "journal", "/coordination/journal")
    visit(b, audit, "clausier", "/clauses/")
    visit(b, audit, "lots de réemploi (centrale)", "/dons")
    visit(b, audit, "réparations (centrale)", "/coordination/reparations")
    audit.assert_clean()
