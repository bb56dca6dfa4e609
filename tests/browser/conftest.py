"""Browser tests: the real application served by gunicorn, driven by headless Chromium.

One server per pytest process (session scope): a throw-away SQLite file filled as
``flask create-db`` and ``flask demo`` would, served by gunicorn (2 workers, production
settings) on 127.0.0.1 at a free port. Every browser test carries the
``xdist_group("browser")`` mark for ``make test`` (``--dist loadgroup``); each test only
relies on the demo data and on what it creates itself, so when the tests are spread over
several xdist workers (pytest-xdist 3.8 ignores the groups under pytest 9.2), each worker
starts its own server and the tests stay correct, only slower.

Chromium and chromedriver come from Debian (``apt-get install chromium chromium-driver``).
When they are missing, ``make test`` on a fresh machine still passes the rest of the suite:
the browser tests are skipped and the run ends with a banner that says so and how to install
them (tests/conftest.py). ``.ci/run`` installs them and sets ``NRHUB_REQUIRE_BROWSER=1``:
there a missing Chromium FAILS the tests, so CI never passes without the browser checks.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.conftest import BROWSER_MISSING

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("NRHUB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("NRHUB_CHROMEDRIVER", "/usr/bin/chromedriver")
DEMO_PASSWORD = "nrhub-demo-2026"
SECRET_KEY = "browser-tests-secret-key"
OCDS_PREFIX = "ocds-test00"

COORDINATOR = "coordination@demo.nrhub.fr"
REFURBISHER = "reconditionneur@demo.nrhub.fr"
BUYER = "acheteur@demo.nrhub.fr"
BUYER2 = "acheteur2@demo.nrhub.fr"


# Every browser test module starts with this (one xdist worker, one server).
BROWSER_MARKS = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _require_browser() -> None:
    """Skip loudly when Chromium is missing; fail instead where it is required (CI)."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if not missing:
        return
    message = (
        f"{BROWSER_MISSING} ({', '.join(missing)}) : les tests navigateur ne peuvent pas "
        "tourner. Installez les paquets Debian : apt-get install chromium chromium-driver."
    )
    if os.environ.get("NRHUB_REQUIRE_BROWSER") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(self, url: str, database_url: str, instance: Path) -> None:
        self.url = url
        self.database_url = database_url
        self.instance = instance

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def _server_env(database_url: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NRHUB_TEST_BACKEND", None)
    env.update(
        NRHUB_ENV="development",
        DATABASE_URL=database_url,
        NRHUB_INSTANCE_PATH=str(instance),
        UPLOAD_DIR=str(instance / "uploads"),
        MAIL_BACKEND="file",
        MAIL_FILE_PATH=str(instance / "mail"),
        SESSION_COOKIE_SECURE="0",
        PREFERRED_URL_SCHEME="http",
        # Many logins from one address: the login rate limit must not be what fails.
        LOGIN_RATE_LIMIT="10000 per minute",
        LOGIN_MAX_FAILURES="1000",
        LOGIN_ACCOUNT_MAX_FAILURES="1000",
        SIGNUP_RATE_LIMIT="10000 per hour",
        # Cheap password hashes, as in TestingConfig (the demo accounts are hashed at seed
        # time with these settings): a dozen logins per journey stay fast.
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        ARGON2_PARALLELISM="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


# What `flask --app nrhub create-db` then `flask --app nrhub demo` do, in one interpreter
# (half the start-up time). create_all rather than the migrations: the models of areas
# whose migration the lead has not generated yet work too.
SEED = """
from nrhub import create_app
from nrhub.demo import load_demo
from nrhub.extensions import db
from nrhub.transactions import unit_of_work

with create_app().app_context():
    db.create_all()
    with unit_of_work():
        load_demo()
"""


def _seed(env: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SEED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"création de la base de démonstration impossible :\n{result.stderr}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    _require_browser()
    base = tmp_path_factory.mktemp("live")
    instance = base / "instance"
    instance.mkdir()
    database_url = f"sqlite:///{base / 'nrhub.sqlite3'}"
    env = _server_env(database_url, instance)
    _seed(env)
    port = _free_port()
    log = (base / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--preload",
            "--timeout",
            "60",
            # Production settings (no debugger, real error pages), served over plain HTTP.
            # A registered-looking OCDS prefix: production refuses the placeholder.
            f'nrhub:create_app("production", SECRET_KEY="{SECRET_KEY}", '
            f'OCDS_OCID_PREFIX="{OCDS_PREFIX}")',
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, base / "gunicorn.log")
        yield LiveServer(url, database_url, instance)
    finally:
        # Quick shutdown (INT), not the graceful one (TERM): the tests are over, and a
        # graceful stop waits for idle connections, seconds per server.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
    # No request may end in a server error: the app logs each one with its traceback.
    server_log = (base / "gunicorn.log").read_text()
    if "Traceback" in server_log:
        pytest.fail(f"le serveur a journalisé une erreur :\n{server_log[-6000:]}")


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn s'est arrêté :\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/sante", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn ne répond pas sur {url} :\n{log.read_text()}")


# --------------------------------------------------------------------------- browser


def make_driver(*, javascript: bool = True) -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1024",
        "--lang=fr-FR",
        "--disable-extensions",
        "--no-first-run",
        "--password-store=basic",
    ):
        options.add_argument(argument)
    prefs: dict[str, Any] = {"intl.accept_languages": "fr-FR,fr"}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="session")
def _session_driver(live_server: LiveServer) -> Iterator[WebDriver]:
    driver = make_driver()
    yield driver
    driver.quit()


@pytest.fixture
def browser(_session_driver: WebDriver, live_server: LiveServer) -> Iterator[Browser]:
    """The shared Chromium, logged out, with a screenshot folder named after the test."""
    browser = Browser(_session_driver, live_server)
    browser.clear_cookies()
    yield browser


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder = ARTIFACTS / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def gone(element: WebElement) -> Callable[[WebDriver], bool]:
    """The element's page has been replaced (a stale node; Chromium sometimes reports it
    as a node that "does not belong to the document")."""

    def check(_driver: WebDriver) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:
            return True
        return False

    return check


class Browser:
    """Small helpers over a WebDriver; every action goes through the real pages."""

    def __init__(self, driver: WebDriver, server: LiveServer) -> None:
        self.driver = driver
        self.server = server
        self.folder: Path | None = None
        self.step = 0

    # navigation
    def get(self, path: str) -> None:
        self.driver.get(self.server(path))

    @property
    def path(self) -> str:
        current: str = self.driver.current_url
        return current.removeprefix(self.server.url)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str = "main") -> str:
        return str(self.find(css).text)

    def wait_for(self, condition: Callable[[WebDriver], Any], timeout: float = 10) -> Any:
        return WebDriverWait(self.driver, timeout).until(condition)

    # forms
    def fill(self, name: str, value: str, scope: str = "") -> None:
        element = self.find(f'{scope} [name="{name}"]'.strip())
        element.clear()
        element.send_keys(value)

    def select(self, name: str, *, label: str | None = None, value: str | None = None) -> None:
        choice = Select(self.find(f'[name="{name}"]'))
        if label is not None:
            choice.select_by_visible_text(label)
        else:
            choice.select_by_value(str(value))

    def check(self, css: str) -> None:
        box = self.find(css)
        if not box.is_selected():
            box.click()

    def submit(self, label: str, scope: str = "main") -> None:
        """Click the button whose visible text is ``label`` and wait for the next page."""
        button = self.button(label, scope)
        old = self.driver.find_element(By.TAG_NAME, "html")
        button.click()
        self.wait_for(gone(old), 15)

    def button(self, label: str, scope: str = "main") -> WebElement:
        buttons = [
            b
            for b in self.find_all(f"{scope} button, {scope} input[type=submit]")
            if (b.text or b.get_attribute("value") or "").strip() == label
        ]
        assert buttons, f"bouton « {label} » absent de {self.path} :\n{self.text()[:2000]}"
        return buttons[0]

    def click_link(self, label: str, scope: str = "main") -> None:
        links = [a for a in self.find_all(f"{scope} a") if a.text.strip() == label]
        assert links, f"lien « {label} » absent de {self.path} :\n{self.text()[:2000]}"
        old = self.driver.find_element(By.TAG_NAME, "html")
        links[0].click()
        self.wait_for(gone(old), 15)

    def flash(self) -> str:
        return " ".join(e.text for e in self.find_all(".flash"))

    def assert_no_form_errors(self) -> None:
        errors = self.find_all(".error-summary, .field-error")
        assert not errors, f"{self.path} : " + " | ".join(e.text for e in errors)

    # accounts
    def clear_cookies(self) -> None:
        """Log out by forgetting every cookie, with no request of the last page in flight.

        A cookie-less request still running (the favicon of the last page, answered by the
        404 page, which opens a session for its CSRF token) could otherwise set its own
        session cookie after the login page's, and the login form's token would not match.
        """
        self.driver.get("about:blank")
        self.driver.execute_cdp_cmd("Network.clearBrowserCookies", {})

    def login(self, email: str, password: str = DEMO_PASSWORD) -> None:
        self.clear_cookies()
        self.get("/connexion")
        self.fill("email", email)
        self.fill("password", password)
        self.submit("Se connecter")
        assert self.find_all("header form[action$='/deconnexion']"), (
            f"connexion de {email} refusée : {self.text()[:500]} ; cookies : "
            f"{[c['name'] for c in self.driver.get_cookies()]}"
        )

    def logout(self) -> None:
        self.submit("Se déconnecter", scope="header")

    # artefacts
    def shot(self, name: str) -> Path:
        assert self.folder is not None, "use the `journey` fixture for screenshots"
        self.step += 1
        path = self.folder / f"{self.step:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path


