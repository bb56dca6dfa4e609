"""The whole purchasing journey in a real browser, one screenshot per step.

The coordinator publishes a campaign's call for stock; a refurbisher, who sees the campaign
before ordering opens, publishes a listing and commits it; the coordinator accepts it and
opens ordering; two buyers order, the order form's totals following what they type; the
coordinator closes and consolidates, each time after a confirmation page; the refurbisher
ships; one buyer receives part of its delivery, then the rest later, the other all at
once; each buyer's dashboard then shows the reuse share computed from the demo ledger plus
what the test bought.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from selenium.webdriver.common.by import By

from nrhub.formatting import format_money, format_percent
from tests.browser.conftest import (
    BROWSER_MARKS,
    BUYER,
    BUYER2,
    COORDINATOR,
    REFURBISHER,
    AxeAudit,
    Browser,
    gone,
)
from tests.browser.helpers import ledger_totals, organisation_of, paris_now

pytestmark = BROWSER_MARKS

UNIT_PRICE = Decimal("310.00")
ORDERS = {BUYER: 3, BUYER2: 2}


def set_datetime_local(b: Browser, name: str, moment: dt.datetime) -> None:
    """Chromium's date-time picker is not what is under test: set the value directly."""
    element = b.find(f'[name="{name}"]')
    b.driver.execute_script(
        "arguments[0].value = arguments[1];", element, moment.strftime("%Y-%m-%dT%H:%M")
    )


def create_campaign_and_call_for_stock(b: Browser, title: str) -> str:
    b.login(COORDINATOR)
    b.get("/campagnes/nouvelle")
    b.fill("title", title)
    b.fill("description", "Campagne créée par le test navigateur.")
    now = paris_now().replace(tzinfo=None, second=0, microsecond=0)
    set_datetime_local(b, "opens_at", now - dt.timedelta(hours=1))
    set_datetime_local(b, "closes_at", now + dt.timedelta(days=7))
    label = b.driver.find_element(
        By.XPATH, "//label[normalize-space()='Ordinateur portable']//input"
    )
    label.click()
    b.shot("coordination-nouvelle-campagne")
    b.submit("Enregistrer")
    b.assert_no_form_errors()
    assert "Campagne créée en préparation." in b.flash()
    campaign_path = b.path
    b.click_link("Publier l'appel de stock")
    set_datetime_local(b, "offers_due_at", now + dt.timedelta(days=3))
    b.submit("Publier l'appel de stock")
    assert "Appel de stock publié" in b.flash(), b.flash()
    assert "Campagne en appel de stock" in b.text()
    b.shot("coordination-appel-de-stock")
    return campaign_path


def open_ordering(b: Browser, campaign_path: str) -> None:
    b.login(COORDINATOR)
    b.get(campaign_path)
    b.submit("Ouvrir les commandes")
    assert "Commandes ouvertes ;" in b.flash(), b.flash()
    assert "Commandes ouvertes" in b.text()
    b.shot("coordination-campagne-ouverte")


def buyer_cannot_see(b: Browser, campaign_path: str) -> None:
    b.login(BUYER)
    b.get(campaign_path)
    assert "erreur 404" in b.text(), b.text()[:500]


def publish_listing(b: Browser, sku: str, model: str) -> None:
    b.login(REFURBISHER)
    b.get("/reconditionneur/offres/nouvelle")
    b.select("category_code", label="Ordinateur portable")
    b.fill("sku", sku)
    b.fill("brand", "Lenovo")
    b.fill("model", model)
    b.fill("processor", "Intel Core i5-8350U")
    b.fill("ram_gb", "16")
    b.fill("storage_gb", "256")
    b.fill("screen_inches", "14")
    b.fill("description", "Portable reconditionné, batterie testée.")
    b.select("grade", value="A")
    b.check("#data_wiping_attested")
    b.fill("quantity", "12")
    b.fill("unit_price", str(UNIT_PRICE).replace(".", ","))
    b.fill("repairability_index", "7,5")
    b.fill("os_update_years", "5")
    b.fill("spare_parts_years", "7")
    b.check("#publish")
    b.shot("reconditionneur-nouvelle-offre")
    b.submit("Enregistrer l'offre")
    b.assert_no_form_errors()
    b.shot("reconditionneur-offre-enregistree")
    b.get("/catalogue?q=" + model.replace(" ", "+"))
    assert model in b.text(), "l'offre publiée n'apparaît pas au catalogue"
    b.shot("catalogue-offre-publiee")


