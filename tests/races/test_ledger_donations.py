"""Races of the ledger import and of the donation claims, through the web forms as people
send them (logged-in browser sessions, CSRF tokens), on gunicorn with several workers, on
SQLite and on PostgreSQL:

- one import preview applied by 6 copies at once writes its rows once;
- 10 copies of one refurbisher's claim make one pending claim;
- refurbishers claiming the last units at once never take more than the lot holds.

Every loser gets a French 409 page, never a 500.
"""

from __future__ import annotations

import io
from decimal import Decimal

import requests
from sqlalchemy import func, select

from nrhub.auth.models import User
from nrhub.donations import services as donations
from nrhub.donations.models import (
    AgeBracket,
    ClaimStatus,
    DonationClaim,
    DonationLot,
    LotCondition,
)
from nrhub.extensions import db
from nrhub.formatting import paris_today
from nrhub.ledger.models import SpendEntry, SpendImport
from nrhub.transactions import unit_of_work
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, BuyerFactory, RefurbisherFactory, UserFactory
from tests.ledger.summary_check import assert_summary_matches_ledger
from tests.races.conftest import RaceServer, commit_setup, race, statuses

YEAR = paris_today().year
IMPORT_CSV = (
    "date;categorie;quantite;montant_ht;nature;fournisseur;matieres_recyclees;age_don\n"
    f"15/01/{YEAR};laptop;10;1 000,00;réemploi;Atelier;non;\n"
    f"16/01/{YEAR};smartphone;5;500,00;neuf;Opérateur;oui;\n"
)


def browser(server: RaceServer, user: User) -> requests.Session:
    """A browser session of ``user``, logged in through the login form."""
    email = user.email
    commit_setup()  # reading the e-mail began a transaction: SQLite's lock must be free
    session = requests.Session()
    token = csrf_token_from(session.get(f"{server.url}/connexion", timeout=60).text)
    response = session.post(
        f"{server.url}/connexion",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text.split("<main", 1)[-1][:1000]
    return session


def copies(session: requests.Session, count: int) -> list[requests.Session]:
    """The same browser session in ``count`` connections (the tabs of one person)."""
    clones = []
    for _ in range(count):
        clone = requests.Session()
        clone.cookies.update(session.cookies)
        clones.append(clone)
    return clones


def _hidden(html: str, name: str) -> str:
    return html.split(f'name="{name}"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


def _make_lot(donor: User, quantity: int) -> int:
    """A lot offered to the refurbishers of the donor's department (35), committed."""
    with unit_of_work():
        lot = donations.create_lot(
            donations.LotData(
                category_code="laptop",
                quantity=quantity,
                age_bracket=AgeBracket.UNDER_5,
                condition=LotCondition.WORKING,
                unit_weight_g=2300,
                pickup_address="Place du Château",
                pickup_postcode="35500",
                pickup_city="Vitré",
                available_from=paris_today(),
                available_until=paris_today().replace(year=YEAR + 1),
                data_wiping_required=False,
            ),
            by=donor,
        )
        lot_id = int(lot.id)
    return lot_id


def _count(model, *where) -> int:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)))


def test_six_applies_of_one_import_preview_write_its_rows_once(app, race_server):  # type: ignore[no-untyped-def]
    buyer = UserFactory(organisation=BuyerFactory())
    commit_setup()
    session = browser(race_server, buyer)
    form = session.get(f"{race_server.url}/acheteur/depenses/import", timeout=60).text
    preview = session.post(
        f"{race_server.url}/acheteur/depenses/import",
        data={"csrf_token": csrf_token_from(form)},
        files={"file": ("depenses.csv", io.BytesIO(IMPORT_CSV.encode()), "text/csv")},
        timeout=60,
    )
    assert preview.status_code == 200, preview.text[:2000]
    data = {
        "payload": _hidden(preview.text, "payload"),
        "csrf_token": csrf_token_from(preview.text),
    }

    def apply(tab: requests.Session):  # type: ignore[no-untyped-def]
        return lambda: tab.post(
            f"{race_server.url}/acheteur/depenses/import/appliquer",
            data=data,
            allow_redirects=False,
            timeout=60,
        )

    responses = race([apply(tab) for tab in copies(session, 6)])

    assert statuses(responses) == [302, 409, 409, 409, 409, 409]
    for response in responses:
        if response.status_code == 409:
            assert "Cet import a déjà été appliqué" in response.text
    db.session.expire_all()
    amounts = db.session.scalars(select(SpendEntry.amount).order_by(SpendEntry.amount)).all()
    assert amounts == [Decimal("500.00"), Decimal("1000.00")]
    assert _count(SpendImport) == 1
    assert_summary_matches_ledger()
    # A replay afterwards changes nothing either.
    commit_setup()  # our reads hold SQLite's lock until the transaction ends
    assert apply(session)().status_code == 409
    assert _count(SpendEntry) == 2


def test_ten_copies_of_one_claim_make_one_pending_claim(app, race_server):  # type: ignore[no-untyped-def]
    donor = UserFactory(organisation=BuyerFactory(department_code="35", region_code="53"))
    refurbisher = UserFactory(
        organisation=RefurbisherFactory(department_code="35", region_code="53")
    )
    commit_setup()
    lot_id = _make_lot(donor, 10)
    session = browser(race_server, refurbisher)
    page = session.get(f"{race_server.url}/dons/{lot_id}", timeout=60).text
    data = {"quantity": "2", "message": "", "csrf_token": csrf_token_from(page)}

    def claim(tab: requests.Session):  # type: ignore[no-untyped-def]
        url = f"{race_server.url}/dons/{lot_id}/reserver"
        return lambda: tab.post(url, data=data, allow_redirects=False, timeout=60)

    responses = race([claim(tab) for tab in copies(session, 10)])

    assert statuses(responses) == [302] + [409] * 9
    assert _count(DonationClaim) == 1
    assert _count(DonationClaim, DonationClaim.status == ClaimStatus.PENDING) == 1
    assert db.session.get(DonationLot, lot_id).remaining_quantity == 8


def test_last_units_claimed_at_once_never_exceed_the_lot(app, race_server):  # type: ignore[no-untyped-def]
    donor = UserFactory(organisation=BuyerFactory(department_code="35", region_code="53"))
    refurbishers = [
        UserFactory(organisation=RefurbisherFactory(department_code="35", region_code="53"))
        for _ in range(6)
    ]
    commit_setup()
    lot_id = _make_lot(donor, 10)
    calls = []
    for person in refurbishers:
        session = browser(race_server, person)
        token = csrf_token_from(session.get(f"{race_server.url}/dons/{lot_id}", timeout=60).text)

        def claim(tab: requests.Session = session, csrf: str = token):  # type: ignore[no-untyped-def]
            return tab.post(
                f"{race_server.url}/dons/{lot_id}/reserver",
                data={"quantity": "3", "message": "", "csrf_token": csrf},
                allow_redirects=False,
                timeout=60,
            )

        calls.append(claim)

    responses = race(calls)

    assert statuses(responses) == [302, 302, 302, 409, 409, 409]  # 3 × 3 units, 1 left
    for response in responses:
        if response.status_code == 409:
            assert "il ne reste que 1 unité" in response.text or "Trop d" in response.text
    db.session.expire_all()
    claimed = db.session.scalar(
        select(func.sum(DonationClaim.quantity)).where(DonationClaim.lot_id == lot_id)
    )
    assert claimed == 9
    assert db.session.get(DonationLot, lot_id).remaining_quantity == 1
