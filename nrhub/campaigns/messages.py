"""Translation and e-mail helpers usable outside a request (cron, CLI, demo loader, threads)."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import gettext, ngettext

# ``nrhub.select_locale`` answers French outside a request, so flask_babel works everywhere;
# these names stay for the modules that import them from here.
_ = gettext
n_ = ngettext


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
