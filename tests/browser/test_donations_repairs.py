"""The 4R loop and after-sales in a real browser: a donation lot declared by a buyer and
claimed by a refurbisher; a repair request opened by a buyer on a received delivery."""

from __future__ import annotations

import datetime as dt
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.browser.conftest import BROWSER_MARKS, BUYER, REFURBISHER, AxeAudit, Browser
from tests.browser.helpers import organisation_of, paris_now, scalar

pytestmark = BROWSER_MARKS


def set_date(b: Browser, name: str, day: dt.date) -> None:
    """Chromium's date picker is not what is under test: a date input gets its ISO value,
    a text input the French format."""
    element = b.find(f'[name="{name}"]')
    if element.get_attribute("type") == "date":
        b.driver.execute_script("arguments[0].value = arguments[1];", element, day.isoformat())
    else:
        element.clear()
        element.send_keys(day.strftime("%d/%m/%Y"))


def test_donation_lot_declared_then_claimed(journey: Browser, axe: AxeAudit) -> None:
    b = journey
    db = b.server.database_url
    tag = uuid.uuid4().hex[:6]
    description = f"Portables réformés du service urbanisme {tag}"
    today = paris_now().date()

    b.login(BUYER)
    b.get("/")
    b.click_link("Dons", scope="header")
    axe.check("dons (acheteur)")
    b.click_link("Proposer un lot")
    axe.check("nouveau lot")
    b.select("category_code", value="laptop")
    b.fill("quantity", "8")
    b.select("age_bracket", label="Moins de 5 ans")
    b.select("condition", label="Fonctionnel")
    b.fill("unit_weight_kg", "2,1")
    b.fill("description", description)
    set_date(b, "available_from", today)
    set_date(b, "available_until", today + dt.timedelta(days=30))
    b.shot("don-declaration")
    b.submit("Proposer le lot")
    b.assert_no_form_errors()
    assert "proposé aux reconditionneurs" in b.flash(), b.flash()
    lot_id = int(b.path.rsplit("/", 1)[-1])
    assert scalar(db, "SELECT quantity FROM donation_lot WHERE id = ?", lot_id) == 8
    b.shot("don-propose")
    axe.check("lot (donateur)")

    b.login(REFURBISHER)
    b.get("/")
    b.click_link("Lots de réemploi", scope="header")
    axe.check("lots de réemploi (reconditionneur)")
    b.click_link(f"Lot n° {lot_id}")
    assert description in b.text()
    axe.check("lot (reconditionneur)")
    b.fill("quantity", "8")
    b.shot("don-reservation")
    b.submit("Réserver")
    b.assert_no_form_errors()
    assert "Réservation envoyée" in b.flash(), b.flash()
    b.shot("don-reserve")
    refurbisher = organisation_of(db, REFURBISHER)
    claim = scalar(
        db,
        "SELECT status FROM donation_claim WHERE lot_id = ? AND refurbisher_id = ?",
        lot_id,
        refurbisher,
    )
    assert claim == "pending"

    b.login(BUYER)
    b.get(f"/dons/{lot_id}")
    b.submit("Accepter")
    assert "Réservation acceptée" in b.flash(), b.flash()
    b.shot("don-reservation-acceptee")
    assert (
        scalar(
            db,
            "SELECT status FROM donation_claim WHERE lot_id = ? AND refurbisher_id = ?",
            lot_id,
            refurbisher,
        )
        == "accepted"
    )
    axe.assert_clean()


def test_repair_request_on_a_received_delivery(journey: Browser, axe: AxeAudit) -> None:
    b = journey
    db = b.server.database_url
    tag = uuid.uuid4().hex[:6]
    problem = f"L'écran reste noir au démarrage ({tag})."
    before = scalar(db, "SELECT COUNT(*) FROM repair_request")

    b.login(BUYER)
    b.get("/")
    b.click_link("Réparations", scope="header")
    axe.check("réparations (acheteur)")
    b.click_link("Demander une réparation sur du matériel reçu")
    axe.check("nouvelle demande de réparation")
    line = Select(b.find("[name='delivery_line_id']"))
    assert line.options, "aucune ligne de livraison reçue proposée"
    line.select_by_index(len(line.options) - 1)
    b.fill("quantity", "1")
    b.fill("description", problem)
    b.shot("reparation-demande")
    b.submit("Envoyer la demande")
    b.assert_no_form_errors()
    assert "Demande de réparation envoyée" in b.flash(), b.flash()
    assert scalar(db, "SELECT COUNT(*) FROM repair_request") == before + 1  # type: ignore[operator]
    request_id = int(b.path.rsplit("/", 1)[-1])
    assert problem in b.text()
    b.shot("reparation-envoyee")
    axe.check("demande de réparation (acheteur)")

    refurbisher_id = scalar(
        db, "SELECT refurbisher_id FROM repair_request WHERE id = ?", request_id
    )
    email = scalar(
        db,
        "SELECT email FROM user_account WHERE organisation_id = ? ORDER BY id LIMIT 1",
        refurbisher_id,
    )
    b.login(str(email))
    b.get("/reconditionneur/reparations")
    axe.check("réparations (reconditionneur)")
    b.driver.find_element(By.XPATH, f"//main//a[normalize-space()='{request_id}']").click()
    b.wait_for(lambda d: d.current_url.endswith(f"/reparations/{request_id}"))
    assert problem in b.text()
    axe.check("demande de réparation (reconditionneur)")
    status = Select(b.find("[name='status']"))
    status.select_by_value("in_progress")
    b.fill("message", "Prise en charge : enlèvement jeudi.")
    b.shot("reparation-prise-en-charge")
    b.submit("Enregistrer l'étape")
    b.assert_no_form_errors()
    assert scalar(db, "SELECT status FROM repair_request WHERE id = ?", request_id) == (
        "in_progress"
    )
    b.shot("reparation-en-cours")
    axe.assert_clean()
