"""Accounts, organisations, clauses and the catalogue under parallel requests: each state
change is a compare-and-set, each single-use thing is used once.

Real threads, each in its own request context and unit of work (its own session and
connection), released together by a barrier; the database decides (PostgreSQL with
``NRHUB_TEST_BACKEND=postgresql``, else the SQLite file).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from nrhub.audit.models import AuditEvent
from nrhub.auth import services as auth_services
from nrhub.auth.models import LoginThrottle, TokenPurpose, User
from nrhub.auth.tokens import issue_token
from nrhub.catalog import services as catalog_services
from nrhub.catalog.models import Listing, ListingStatus, StockImport
from nrhub.clauses import services as clause_services
from nrhub.clauses.models import Clause
from nrhub.errors import ConflictError
from nrhub.extensions import db
from nrhub.mail.models import OutboxMail
from nrhub.organisations import services as org_services
from nrhub.organisations.models import Organisation, OrgStatus
from nrhub.transactions import unit_of_work
from tests import factories
from tests.races.conftest import commit_setup

PASSWORD = factories.PASSWORD


def in_parallel(app: Flask, work: list[Callable[[], Any]]) -> list[Any]:
    """Run each callable at once in its own thread, request context and unit of work; the
    results, an exception standing for a refusal (its unit of work rolled back)."""
    barrier = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)

    def run(index: int) -> None:
        with app.test_request_context():
            barrier.wait()
            try:
                with unit_of_work():
                    results[index] = work[index]()
            except Exception as err:
                results[index] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.expire_all()
    return results


def kinds(results: list[Any]) -> Counter[str]:
    return Counter("ok" if not isinstance(r, Exception) else type(r).__name__ for r in results)


def count(model: Any, *where: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)))


def actions(name: str) -> int:
    return count(AuditEvent, AuditEvent.action == name)


def person(user_id: int) -> User:
    """The person, loaded in the calling thread's own session."""
    return db.session.get_one(User, user_id)


def test_six_parallel_applies_of_one_import_preview_apply_it_once(app, request_ctx):  # type: ignore[no-untyped-def]
    owner = factories.UserFactory(organisation=factories.RefurbisherFactory())
    for sku in ("A1", "A2", "A3"):
        factories.ListingFactory(
            refurbisher=owner.organisation, sku=sku, quantity=10, unit_price=Decimal("250.00")
        )
    commit_setup()
    rows = [
        "sku;categorie;marque;modele;grade;quantite;prix_ht;paliers;statut",
        "A1;laptop;Lenovo;T480;A;12;245,00;;publiée",
        "A2;laptop;Lenovo;T490;A;3;250,00;;publiée",
        "A3;laptop;Lenovo;T14;A;10;250,00;;publiée",
    ]
    preview = catalog_services.preview_import(
        "\n".join(rows).encode(), "stock.csv", by=person(owner.id)
    )
    assert preview.token
    token, owner_id = preview.token, owner.id
    commit_setup()

    def apply() -> Any:
        return catalog_services.apply_import(token, by=person(owner_id))

    results = in_parallel(app, [apply] * 6)

    assert kinds(results) == {"ok": 1, "ConflictError": 5}
    assert all("déjà été appliqué" in str(r) for r in results if isinstance(r, ConflictError))
    assert count(StockImport) == 1
    assert actions("listing.import_applied") == 1
    assert actions("listing.quantity_changed") == 2
    quantities = dict(db.session.execute(select(Listing.sku, Listing.quantity)).all())
    assert quantities == {"A1": 12, "A2": 3, "A3": 10}


def test_parallel_decisions_on_one_organisation_make_one(app, request_ctx):  # type: ignore[no-untyped-def]
    coordinator = factories.UserFactory(organisation=factories.HubFactory())
    pending = factories.UserFactory(
        organisation=factories.BuyerFactory(status=OrgStatus.PENDING, validated_at=None)
    )
    org_id, coordinator_id = pending.organisation_id, coordinator.id
    commit_setup()

    def validate() -> str:
        org = db.session.get_one(Organisation, org_id)
        org_services.validate_organisation(org, by=person(coordinator_id))
        return "validated"

    def reject() -> str:
        org = db.session.get_one(Organisation, org_id)
        org_services.reject_organisation(org, "Pièces manquantes.", by=person(coordinator_id))
        return "rejected"

    results = in_parallel(app, [validate, reject] * 4)

    assert kinds(results) == {"ok": 1, "ConflictError": 7}
    [winner] = [r for r in results if isinstance(r, str)]
    org = db.session.get_one(Organisation, org_id)
    expected = OrgStatus.ACTIVE if winner == "validated" else OrgStatus.REJECTED
    assert org.status == expected
    assert actions("organisation.validate") + actions("organisation.reject") == 1
    assert count(OutboxMail) == 1  # the winner's e-mail only


