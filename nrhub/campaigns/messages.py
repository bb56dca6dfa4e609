"""Translation helpers that also work outside a request (cron, CLI, demo loader, threads).

``nrhub.select_locale`` reads the request's session, so flask_babel's ``gettext`` raises
outside a request; there the French source text (the reference language) is used as is.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext, ngettext


def _(message: str, **variables: Any) -> str:
    if has_request_context():
        return str(gettext(message, **variables))
    return message % variables if variables else message


def n_(singular: str, plural: str, num: int, **variables: Any) -> str:
    if has_request_context():
        return str(ngettext(singular, plural, num, **variables))
    variables.setdefault("num", num)
    return (singular if num == 1 else plural) % variables


def notify(to: list[str], subject: str, template: str, **context: Any) -> None:
    """``send_mail`` from anywhere: outside a request (cron, demo) one is simulated, because
    rendering a template selects the locale from the request's session."""
    from flask import current_app

    from nrhub.mail import send_mail

    if not to:
        return
    if has_request_context():
        send_mail(to, subject, template, **context)
        return
    with current_app.test_request_context("/"):
        send_mail(to, subject, template, **context)
