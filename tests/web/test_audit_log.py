"""The audit log read by coordinators."""

from __future__ import annotations

import datetime as dt

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
                details={"n": i},
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
    assert rows.index("n : 2") < rows.index("n : 1") < rows.index("n : 0")

    html = client.get("/coordination/journal?action=test.beta").get_data(as_text=True)
    assert "2 événements" in html


def test_journal_is_paginated_in_constant_queries(client):
    people = make_people()
    add_events(people, 120, "test.bulk", people.buyer.organisation_id)
    login(client, "coord@example.fr")
    with count_queries() as first:
        page1 = client.get("/coordination/journal?action=test.bulk").get_data(as_text=True)
    assert "120 événements" in page1 and "Page 1 sur 3" in page1
    assert "n : 119" in page1 and "n : 69" not in page1
    page3 = client.get("/coordination/journal?action=test.bulk&page=3").get_data(as_text=True)
    assert "n : 19<" in page3 or "n : 19 " in page3 or "n : 19" in page3
    assert "n : 20<" not in page3
    assert len(first) < 15
    assert client.get("/coordination/journal?page=abc").status_code == 200


def test_login_is_recorded_in_the_journal(client):
    make_people()
    login(client, "achat@example.fr")
    event = db.session.scalars(db.select(AuditEvent)).one()
    assert (event.action, event.object_type) == ("auth.login", "user_account")
