"""The order journey with the keyboard only, and the pages that must work without JavaScript."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

from tests.browser.conftest import (
    BROWSER_MARKS,
    DEMO_PASSWORD,
    Browser,
    LiveServer,
    gone,
    make_driver,
)
from tests.browser.helpers import organisation_of, scalar

pytestmark = BROWSER_MARKS

KEYBOARD_BUYER = "acheteur3@demo.nrhub.fr"
NO_JS_BUYER = "acheteur4@demo.nrhub.fr"
OPEN_CAMPAIGN = "SELECT id FROM campaign WHERE state = 'open' AND title LIKE 'Campagne hiver%'"


def ordered_quantity(database_url: str, email: str, campaign_id: object) -> int:
    value = scalar(
        database_url,
        "SELECT COALESCE(SUM(l.quantity), 0) FROM purchase_request_line l "
        "JOIN purchase_request r ON r.id = l.order_id "
        "WHERE r.campaign_id = ? AND r.buyer_id = ? AND r.status = 'active'",
        campaign_id,
        organisation_of(database_url, email),
    )
    return int(value or 0)  # type: ignore[call-overload]


class Keyboard:
    """TAB, ENTER and typing, always on the element that has the focus."""

    def __init__(self, b: Browser) -> None:
        self.b = b
        self.presses = 0

    @property
    def focused(self) -> WebElement:
        return self.b.driver.switch_to.active_element

    def tab_to(self, wanted: Callable[[WebElement], bool], what: str, limit: int = 150) -> None:
        for _ in range(limit):
            ActionChains(self.b.driver).send_keys(Keys.TAB).perform()
            self.presses += 1
            if wanted(self.focused):
                return
        raise AssertionError(f"{what} : injoignable au clavier en {limit} tabulations")

    def type(self, text: str) -> None:
        element = self.focused
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(text)

    def enter(self) -> None:
        old = self.b.find("html")
        self.focused.send_keys(Keys.ENTER)
        self.b.wait_for(gone(old), 15)


def _link(text: str) -> Callable[[WebElement], bool]:
    return lambda e: e.tag_name == "a" and e.text.strip() == text


def _named(name: str) -> Callable[[WebElement], bool]:
    return lambda e: e.get_attribute("name") == name


def test_order_with_the_keyboard_only(journey: Browser) -> None:
    b = journey
    db = b.server.database_url
    campaign_id = scalar(db, OPEN_CAMPAIGN)
    title = str(scalar(db, "SELECT title FROM campaign WHERE id = ?", campaign_id))
    before = ordered_quantity(db, KEYBOARD_BUYER, campaign_id)
    keys = Keyboard(b)

    b.get("/")
    keys.tab_to(lambda e: e.get_attribute("class") == "skip-link", "lien d'évitement")
    assert keys.presses == 1, "le lien « Aller au contenu » doit être le premier arrêt"
    keys.tab_to(_link("Se connecter"), "lien de connexion")
    keys.enter()
    keys.tab_to(_named("email"), "champ e-mail")
    keys.type(KEYBOARD_BUYER)
    keys.tab_to(_named("password"), "champ mot de passe")
    keys.type(DEMO_PASSWORD)
    b.shot("clavier-connexion")
    keys.enter()
    assert b.find_all("header form[action$='/deconnexion']"), b.text()[:500]

    keys.tab_to(_link("Campagnes"), "menu Campagnes")
    keys.enter()
    keys.tab_to(_link(title), "lien de la campagne ouverte")
    keys.enter()
    b.shot("clavier-campagne")
    quantity_fields = b.find_all("main input[name^='qty_']")
    assert quantity_fields, "pas de formulaire de commande"
    first = quantity_fields[0].get_attribute("name")
    keys.tab_to(_named(first), "première quantité")
    # The focus must be visible: the focused field has an outline or a box shadow.
    style = b.driver.execute_script(
        "const s = getComputedStyle(arguments[0]);"
        "return [s.outlineStyle, s.outlineWidth, s.boxShadow];",
        keys.focused,
    )
    assert (style[0] != "none" and style[1] != "0px") or style[2] != "none", style
    current = int(keys.focused.get_attribute("value") or 0)
    wanted = current + 2
    keys.type(str(wanted))
    b.shot("clavier-quantite")
    keys.tab_to(
        lambda e: e.tag_name == "button" and e.text.strip() == "Enregistrer ma commande",
        "bouton d'enregistrement",
    )
    keys.enter()
    b.shot("clavier-commande-enregistree")
    b.assert_no_form_errors()
    assert b.find(f"main input[name='{first}']").get_attribute("value") == str(wanted)
    assert ordered_quantity(db, KEYBOARD_BUYER, campaign_id) == before + 2


@pytest.fixture
def no_js_browser(live_server: LiveServer) -> Iterator[Browser]:
    driver = make_driver(javascript=False)
    yield Browser(driver, live_server)
    driver.quit()


def test_catalogue_filters_and_order_form_without_javascript(no_js_browser: Browser) -> None:
    b = no_js_browser
    db = b.server.database_url
    # JavaScript really is off: an inline script would have changed the title.
    b.driver.get("data:text/html,<title>sans</title><script>document.title='avec'</script>")
    assert b.driver.title == "sans"

    b.get("/catalogue")
    everything = _count(b)
    b.select("categorie", value="monitor")
    b.submit("Afficher les offres")
    assert "categorie=monitor" in b.path
    ids = [
        int(m.group(1))
        for a in b.find_all("main .catalogue-results a")
        if (m := re.search(r"/catalogue/(\d+)$", a.get_attribute("href") or ""))
    ]
    assert ids, "aucune offre d'écran affichée"
    assert _count(b) < everything
    for listing_id in set(ids):
        category = scalar(
            db,
            "SELECT c.code FROM listing l JOIN category c ON c.id = l.category_id WHERE l.id = ?",
            listing_id,
        )
        assert category == "monitor", listing_id

    campaign_id = scalar(db, OPEN_CAMPAIGN)
    before = ordered_quantity(db, NO_JS_BUYER, campaign_id)
    b.login(NO_JS_BUYER)
    b.get(f"/campagnes/{campaign_id}")
    field = b.find_all("main input[name^='qty_']")[-1]
    name = field.get_attribute("name")
    current = int(field.get_attribute("value") or 0)
    b.fill(name, str(current + 1))
    b.submit("Enregistrer ma commande")
    b.assert_no_form_errors()
    assert b.find(f"main input[name='{name}']").get_attribute("value") == str(current + 1)
    assert ordered_quantity(db, NO_JS_BUYER, campaign_id) == before + 1


def _count(b: Browser) -> int:
    heading = b.find("#resultats-titre").text
    match = re.match(r"([\d\s\u202f\xa0]+) offres?", heading)
    assert match, heading
    return int(re.sub(r"\D", "", match.group(1)))