def commit_listing(b: Browser, campaign_path: str, model: str) -> None:
    b.get(campaign_path)
    assert "Campagne en appel de stock" in b.text(), "le reconditionneur ne voit pas l'appel"
    choice = [o.text for o in b.find_all('select[name="listing_id"] option') if model in o.text]
    assert choice, "l'offre publiée n'est pas proposée à l'engagement"
    b.select("listing_id", label=choice[0])
    b.fill("committed_quantity", "10")
    b.shot("reconditionneur-engagement")
    b.submit("Engager")
    b.assert_no_form_errors()
    assert model in b.text("#offres ~ .table-scroll table")
    b.shot("reconditionneur-offre-engagee")


def accept_offer(b: Browser, campaign_path: str, model: str) -> None:
    b.login(COORDINATOR)
    b.get(campaign_path)
    row = _row(b, model)
    assert "En attente" in row.text or "en attente" in row.text.lower(), row.text
    old = b.find("html")
    row.find_element(By.XPATH, ".//button[normalize-space()='Accepter']").click()
    b.wait_for(gone(old))
    assert "accept" in _row(b, model).text.lower(), _row(b, model).text
    b.shot("coordination-offre-acceptee")


def _row(b: Browser, text: str):  # type: ignore[no-untyped-def]
    rows = [r for r in b.find_all("main tr") if text in r.text]
    assert rows, f"aucune ligne « {text} » sur {b.path}"
    return rows[0]


def place_order(
    b: Browser, audit: AxeAudit, email: str, campaign_path: str, model: str, quantity: int
) -> None:
    b.login(email)
    b.get(campaign_path)
    row = _row(b, model)
    box = row.find_element(By.CSS_SELECTOR, "input[name^='qty_']")
    others = int(row.get_attribute("data-others") or 0)
    box.clear()
    box.send_keys(str(quantity))
    # Live totals: the same figures the server computes (no tier on this listing).
    ht = UNIT_PRICE * quantity
    vat = (ht * Decimal("0.20")).quantize(Decimal("0.01"))
    assert row.find_element(By.CSS_SELECTOR, "[data-cell='line']").text == format_money(ht)
    assert row.find_element(By.CSS_SELECTOR, "[data-cell='ordered']").text == str(others + quantity)
    assert b.text("[data-total='ht']") == format_money(ht)
    assert b.text("[data-total='vat']") == format_money(vat)
    assert b.text("[data-total='ttc']") == format_money(ht + vat)
    b.shot(f"commande-{email.split('@')[0]}")
    b.submit("Enregistrer ma commande")
    b.assert_no_form_errors()
    assert "Vous n'avez pas encore commandé" not in b.text()
    b.shot(f"commande-enregistree-{email.split('@')[0]}")
    audit.check(f"campagne après commande ({email})")


def close_and_consolidate(b: Browser, audit: AxeAudit, campaign_path: str) -> None:
    b.login(COORDINATOR)
    b.get(campaign_path)
    b.click_link("Clôturer les commandes")
    assert "Clôturer les commandes de" in b.text(), b.text()[:500]  # asked first
    b.submit("Clôturer les commandes")
    assert "Campagne clôturée." in b.flash(), b.flash()
    b.shot("coordination-campagne-cloturee")
    b.click_link("Consolidation")
    b.shot("coordination-apercu-consolidation")
    audit.check("aperçu de la consolidation")
    confirm = [
        b_.text
        for b_ in b.find_all("main button")
        if b_.text.startswith("Confirmer la consolidation")
    ]
    assert confirm, b.text()[:2000]
    b.submit(confirm[0])
    assert "Confirmer la consolidation de" in b.text(), b.text()[:500]  # asked first
    b.submit("Confirmer la consolidation")
    assert "Campagne consolidée" in b.flash(), b.flash()
    b.shot("coordination-consolidation-confirmee")
    audit.check("consolidation confirmée")