@pytest.fixture
def journey(browser: Browser, artifacts: Path) -> Browser:
    """The browser, saving numbered screenshots into tests/artifacts/<test>/."""
    browser.folder = artifacts
    browser.step = 0
    return browser


# --------------------------------------------------------------------------- accessibility

AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    """Run axe-core (vendored) on the current page; violations of impact serious or critical.

    WCAG 2.0/2.1 A and AA rules, the level RGAA 4.1 asks for.
    """
    if not driver.execute_script("return typeof window.axe === 'object';"):
        driver.execute_script(AXE_SOURCE.read_text(encoding="utf-8"))
    driver.set_script_timeout(30)
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag',
                 values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
                 resultTypes: ['violations']})
           .then(r => done(r.violations), e => done({error: String(e)}));
        """
    )
    if isinstance(result, dict):
        raise AssertionError(f"axe-core a échoué : {result['error']}")
    return [v for v in result if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(page: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{page} : {len(violations)} violation(s) grave(s) ou critique(s)"]
    for violation in violations:
        lines.append(
            f"  [{violation['impact']}] {violation['id']} : {violation['help']} "
            f"({violation['helpUrl']})"
        )
        for node in violation["nodes"][:5]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"      - {target} : {node.get('html', '')[:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"        {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"      … et {len(violation['nodes']) - 5} autre(s) élément(s)")
    return "\n".join(lines)


class AxeAudit:
    """Collects the violations page after page, so one run reports every failing page."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.failures: list[str] = []
        self.pages: list[str] = []

    def check(self, label: str) -> None:
        page = f"{label} ({self.browser.path})"
        self.pages.append(page)
        violations = axe_violations(self.browser.driver)
        if violations:
            self.failures.append(describe_violations(page, violations))
        # Reflow (WCAG 1.4.10): at the test window's 1280 px, only a wide table's own
        # region may scroll sideways, never the page.
        overflow = self.browser.driver.execute_script(
            "const root = document.documentElement; return root.scrollWidth - root.clientWidth;"
        )
        if overflow > 0:
            self.failures.append(f"{page} : la page défile horizontalement ({overflow} px de trop)")

    def assert_clean(self) -> None:
        assert not self.failures, "axe-core :\n" + "\n\n".join(self.failures)


@pytest.fixture
def axe(browser: Browser) -> Iterator[AxeAudit]:
    """An axe-core audit; axe is preloaded into every page the browser opens meanwhile.

    Preloading through the DevTools protocol is exempt from the CSP and spares sending the
    650 kB script over WebDriver on each page.
    """
    added = browser.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": AXE_SOURCE.read_text(encoding="utf-8")},
    )
    yield AxeAudit(browser)
    browser.driver.execute_cdp_cmd(
        "Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]}
    )
