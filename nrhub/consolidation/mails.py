"""Who receives the area's e-mails."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from flask import has_request_context
from flask_babel import force_locale
from sqlalchemy import select

from nrhub.auth.models import User
from nrhub.extensions import db
from nrhub.mail import send_mail


def member_emails(organisation_ids: Iterable[int]) -> dict[int, list[str]]:
    """The e-mail addresses of the people of each organisation (one query)."""
    ids = sorted(set(organisation_ids))
    emails: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return emails
    for org_id, email in db.session.execute(
        select(User.organisation_id, User.email)
        .where(User.organisation_id.in_(ids), User.is_removed.is_(False))
        .order_by(User.id)
    ):
        emails[org_id].append(email)
    return emails


def send(to: Iterable[str], subject: str, template: str, **context: Any) -> None:
    """:func:`nrhub.mail.send_mail`, also outside a request (CLI, demo): French then."""
    if has_request_context():
        send_mail(to, subject, template, **context)
        return
    with force_locale("fr"):
        send_mail(to, subject, template, **context)
