"""Sending e-mail: rendered from templates, through Flask-Mailman.

By default messages are printed to the log and written to ``instance/mail/`` so that a
person trying nrhub can read them; set ``MAIL_BACKEND=smtp`` and the ``MAIL_*`` settings
for real delivery.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, has_request_context, render_template, url_for
from flask_mailman import EmailMessage
from flask_mailman.backends.file import EmailBackend as FileBackend


class ConsoleFileBackend(FileBackend):  # type: ignore[misc]
    """Writes each message to a file under MAIL_FILE_PATH and logs it."""

    def send_messages(self, email_messages: Any) -> int:
        for message in email_messages:
            current_app.logger.info(
                "E-mail to %s: %s\n%s", ", ".join(message.to), message.subject, message.body
            )
        return super().send_messages(email_messages)


def send_mail(to: str | Iterable[str], subject: str, template: str, **context: Any) -> None:
    """Render ``templates/mail/<template>.txt`` and send it (errors are logged, not raised)."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return
    body = render_template(f"mail/{template}.txt", **context)
    message = EmailMessage(subject=f"[nrhub] {subject}", body=body, to=recipients)
    try:
        message.send()
    except Exception:  # a mail server failure must not undo a committed change
        current_app.logger.exception("Could not send e-mail %r to %s", subject, recipients)


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail, also outside a request (CLI, tests).

    Outside a request the base comes from ``BASE_URL`` (default http://127.0.0.1:5000).
    """
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base_url = current_app.config.get("BASE_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context(base_url=base_url):
        return url_for(endpoint, _external=True, **values)
