"""The hub dashboard's "Membres et objectif" table: 50 members a page, the sort and the
year kept in the page links, a page past the end shows the last one, the CSV complete."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import update

from nrhub import caching
from nrhub.extensions import cache, db
from nrhub.organisations.models import Organisation, OrgStatus
from nrhub.stats.pages import MEMBERS_PER_PAGE
from nrhub.transactions import unit_of_work
from tests import factories
from tests.conftest import login
from tests.queries import count_queries, tables_read
from tests.stats.helpers import spend

MEMBERS = 120  # pages of 50, 50 and 20
ROW_RE = re.compile(r'<th scope="row"[^>]*><a href="[^"]*organisation=(\d+)">([^<]+)</a></th>')


@pytest.fixture
def hub(app):  # type: ignore[no-untyped-def]
    coordinator = factories.UserFactory(
        email="coord@example.fr", organisation=factories.HubFactory()
    )
    # One unit of work, as a request would: the summaries are refreshed once, at its commit.
    with unit_of_work():
        members = [factories.BuyerFactory(name=f"Membre {n:03d}") for n in range(MEMBERS)]
        factories.BuyerFactory(name="Membre en attente", status=OrgStatus.PENDING)
        # Spend grows with the member's number: member 119 spent most.
        for n, member in enumerate(members):
            spend(member, dt.date(2025, 3, 1), f"{n + 1}00.00", commit=False)
    return {"coordinator": coordinator, "members": members}


def _rows(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return [name for _id, name in ROW_RE.findall(response.get_data(as_text=True))]


def test_members_table_shows_fifty_members_a_page(client, hub):
    login(client, hub["coordinator"].email)
    assert MEMBERS_PER_PAGE == 50
    first = _rows(client, "/indicateurs?annee=2025")
    assert first == [f"Membre {n:03d}" for n in range(50)]
    assert len(_rows(client, "/indicateurs?annee=2025&page=2")) == 50
    assert _rows(client, "/indicateurs?annee=2025&page=3") == [
        f"Membre {n:03d}" for n in range(100, 120)
    ]


def test_second_page_continues_the_first_in_the_chosen_order(client, hub):
    login(client, hub["coordinator"].email)
    rows = _rows(client, "/indicateurs?annee=2025&tri=-depense&page=2")
    # Largest spend first: page 1 holds members 119..70, page 2 members 69..20.
    assert rows == [f"Membre {n:03d}" for n in range(69, 19, -1)]


def test_page_links_keep_the_sort_and_the_year(client, hub):
    login(client, hub["coordinator"].email)
    html = client.get("/indicateurs?annee=2025&tri=-depense&page=2").get_data(as_text=True)
    nav = html[html.index('aria-label="Pages du tableau des membres"') :]
    nav = nav[: nav.index("</nav>")]
    assert 'aria-current="page">Page 2 sur 3</li>' in nav
    prev_link = re.search(r'href="([^"]+)" rel="prev"', nav)
    next_link = re.search(r'href="([^"]+)" rel="next"', nav)
    assert prev_link is not None and next_link is not None
    for link, page in ((prev_link.group(1), "1"), (next_link.group(1), "3")):
        assert f"page={page}" in link
        assert "annee=2025" in link
        assert "tri=-depense" in link
        assert link.endswith("#membres")
    # The sort links start again from the first page.
    assert 'href="/indicateurs?annee=2025&amp;tri=nom"' in html


def test_single_page_has_no_page_links(client, app):
    coordinator = factories.UserFactory(
        email="coord@example.fr", organisation=factories.HubFactory()
    )
    factories.BuyerFactory(name="Membre seul")
    login(client, coordinator.email)
    html = client.get("/indicateurs?annee=2025").get_data(as_text=True)
    assert "Membre seul" in html
    assert "Pages du tableau des membres" not in html


@pytest.mark.parametrize(("page", "expected_first"), [("99", 100), ("0", 0), ("abc", 0)])
def test_page_out_of_range_shows_the_nearest_page(client, hub, page, expected_first):
    """A page past the end shows the last page (a stale link after members left still
    lands on the table); a page that is not a positive number shows the first."""
    login(client, hub["coordinator"].email)
    rows = _rows(client, f"/indicateurs?annee=2025&page={page}")
    assert rows[0] == f"Membre {expected_first:03d}"


def test_csv_export_still_has_every_member(client, hub):
    login(client, hub["coordinator"].email)
    text = client.get("/indicateurs/export/membres.csv?annee=2025&tri=-depense&page=2").data
    lines = text.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("organisation;siret;departement;depense_ht")
    assert len(lines) == 1 + MEMBERS
    assert lines[1].startswith("Membre 119;")
    assert lines[-1].startswith("Membre 000;")


def test_members_page_statement_count_does_not_depend_on_the_page(client, hub):
    login(client, hub["coordinator"].email)
    client.get("/indicateurs?annee=2025")  # warm-up (session, reference data)
    counts = []
    for page in (1, 3):
        with count_queries() as statements:
            assert client.get(f"/indicateurs?annee=2025&page={page}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_hub_dashboard_is_kept_per_page_until_the_data_changes(app, client, hub):
    """Off in tests (TestingConfig); on, each page of each sort is its own entry, kept
    until a write changes the data generation, and 0 turns it off."""
    assert app.config["CACHE_TYPE"] == "NullCache"
    app.config.update(CACHE_TYPE="SimpleCache", STATS_CACHE_SECONDS=30)
    cache.init_app(app)
    try:
        login(client, hub["coordinator"].email)
        first = _rows(client, "/indicateurs?annee=2025")
        # A rename behind the application's back: the kept copy still shows the old name.
        db.session.rollback()  # end the test session's transaction, which holds SQLite's lock
        with db.engine.begin() as connection:
            connection.execute(
                update(Organisation)
                .where(Organisation.name == first[0])
                .values(name="Membre 000 renommé")
            )
        assert _rows(client, "/indicateurs?annee=2025") == first
        assert _rows(client, "/indicateurs?annee=2025&tri=nom")[0] == "Membre 000 renommé"
        # A spend line recorded through the application is shown at once.
        late = factories.BuyerFactory(name="Membre 000 bis")  # second by name
        spend(late, dt.date(2025, 5, 1), "1.00")
        assert "Membre 000 bis" in _rows(client, "/indicateurs?annee=2025")
        # With 0, nothing is kept: the next rename behind the back shows at once.
        app.config["STATS_CACHE_SECONDS"] = 0
        db.session.rollback()
        with db.engine.begin() as connection:
            connection.execute(
                update(Organisation)
                .where(Organisation.name == "Membre 000 bis")
                .values(name="Membre 000 ter")
            )
        assert "Membre 000 ter" in _rows(client, "/indicateurs?annee=2025")
    finally:
        cache.clear()


def test_the_stats_area_lists_every_table_the_hub_dashboard_reads(app, client, hub):
    app.config.update(CACHE_TYPE="SimpleCache", STATS_CACHE_SECONDS=30)
    cache.init_app(app)
    try:
        login(client, hub["coordinator"].email)
        with tables_read() as tables:
            for query in ("annee=2025", "annee=2025&tri=nom&page=2", "annee=2024&tri=-depense"):
                cache.clear()
                assert client.get(f"/indicateurs?{query}").status_code == 200
    finally:
        cache.clear()
    shown = tables - caching.UNCACHED_TABLES - caching.SESSION_TABLES
    assert "spend_entry" in shown or "spend_summary" in shown
    assert shown <= caching.AREA_TABLES[caching.Area.STATS], (
        shown - caching.AREA_TABLES[caching.Area.STATS]
    )
