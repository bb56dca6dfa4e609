"""The legal documents in a real browser: the buyer downloads its bon de commande (with its
Order-X), the refurbisher invoices the received delivery, the buyer sees the invoice
matched to its receipt."""

from __future__ import annotations

import facturx
import requests

from tests.browser.conftest import BROWSER_MARKS, BUYER, AxeAudit, Browser
from tests.browser.helpers import organisation_of, paris_now, scalar

pytestmark = BROWSER_MARKS


def _download(b: Browser, path: str) -> bytes:
    """Fetch a file with the browser's session cookie (downloads are not under test)."""
    cookies = {c["name"]: c["value"] for c in b.driver.get_cookies()}
    response = requests.get(b.server(path), cookies=cookies, timeout=30)
    assert response.status_code == 200, response.status_code
    return response.content


def test_bon_de_commande_then_invoice_then_matching(journey: Browser, axe: AxeAudit) -> None:
    b = journey
    db = b.server.database_url
    buyer_id = organisation_of(db, BUYER)
    delivery_id = scalar(
        db,
        "SELECT d.id FROM delivery d WHERE d.buyer_id = ? AND d.status = 'received' "
        "AND NOT EXISTS (SELECT 1 FROM invoice i WHERE i.delivery_id = d.id) ORDER BY d.id",
        buyer_id,
    )
    assert delivery_id, "the demo has a received, uninvoiced delivery to Vitré"
    refurbisher_email = scalar(
        db,
        "SELECT u.email FROM user_account u JOIN delivery d ON d.refurbisher_id = "
        "u.organisation_id WHERE d.id = ? ORDER BY u.id",
        delivery_id,
    )

    b.login(BUYER)
    b.get(f"/livraisons/{delivery_id}")
    links = [a.get_attribute("href") for a in b.find_all("#documents ~ ul a, section a")]
    pdf_path = f"/livraisons/{delivery_id}/bon-de-commande.pdf"
    assert any(href and href.endswith(pdf_path) for href in links)
    filename, xml = facturx.get_orderx_xml_from_pdf(_download(b, pdf_path))
    assert filename == "order-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="order-x") is True

    b.login(str(refurbisher_email))
    b.get(f"/livraisons/{delivery_id}")
    b.click_link("Émettre la facture des unités reçues")
    axe.check("facture (reconditionneur)")
    number = f"FA-NAV-{paris_now():%H%M%S}"
    b.fill("number", number)
    element = b.find('[name="issued_on"]')
    if element.get_attribute("type") == "date":
        b.driver.execute_script(
            "arguments[0].value = arguments[1];", element, paris_now().date().isoformat()
        )
    b.submit("Émettre la facture")
    b.assert_no_form_errors()
    assert number in b.text()
    b.shot("facture-emise")

    b.login(BUYER)
    b.get(f"/livraisons/{delivery_id}/factures")
    axe.check("rapprochement (acheteur)")
    page = b.text()
    assert number in page
    assert "conforme" in page
    assert not b.find_all("tr.difference")
    b.shot("facture-rapprochee")
