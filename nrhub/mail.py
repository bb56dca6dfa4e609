"""Sending e-mail: rendered from templates, through Flask-Mailman.

By default messages are printed to the log and written to ``instance/mail/`` so that a
person trying nrhub can read them; set ``MAIL_BACKEND=smtp`` and the ``MAIL_*`` settings
for real delivery.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, render_template
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
