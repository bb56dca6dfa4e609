"""Mails queued outside a request (cron, CLI, a bench) render in one simulated request per
unit of work, each in its recipient's language, with absolute links."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from nrhub.extensions import db
from nrhub.mail import Recipient, absolute_url, queue_mail, queue_mails, send_outbox
from nrhub.mail.models import OutboxMail
from nrhub.transactions import unit_of_work


def test_one_simulated_request_per_unit_of_work(app: Flask, monkeypatch) -> None:
    app.config.update(MAIL_SEND_AT_ONCE=False, BASE_URL="https://centrale.example.fr")
    built = []
    original = app.test_request_context

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(kwargs.get("base_url"))
        return original(*args, **kwargs)

    monkeypatch.setattr(app, "test_request_context", counting)
    with app.app_context():
        with unit_of_work():
            for n in range(3):
                organisation = SimpleNamespace(name=f"Commune {n}")
                queue_mail(
                    [Recipient(f"a{n}@example.fr", "fr"), Recipient(f"b{n}@example.fr", "en")],
                    "Validée",
                    "organisation_validated",
                    organisation=organisation,
                    url=absolute_url("auth.login"),
                )
        assert built == ["https://centrale.example.fr"]
        bodies = db.session.execute(
            select(OutboxMail.locale, OutboxMail.body).order_by(OutboxMail.id)
        ).all()
        db.session.rollback()
    assert [locale for locale, _body in bodies] == ["en", "fr"] * 3
    assert all("https://centrale.example.fr/connexion" in body for _l, body in bodies)
    assert "Commune 2" in bodies[-1].body and "Bonjour," in bodies[-1].body
    assert "Bonjour," not in bodies[-2].body  # English


def _buyer_data(title: str, price: str) -> dict:
    line = {
        "designation": "ThinkPad T480",
        "refurbisher": "Atelier A",
        "asked": 4,
        "quantity": 3,
        "unit_price": Decimal(price),
        "amount": {"ht": Decimal(price) * 3, "ttc": Decimal(price) * 3 * Decimal("1.2")},
    }
    return {
        "campaign_title": title,
        "lines": [line],
        "total_ht": line["amount"]["ht"],
        "total_ttc": line["amount"]["ttc"],
    }


def test_mails_queued_in_bulk_are_rendered_by_the_sender(app: Flask) -> None:
    app.config.update(MAIL_SEND_AT_ONCE=False)
    with app.app_context():
        subject = _l("Campagne « %(title)s » : votre attribution", title="Automne")
        with unit_of_work():
            queue_mails(
                "consolidation_buyer",
                [
                    (
                        [Recipient("a@example.fr", "fr"), Recipient("b@example.fr", "en")],
                        subject,
                        _buyer_data("Automne", "1210.50"),
                    ),
                    ("c@example.fr", subject, _buyer_data("Automne", "99.99")),
                ],
            )
        queued = db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars().all()
        # The request wrote the data, not the bodies; the subject is in each language.
        assert [(m.locale, m.template, m.body) for m in queued] == [
            ("en", "consolidation_buyer", ""),
            ("fr", "consolidation_buyer", ""),
            ("fr", "consolidation_buyer", ""),
        ]
        assert queued[0].subject == "[nrhub] Campaign “Automne”: your allocation"
        assert queued[1].subject == "[nrhub] Campagne « Automne » : votre attribution"
        sent_mails = app.extensions["mailman"].outbox = []
        assert send_outbox() == 3
        english, french, other = sent_mails
        assert english.to == ["b@example.fr"] and english.body.startswith("Hello,")
        assert "€1,210.50" in english.body
        assert french.to == ["a@example.fr"] and "1 210,50 € HT l'unité" in french.body
        assert "3 attribué(s) sur 4 demandé(s)" in french.body
        assert "99,99 €" in other.body
        db.session.expire_all()
        kept = db.session.execute(select(OutboxMail.body).order_by(OutboxMail.id)).scalars()
        assert list(kept) == [english.body, french.body, other.body]  # what was sent


def test_a_bulk_mail_that_cannot_be_rendered_waits_and_the_others_leave(app: Flask) -> None:
    app.config.update(MAIL_SEND_AT_ONCE=False)
    with app.app_context():
        with unit_of_work():
            queue_mails("consolidation_buyer", [("a@example.fr", "Sujet", {"lines": 3})])
            queue_mails("consolidation_buyer", [("b@example.fr", "Sujet", _buyer_data("A", "1"))])
        sent_mails = app.extensions["mailman"].outbox = []
        assert send_outbox() == 1
        assert [m.to for m in sent_mails] == [["b@example.fr"]]
        db.session.expire_all()
        waiting = db.session.execute(
            select(OutboxMail).where(OutboxMail.sent_at.is_(None))
        ).scalar_one()
        assert waiting.recipients == ["a@example.fr"]
        assert waiting.claimed_at is None and waiting.last_error


def test_bulk_mail_data_must_be_plain_values(app: Flask) -> None:
    with app.app_context(), unit_of_work(), pytest.raises(TypeError):
        queue_mails("consolidation_buyer", [("a@example.fr", "Sujet", {"at": object()})])
