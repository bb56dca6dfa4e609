"""Every main page fits the screen, for each demo role, on a laptop and on a phone.

A page that scrolls sideways (WCAG 1.4.10, reflow) FAILS, at 1280 × 800 and at 390 × 844:
``document.documentElement.scrollWidth > innerWidth``. So does a region of the page that
scrolls sideways (a table wider than its column): at 1280 px every table fits; on a phone,
tables turn into stacked cards (the scroll_table macro, nrhub/tables.py, app.css).
The demo data as loaded gives every page something to show (an open campaign, done
campaigns, purchase orders, deliveries, the ledger, donation lots, repair requests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

from tests.browser.conftest import BROWSER_MARKS, BUYER, COORDINATOR, REFURBISHER, Browser
from tests.browser.helpers import organisation_of, paris_now, scalar

pytestmark = BROWSER_MARKS


class Screen(NamedTuple):
    name: str
    width: int
    height: int
    mobile: bool


LAPTOP = Screen("ordinateur", 1280, 800, False)
PHONE = Screen("téléphone", 390, 844, True)

OPEN_CAMPAIGN = "SELECT id FROM campaign WHERE state = 'open' AND title LIKE 'Campagne hiver%'"
DONE_CAMPAIGN = "SELECT id FROM campaign WHERE state = 'done' ORDER BY id LIMIT 1"

# How far the page, and each region that scrolls sideways on its own, overflow (in CSS px).
MEASURE = """
const root = document.documentElement;
const regions = [];
for (const el of document.querySelectorAll('body *')) {
  const style = getComputedStyle(el);
  if (!['auto', 'scroll'].includes(style.overflowX)) continue;
  const extra = el.scrollWidth - el.clientWidth;
  if (extra > 1) {
    const name = el.getAttribute('aria-labelledby');
    const label = name && document.getElementById(name);
    regions.push(`${(label ? label.textContent : el.className).trim().slice(0, 80)} `
                 + `(${extra} px)`);
  }
}
return {page: root.scrollWidth - window.innerWidth, inner: window.innerWidth, regions};
"""


def use_screen(b: Browser, screen: Screen) -> None:
    b.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": screen.width,
            "height": screen.height,
            "deviceScaleFactor": 1,
            "mobile": screen.mobile,
        },
    )


@pytest.fixture(params=[LAPTOP, PHONE], ids=["1280x800", "390x844"])
def screen(browser: Browser, request: pytest.FixtureRequest) -> Any:
    use_screen(browser, request.param)
    yield request.param
    browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


class WidthAudit:
    def __init__(self, browser: Browser, screen: Screen) -> None:
        self.browser = browser
        self.screen = screen
        self.failures: list[str] = []
        self.pages = 0

    def visit(self, label: str, path: str) -> None:
        b = self.browser
        b.get(path)
        heading = b.text("h1")
        assert "(erreur " not in heading, f"{path} : {heading}"
        self.check(f"{label} ({path})")

    def check(self, where: str) -> None:
        """The current page: on a phone, a page wider than the screen also shows as a
        window wider than the screen (the browser zooms out to show it whole)."""
        self.pages += 1
        found = self.browser.driver.execute_script(MEASURE)
        if found["inner"] != self.screen.width:
            self.failures.append(
                f"{where} : la fenêtre fait {found['inner']} px au lieu de {self.screen.width}"
            )
        if found["page"] > 0:
            self.failures.append(f"{where} : la page défile sur le côté ({found['page']} px)")
        for region in found["regions"]:
            self.failures.append(f"{where} : une zone défile sur le côté : {region}")

    def assert_fits(self) -> None:
        assert self.pages, "aucune page visitée"
        assert not self.failures, f"écran {self.screen.name} :\n" + "\n".join(self.failures)


def public_pages(b: Browser) -> list[tuple[str, str]]:
    db = b.server.database_url
    listing = scalar(db, "SELECT id FROM listing WHERE status = 'published' ORDER BY id LIMIT 1")
    refurbisher = organisation_of(db, REFURBISHER)
    return [
        ("accueil", "/"),
        ("inscription", "/inscription"),
        ("connexion", "/connexion"),
        ("mot de passe oublié", "/mot-de-passe-oublie"),
        ("catalogue", "/catalogue"),
        ("catalogue filtré", "/catalogue?q=portable&page=1"),
        ("fiche d'une offre", f"/catalogue/{listing}"),
        ("page d'un reconditionneur", f"/reconditionneurs/{refurbisher}"),
    ]


def buyer_pages(b: Browser) -> list[tuple[str, str]]:
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
    lot = scalar(db, "SELECT id FROM donation_lot WHERE donor_id = ? ORDER BY id LIMIT 1", buyer)
    repair = scalar(db, "SELECT id FROM repair_request WHERE buyer_id = ? ORDER BY id", buyer)
    year = paris_now().year
    return [
        ("accueil", "/"),
        ("campagnes", "/campagnes/"),
        ("campagne ouverte (formulaire de commande)", f"/campagnes/{campaign}"),
        ("commande", f"/campagnes/{campaign}/commandes/{order}"),
        ("livraisons", "/livraisons"),
        ("livraison", f"/livraisons/{delivery}"),
        ("réparations", "/acheteur/reparations"),
        ("demande de réparation", f"/acheteur/reparations/{repair}"),
        ("nouvelle demande de réparation", "/acheteur/reparations/nouvelle"),
        ("dépenses", "/acheteur/depenses"),
        ("déclaration d'un achat", "/acheteur/depenses/nouvelle"),
        ("import des dépenses", "/acheteur/depenses/import"),
        ("dons", "/dons"),
        ("lot", f"/dons/{lot}"),
        ("nouveau lot", "/dons/nouveau"),
        ("parc réformé", "/acheteur/parc-reforme"),
        ("indicateurs", f"/indicateurs?annee={year}"),
        ("rapport annuel", f"/indicateurs/rapport/{year}"),
        ("clausier", "/clauses/"),
        ("catalogue", "/catalogue"),
        ("mon compte", "/compte"),
        ("jetons d'API", "/compte/jetons"),
        ("membres", "/organisation/membres"),
        ("profil de l'organisation", "/organisation/profil"),
    ]


def refurbisher_pages(b: Browser) -> list[tuple[str, str]]:
    db = b.server.database_url
    refurbisher = organisation_of(db, REFURBISHER)
    campaign = scalar(db, OPEN_CAMPAIGN)
    purchase_order = scalar(
        db, "SELECT id FROM purchase_order WHERE refurbisher_id = ? ORDER BY id", refurbisher
    )
    listing = scalar(db, "SELECT id FROM listing WHERE refurbisher_id = ? LIMIT 1", refurbisher)
    lot = scalar(db, "SELECT id FROM donation_lot WHERE status = 'open' ORDER BY id LIMIT 1")
    repair = scalar(
        db, "SELECT id FROM repair_request WHERE refurbisher_id = ? ORDER BY id", refurbisher
    )
    return [
        ("mes offres", "/reconditionneur/offres"),
        ("nouvelle offre", "/reconditionneur/offres/nouvelle"),
        ("modifier une offre", f"/reconditionneur/offres/{listing}/modifier"),
        ("photos d'une offre", f"/reconditionneur/offres/{listing}/photos"),
        ("import du stock", "/reconditionneur/offres/import"),
        ("maintenance d'une offre", f"/reconditionneur/offres/{listing}/maintenance"),
        ("campagnes", "/campagnes/"),
        ("campagne ouverte (engagement)", f"/campagnes/{campaign}"),
        ("bons de commande", "/bons-de-commande"),
        ("bon de commande", f"/bons-de-commande/{purchase_order}"),
        ("lots de réemploi", "/dons"),
        ("lot", f"/dons/{lot}"),
        ("réparations", "/reconditionneur/reparations"),
        ("demande de réparation", f"/reconditionneur/reparations/{repair}"),
        ("mes ventes", f"/indicateurs?annee={paris_now().year}"),
        ("catalogue", "/catalogue"),
        ("mon compte", "/compte"),
    ]


def coordinator_pages(b: Browser) -> list[tuple[str, str]]:
    db = b.server.database_url
    campaign = scalar(db, OPEN_CAMPAIGN)
    done = scalar(db, DONE_CAMPAIGN)
    pending = scalar(db, "SELECT id FROM organisation WHERE status = 'pending' LIMIT 1")
    lot = scalar(db, "SELECT id FROM donation_lot ORDER BY id LIMIT 1")
    repair = scalar(db, "SELECT id FROM repair_request ORDER BY id")
    clause = scalar(db, "SELECT id FROM clause ORDER BY id")
    return [
        ("organisations", "/coordination/organisations"),
        ("organisation en attente", f"/coordination/organisations/{pending}"),
        ("campagnes", "/campagnes/"),
        ("nouvelle campagne", "/campagnes/nouvelle"),
        ("campagne ouverte", f"/campagnes/{campaign}"),
        ("campagne terminée", f"/campagnes/{done}"),
        ("consolidation faite", f"/campagnes/{done}/consolidation"),
        ("bons de commande", "/bons-de-commande"),
        ("livraisons", "/livraisons"),
        ("indicateurs", f"/indicateurs?annee={paris_now().year}"),
        ("territoires", "/indicateurs/territoires"),
        ("objectifs légaux", "/coordination/objectifs"),
        ("journal", "/coordination/journal"),
        ("clausier", "/clauses/"),
        ("clause", f"/clauses/{clause}"),
        ("dons", "/dons"),
        ("lot", f"/dons/{lot}"),
        ("réglages des dons", "/dons/reglages"),
        ("réparations", "/coordination/reparations"),
        ("demande de réparation", f"/coordination/reparations/{repair}"),
    ]


ROLES: dict[str, tuple[str | None, Callable[[Browser], list[tuple[str, str]]]]] = {
    "public": (None, public_pages),
    "acheteur": (BUYER, buyer_pages),
    "reconditionneur": (REFURBISHER, refurbisher_pages),
    "centrale": (COORDINATOR, coordinator_pages),
}


@pytest.mark.parametrize("role", list(ROLES))
def test_main_pages_fit_the_screen(browser: Browser, screen: Screen, role: str) -> None:
    email, pages = ROLES[role]
    if email:
        browser.login(email)
    audit = WidthAudit(browser, screen)
    for label, path in pages(browser):
        audit.visit(label, path)
    audit.assert_fits()


@pytest.mark.parametrize("screen_size", [LAPTOP, PHONE], ids=["1280x800", "390x844"])
def test_the_audit_catches_a_page_wider_than_the_screen(
    browser: Browser, screen_size: Screen
) -> None:
    """The check can fail: a block wider than the screen, or a table wider than its column,
    is reported."""
    use_screen(browser, screen_size)
    try:
        browser.get("/connexion")
        # Styles set through the CSSOM: the CSP forbids style attributes.
        browser.driver.execute_script(
            "const main = document.querySelector('main');"
            "const wide = document.createElement('div'); wide.style.width = '1400px';"
            "wide.textContent = 'x'; main.append(wide);"
            "const region = document.createElement('div'); region.className = 'table-scroll';"
            "const table = document.createElement('table');"
            "const cell = table.insertRow().insertCell();"
            "cell.textContent = 'y'; cell.style.minWidth = '1500px'; region.append(table);"
            "main.append(region);"
        )
        audit = WidthAudit(browser, screen_size)
        audit.check("connexion élargie")
        assert any("la page défile" in f or "la fenêtre fait" in f for f in audit.failures)
        assert any("une zone défile" in f for f in audit.failures), audit.failures
    finally:
        browser.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