def test_parallel_acceptances_of_one_invitation_create_one_account(app, request_ctx):  # type: ignore[no-untyped-def]
    admin = factories.UserFactory()
    _token, raw = issue_token(
        TokenPurpose.INVITATION,
        "invitee@example.fr",
        organisation_id=admin.organisation_id,
        created_by_id=admin.id,
    )
    commit_setup()

    def accept() -> int:
        return org_services.accept_invitation(raw, "Camille Invitée", "un-mot-de-passe-long").id

    results = in_parallel(app, [accept] * 6)

    assert kinds(results)["ok"] == 1
    assert set(kinds(results)) <= {"ok", "NotFoundError", "ConflictError"}
    assert count(User, func.lower(User.email) == "invitee@example.fr") == 1
    assert actions("organisation.join") == 1


def test_parallel_uses_of_one_reset_link_set_one_password(app, request_ctx):  # type: ignore[no-untyped-def]
    user = factories.UserFactory(email="claire@example.fr")
    commit_setup()
    raw = auth_services.request_password_reset("claire@example.fr")
    assert raw
    commit_setup()
    passwords = [f"nouveau-secret-numero-{n}" for n in range(6)]

    def reset(password: str) -> Callable[[], str]:
        return lambda: auth_services.reset_password(raw, password) and password

    results = in_parallel(app, [reset(p) for p in passwords])

    assert kinds(results) == {"ok": 1, "NotFoundError": 5}
    [chosen] = [r for r in results if isinstance(r, str)]
    assert actions("auth.password_reset") == 1
    assert auth_services.authenticate(user.email, chosen).id == user.id


def test_parallel_wrong_passwords_from_one_address_lock_it_once(app, request_ctx):  # type: ignore[no-untyped-def]
    factories.UserFactory(email="claire@example.fr")
    commit_setup()

    def wrong() -> str:
        try:
            auth_services.authenticate(
                "claire@example.fr", "mauvais-mot-de-passe", client="203.0.113.9"
            )
        except auth_services.LoginError:
            return "refused"  # kept, as the views keep a refused login's writes
        return "logged in"

    results = in_parallel(app, [wrong] * 10)

    assert results == ["refused"] * 10
    throttle = db.session.scalars(select(LoginThrottle)).one()
    assert throttle.locked_until is not None
    assert actions("auth.locked") == 1
    assert count(OutboxMail) == 1
    with app.test_request_context():
        try:
            auth_services.authenticate("claire@example.fr", PASSWORD, client="203.0.113.9")
        except auth_services.LoginError:
            locked_out = True
        else:
            locked_out = False
    assert locked_out


def test_parallel_edits_of_one_clause_version_keep_one(app, request_ctx):  # type: ignore[no-untyped-def]
    coordinator = factories.UserFactory(organisation=factories.HubFactory())
    clause = db.session.scalars(select(Clause).order_by(Clause.id)).first()
    assert clause is not None
    clause_id, version = clause.id, clause_services.version_of(clause)
    coordinator_id = coordinator.id
    commit_setup()

    def edit(n: int) -> Callable[[], str]:
        def run() -> str:
            target = db.session.get_one(Clause, clause_id)
            data = clause_services.ClauseData(
                title=f"Titre {n}",
                text=target.text,
                kind=target.kind,
                form=target.form,
                strength=target.strength,
                theme=target.theme,  # type: ignore[arg-type]
                source=target.source,
            )
            clause_services.update_clause(target, data, by=person(coordinator_id), version=version)
            return f"Titre {n}"

        return run

    results = in_parallel(app, [edit(n) for n in range(6)])

    assert kinds(results) == {"ok": 1, "ConflictError": 5}
    [title] = [r for r in results if isinstance(r, str)]
    assert db.session.get_one(Clause, clause_id).title == title
    assert actions("clause.updated") == 1


def test_parallel_publish_and_archive_of_one_listing_chain_from_what_each_read(app, request_ctx):  # type: ignore[no-untyped-def]
    owner = factories.UserFactory(organisation=factories.RefurbisherFactory())
    listing = factories.ListingFactory(refurbisher=owner.organisation, status=ListingStatus.DRAFT)
    listing_id, owner_id = listing.id, owner.id
    commit_setup()

    def change(to: ListingStatus) -> Callable[[], str]:
        def run() -> str:
            target = db.session.get_one(Listing, listing_id)
            if to == ListingStatus.PUBLISHED:
                catalog_services.publish_listing(target, by=person(owner_id))
            else:
                catalog_services.archive_listing(target, by=person(owner_id))
            return str(to)

        return run

    work = [change(ListingStatus.PUBLISHED), change(ListingStatus.ARCHIVED)] * 3
    results = in_parallel(app, work)

    # Each change starts from the status it read: a change computed from a status another
    # request had just replaced is refused, so the audit trail is one unbroken chain.
    assert set(kinds(results)) <= {"ok", "ConflictError"}
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.details)
        .where(AuditEvent.action.in_(["listing.published", "listing.archived"]))
        .order_by(AuditEvent.id)
    ).all()
    assert 1 <= len(events) <= kinds(results)["ok"]
    status = ListingStatus.DRAFT
    for action, details in events:
        assert details["old_status"] == status
        status = ListingStatus(action.removeprefix("listing."))
    assert db.session.get_one(Listing, listing_id).status == status
