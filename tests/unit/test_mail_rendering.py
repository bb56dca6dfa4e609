"""Mails queued outside a request (cron, CLI, a bench) render in one simulated request per
unit of work, each in its recipient's language, with absolute links."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Flask
from sqlalchemy import select

from nrhub.extensions import db
from nrhub.mail import Recipient, absolute_url, queue_mail
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
