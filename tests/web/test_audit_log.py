"""The audit log read by coordinators."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from nrhub.audit.labels import ACTION_LABELS
from nrhub.audit.models import AuditEvent
from nrhub.db import utcnow
from nrhub.extensions import db
from tests.conftest import login
from tests.queries import count_queries
from tests.web.people import make_people


def add_events(people, n: int, action: str, organisation_id: int) -> None:
    start = utcnow() - dt.timedelta(days=1)
    for i in range(n):
        db.session.add(
            AuditEvent(
                at=start + dt.timedelta(minutes=i),
                actor_id=people.buyer.id,
                organisation_id=organisation_id,
                action=action,
                object_type="organisation",
                object_id=organisation_id,
                details={"quantity": i},
            )
        )
    db.session.commit()


def test_journal_filters_by_organisation_and_action_newest_first(client):
    people = make_people()
    buyer_org = people.buyer.organisation_id
    add_events(people, 3, "test.alpha", buyer_org)
    add_events(people, 2, "test.beta", people.other_buyer.organisation_id)
    login(client, "coord@example.fr")
    html = client.get(f"/coordination/journal?organisation={buyer_org}&action=test.alpha").get_data(
        as_text=True
    )
    assert "3 événements" in html
    assert "test.beta" not in html.split("<table")[1]
    rows = html.split("<tbody>")[1]
    assert rows.index("quantité : 2") < rows.index("quantité : 1") < rows.index("quantité : 0")

    html = client.get("/coordination/journal?action=test.beta").get_data(as_text=True)
    assert "2 événements" in html


def test_journal_is_paginated_in_constant_queries(client):
    people = make_people()
    add_events(people, 120, "test.bulk", people.buyer.organisation_id)
    login(client, "coord@example.fr")
    with count_queries() as first:
        page1 = client.get("/coordination/journal?action=test.bulk").get_data(as_text=True)
    assert "120 événements" in page1 and "Page 1 sur 3" in page1
    assert "quantité : 119<" in page1 and "quantité : 69<" not in page1
    page3 = client.get("/coordination/journal?action=test.bulk&page=3").get_data(as_text=True)
    assert "quantité : 19<" in page3
    assert "quantité : 20<" not in page3
    assert len(first) < 15
    assert client.get("/coordination/journal?page=abc").status_code == 200


def test_login_is_recorded_in_the_journal(client):
    make_people()
    login(client, "achat@example.fr")
    event = db.session.scalars(db.select(AuditEvent)).one()
    assert (event.action, event.object_type) == ("auth.login", "user_account")


def test_journal_speaks_in_sentences_without_code_names(client):
    people = make_people()
    org = people.buyer.organisation_id
    for action, object_type, object_id, details in (
        ("repair.status", "repair_request", 6, {"previous": "in_progress", "status": "repaired"}),
        ("listing.price_changed", "listing", 12, {"old": "250.00", "new": "230.00"}),
        (
            "organisation.suspend",
            "organisation",
            org,
            {"previous": "active", "status": "suspended"},
        ),
        ("delivery.received", "delivery", 3, {"received_units": 7, "received_on": "2026-11-02"}),
    ):
        db.session.add(
            AuditEvent(
                actor_id=people.coordinator.id,
                organisation_id=org,
                action=action,
                object_type=object_type,
                object_id=object_id,
                details=details,
            )
        )
    db.session.commit()
    login(client, "coord@example.fr")
    html = client.get("/coordination/journal").get_data(as_text=True)
    table = html.split("<table")[1]
    assert "Statut de la demande de réparation n° 6 : en cours → réparée" in table
    assert f"Statut de l&#39;organisation n° {org} : active → suspendue" in table
    assert (
        "Prix d&#39;une offre modifié : l&#39;offre du catalogue n° 12, 250,00 € → 230,00 € HT"
        in (table)
    )
    assert "Livraison reçue : la livraison n° 3" in table
    assert "unités reçues : 7, reçue le : 02/11/2026" in table
    # The login of the coordinator reading the page is in the journal too.
    assert "Connexion : le compte n° " in table
    for code in (
        "repair.status",
        "repair_request",
        "user_account",
        "auth.login",
        "in_progress",
        "previous",
        "received_units",
        "listing",
    ):
        assert code not in table, code
    # The filter names the actions in French, its values stay the codes.
    assert (
        '<option value="repair.status">Statut d&#39;une demande de réparation changé</option>'
        in (html)
    )


def test_every_action_the_application_records_has_a_french_label():
    """Read the code: each literal action passed to ``record(`` has a label."""
    root = Path(__file__).resolve().parents[2] / "nrhub"
    recorded = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"\brecord\(", text):
            arguments = text[call.end() : call.end() + 300].split("by=")[0]
            recorded.update(re.findall(r'"([a-z_]+\.[a-z_]+)"', arguments))
    assert len(recorded) > 50
    assert sorted(recorded - set(ACTION_LABELS)) == []