def ship_deliveries(b: Browser, audit: AxeAudit, campaign_title: str) -> None:
    b.login(REFURBISHER)
    b.get("/bons-de-commande")
    _row(b, campaign_title).find_element(By.CSS_SELECTOR, "a").click()
    b.wait_for(lambda d: "/bons-de-commande/" in d.current_url)
    b.shot("reconditionneur-bon-de-commande")
    audit.check("bon de commande émis")
    links = [
        a.get_attribute("href")
        for a in b.find_all("main a")
        if a.text.startswith("Voir la livraison")
    ]
    assert len(links) == 2, links
    for number, href in enumerate(links, start=1):
        b.driver.get(href)
        if number == 1:
            audit.check("livraison à expédier")
        b.fill("serials", f"SN-{number}-001\nSN-{number}-002")
        b.submit("Confirmer l'expédition")
        b.assert_no_form_errors()
        assert "Expédiée le" in b.text(), b.text()[:1500]
        b.shot(f"reconditionneur-expedition-{number}")


def confirm_receipt(
    b: Browser, audit: AxeAudit, email: str, campaign_title: str, quantity: int, first: int
) -> None:
    """Receive ``first`` units, then (when fewer than shipped) the rest in a later receipt."""
    b.login(email)
    b.get("/livraisons")
    row = _row(b, campaign_title)
    row.find_element(By.CSS_SELECTOR, "a").click()
    b.wait_for(lambda d: "/livraisons/" in d.current_url)
    boxes = b.find_all("main input[name^='line_']")
    assert len(boxes) == 1
    assert boxes[0].get_attribute("value") == str(quantity)
    b.shot(f"reception-{email.split('@')[0]}")
    audit.check(f"livraison à réceptionner ({email})")
    if first < quantity:
        b.fill(boxes[0].get_attribute("name") or "", str(first))
        b.submit("Confirmer la réception")
        b.assert_no_form_errors()
        assert "Reçue en partie" in b.text(), b.text()[:1500]
        box = b.find("main input[name^='line_']")
        assert box.get_attribute("value") == str(quantity - first)
        b.shot(f"reception-partielle-{email.split('@')[0]}")
        audit.check("livraison reçue en partie")
    b.submit("Confirmer la réception")
    b.assert_no_form_errors()
    assert "Reçue le" in b.text(), b.text()[:1500]
    b.shot(f"reception-confirmee-{email.split('@')[0]}")


def test_purchasing_journey(journey: Browser, axe: AxeAudit) -> None:
    b = journey
    tag = uuid.uuid4().hex[:6]
    title = f"Campagne navigateur {tag}"
    model = f"ThinkPad T480 {tag}"
    year = paris_now().year
    database_url = b.server.database_url
    before = {
        email: ledger_totals(database_url, organisation_of(database_url, email), year)
        for email in ORDERS
    }

    campaign_path = create_campaign_and_call_for_stock(b, title)
    publish_listing(b, f"NAV-{tag}", model)
    commit_listing(b, campaign_path, model)
    accept_offer(b, campaign_path, model)
    buyer_cannot_see(b, campaign_path)
    open_ordering(b, campaign_path)
    for email, quantity in ORDERS.items():
        place_order(b, axe, email, campaign_path, model, quantity)
    close_and_consolidate(b, axe, campaign_path)
    ship_deliveries(b, axe, title)
    for email, quantity in ORDERS.items():
        confirm_receipt(b, axe, email, title, quantity, first=1 if email == BUYER else quantity)

    for email, quantity in ORDERS.items():
        b.login(email)
        b.get(f"/indicateurs?annee={year}")
        spend, reuse = before[email]
        bought = UNIT_PRICE * quantity
        expected = (
            f"Part du réemploi : {format_percent((reuse + bought) / (spend + bought))} "
            f"de {format_money(spend + bought)} de dépense informatique HT "
            f"({format_money(reuse + bought)} issus du réemploi"
        )
        b.shot(f"indicateurs-{email.split('@')[0]}")
        assert expected in b.text(), f"attendu : {expected}\nlu : {b.text('#objectif ~ *')}"
        axe.check(f"tableau de bord après réception ({email})")

    # Accessibility of the pages that only exist at a given stage (audited on the way).
    axe.assert_clean()
