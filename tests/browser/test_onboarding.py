"""Sign-up of a new organisation and its validation; the stock import with its preview."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

from stdnum import luhn

from tests.browser.conftest import BROWSER_MARKS, COORDINATOR, REFURBISHER, AxeAudit, Browser
from tests.browser.helpers import scalar

pytestmark = BROWSER_MARKS


def random_siret() -> str:
    """A fictitious SIRET passing the SIREN and SIRET Luhn checks (as the app requires)."""
    head = "".join(random.choice("0123456789") for _ in range(8))
    siren = "8" + head[1:] + luhn.calc_check_digit("8" + head[1:])
    body = siren + "".join(random.choice("0123456789") for _ in range(4))
    return body + luhn.calc_check_digit(body)


def test_signup_then_validation_by_the_coordinator(journey: Browser, axe: AxeAudit) -> None:
    b = journey
    tag = uuid.uuid4().hex[:6]
    name = f"Commune de Test-{tag}"
    email = f"dgs-{tag}@commune-test.example.org"
    b.get("/")
    b.click_link("Inscrire mon organisation", scope="header")
    assert b.path == "/inscription"
    b.find("input[name='kind'][value='buyer']").click()
    b.fill("name", name)
    b.fill("siret", random_siret())
    b.fill("address", "1 place de la Mairie")
    b.fill("postcode", "35500")
    b.fill("city", "Vitré")
    b.fill("contact_email", email)
    b.select("buyer_type", value="commune")
    b.fill("population", "18000")
    b.fill("person_name", "Anne Test")
    b.fill("email", email)
    b.fill("password", "un mot de passe assez long 2026")
    b.fill("password_confirm", "un mot de passe assez long 2026")
    b.shot("inscription-formulaire")
    b.submit("Envoyer l'inscription")
    b.assert_no_form_errors()
    # The same page whether or not the address had an account: no logging in here.
    assert b.path == "/inscription/envoyee", b.path
    b.shot("inscription-envoyee")
    axe.check("inscription envoyée")
    b.login(email, "un mot de passe assez long 2026")
    b.get("/")
    assert b.path.startswith("/en-attente"), b.path
    b.shot("inscription-en-attente")
    axe.check("inscription en attente")
    org_id = scalar(b.server.database_url, "SELECT id FROM organisation WHERE name = ?", name)
    assert org_id is not None
    assert scalar(
        b.server.database_url, "SELECT status FROM organisation WHERE id = ?", org_id
    ) == ("pending")

    b.login(COORDINATOR)
    b.get("/coordination/organisations")
    b.click_link(name)
    b.shot("coordination-inscription-a-valider")
    axe.check("inscription à valider")
    b.submit("Valider l'inscription")
    b.shot("coordination-inscription-validee")
    assert scalar(
        b.server.database_url, "SELECT status FROM organisation WHERE id = ?", org_id
    ) == ("active")

    b.login(email, "un mot de passe assez long 2026")
    b.get("/")
    assert b.find_all("header a[href='/campagnes/']"), "le nouveau membre n'a pas le menu acheteur"
    b.shot("nouveau-membre-connecte")
    axe.assert_clean()


CSV_HEADER = "sku;categorie;marque;modele;grade;quantite;prix_ht;statut"


def test_stock_import_preview_then_apply(journey: Browser, axe: AxeAudit, tmp_path: Path) -> None:
    b = journey
    tag = uuid.uuid4().hex[:6].upper()
    rows = [
        (f"IMP-{tag}-1", "laptop", "Dell", f"Latitude 5490 {tag}", "A", "7", "279,00"),
        (f"IMP-{tag}-2", "monitor", "Iiyama", f"ProLite 24 {tag}", "B", "15", "89,50"),
        (f"IMP-{tag}-3", "smartphone", "Fairphone", f"Fairphone 3 {tag}", "A", "4", "199,00"),
    ]
    csv = tmp_path / f"stock-{tag}.csv"
    lines = [CSV_HEADER, *(";".join([*row, "publiée"]) for row in rows)]
    csv.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))

    b.login(REFURBISHER)
    b.get("/reconditionneur/offres")
    b.click_link("Importer mon stock (CSV ou XLSX)")
    b.find("input[type='file']").send_keys(str(csv))
    b.shot("import-fichier-choisi")
    b.submit("Voir l'aperçu")
    b.shot("import-apercu")
    axe.check("aperçu de l'import du stock")
    text = b.text()
    assert "3 lignes lues" in text and "3 offres à créer" in text and "0 erreur" in text, text
    table = [r.text for r in b.find_all("main table tbody tr")]
    # Line numbers of the file (header is line 1), SKU and title of each row.
    for number, row in enumerate(rows, start=2):
        assert any(line.startswith(f"{number} {row[0]}") and row[3] in line for line in table), (
            table
        )
    assert (
        scalar(
            b.server.database_url, "SELECT COUNT(*) FROM listing WHERE sku LIKE ?", f"IMP-{tag}-%"
        )
        == 0
    )

    b.submit("Confirmer l'import")
    b.assert_no_form_errors()
    b.shot("import-applique")
    assert (
        scalar(
            b.server.database_url, "SELECT COUNT(*) FROM listing WHERE sku LIKE ?", f"IMP-{tag}-%"
        )
        == 3
    )
    b.get(f"/reconditionneur/offres?q=IMP-{tag}")
    listing_text = b.text()
    for row in rows:
        assert row[0] in listing_text and row[3] in listing_text
    b.shot("import-mes-offres")
    axe.assert_clean()
