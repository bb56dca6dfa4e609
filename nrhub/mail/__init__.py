"""E-mail: one way to send, through the outbox, after the commit.

:func:`queue_mail` renders a message from ``templates/mail/<template>.txt`` and writes it to
the outbox table inside the current unit of work: a rollback sends nothing. Once committed,
messages are sent at once when ``MAIL_SEND_AT_ONCE`` is on (development, tests), otherwise
by the cron command ``flask --app nrhub mail send``.

:func:`queue_mails` is for a use case that writes hundreds of messages in one request (a
consolidation: one per buyer): it stores each message's template and data, and the sender
renders the bodies, off the request.

One locale rule: each recipient reads the message in the language of their account
(French when unknown). Subjects given as lazy strings (``lazy_gettext``) are translated
for each language.

By default messages are printed to the log and written to ``instance/mail/`` so that a
person trying nrhub can read them; set ``MAIL_BACKEND=smtp`` and the ``MAIL_*`` settings
for real delivery.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, NamedTuple

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_mailman import EmailMessage
from flask_mailman.backends.file import EmailBackend as FileBackend
from sqlalchemy import Text, bindparam, func, insert, or_, update

from nrhub.db import utcnow
from nrhub.extensions import db
from nrhub.mail.models import OutboxMail
from nrhub.transactions import after_commit, before_commit, unit_of_work, unit_state

LANGUAGES = ("fr", "en")
# A claim older than this is taken to be from a sender that died before sending.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
_RENDERING_CONTEXT = "mail_rendering_context"


class Recipient(NamedTuple):
    email: str
    locale: str | None = None


Recipients = str | Recipient | Iterable[str | Recipient]


# Flask-Mailman ships no types: its backend is Any, which strict mypy forbids subclassing.
class ConsoleFileBackend(FileBackend):  # type: ignore[misc]
    """Writes each message to a file under MAIL_FILE_PATH and logs it."""

    def send_messages(self, email_messages: Any) -> int:
        for message in email_messages:
            current_app.logger.info(
                "E-mail to %s: %s\n%s", ", ".join(message.to), message.subject, message.body
            )
        sent: int = super().send_messages(email_messages)
        return sent


def queue_mail(
    to: Recipients,
    subject: Any,
    template: str,
    **context: Any,
) -> None:
    """Render ``templates/mail/<template>.txt`` for each language among the recipients and
    put the messages in the outbox; they leave after the commit.

    ``subject`` is a lazy string (``lazy_gettext``) or a function returning the subject, so
    that each language gets its own; plain text is sent as is.
    """
    by_locale = _group_by_locale(to)
    if not by_locale:
        return
    rows = []
    now = utcnow()
    with _rendering_context():
        for locale, emails in sorted(by_locale.items()):
            with force_locale(locale):
                rows.append(
                    _row(
                        emails,
                        _subject_line(subject),
                        locale,
                        now,
                        body=render_template(f"mail/{template}.txt", **context),
                    )
                )
    _enqueue(rows)


def queue_mails(
    template: str, messages: Iterable[tuple[Recipients, Any, Mapping[str, Any]]]
) -> None:
    """Put one message per ``(to, subject, data)`` of ``messages`` in the outbox, each to be
    rendered from ``templates/mail/<template>.txt`` with ``data`` when it is sent.

    For a use case that writes hundreds of messages in one request (a consolidation: one
    per buyer): the request only writes rows, the sender (the cron's ``flask mail send``,
    or the after-commit sending when ``MAIL_SEND_AT_ONCE`` is on) renders each body in its
    recipients' language. ``data`` is therefore kept as JSON: plain values only (text,
    numbers, lists, dicts; a ``Decimal`` comes back as text, which the ``money`` filter
    formats), and the template reads nothing else (no person, no database). A subject
    object given for several messages is translated once per language.
    """
    rows = []
    now = utcnow()
    subjects: dict[tuple[int, str], tuple[Any, str]] = {}  # keeps each subject alive: its id
    with _rendering_context():
        for to, subject, data in messages:
            by_locale = _group_by_locale(to)
            if not by_locale:
                continue
            context = json.dumps(data, default=_json_value, ensure_ascii=False)
            for locale, emails in sorted(by_locale.items()):
                known = subjects.get((id(subject), locale))
                if known is None:
                    with force_locale(locale):
                        known = subjects[(id(subject), locale)] = (subject, _subject_line(subject))
                rows.append(_row(emails, known[1], locale, now, template=template, context=context))
    _enqueue(rows)


def _row(
    emails: list[str],
    subject: str,
    locale: str,
    now: dt.datetime,
    *,
    body: str = "",
    template: str | None = None,
    context: str | None = None,
) -> dict[str, Any]:
    return {
        "recipients": emails,
        "subject": subject,
        "body": body,
        "locale": locale,
        "created_at": now,
        "attempts": 0,
        "template": template,
        "context": context,
    }


def _json_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"an e-mail's data must be plain values, not {type(value).__name__}")


def _enqueue(rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` to the outbox: at the end of the unit of work, in one INSERT with its
    other messages, sent after the commit; at once outside a unit of work."""
    if not rows:
        return
    state = unit_state()
    if state is None:  # outside a unit of work (a test calling a service): at once
        _send_if_configured(_insert(rows))
        return
    pending: list[dict[str, Any]] | None = state.get("outbox")
    if pending is None:
        # All the transaction's messages in one INSERT, then one sending after the commit.
        pending = state["outbox"] = []
        inserted: list[int] = []
        before_commit(lambda: inserted.extend(_insert(pending)))
        after_commit(lambda: _send_if_configured(inserted))
    pending.extend(rows)


def _insert(rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    table = OutboxMail.__table__
    result = db.session.execute(insert(table).returning(table.c.id), rows)
    return list(result.scalars())


def _send_if_configured(ids: list[int]) -> None:
    if ids and current_app.config.get("MAIL_SEND_AT_ONCE", True):
        send_outbox(ids)


def _subject_line(subject: Any) -> str:
    return f"[nrhub] {_subject_text(subject)}"[:300]


def _subject_text(subject: Any) -> str:
    """A subject in the current locale: plain text as is, a lazy string or a function
    (for subjects built of several parts) evaluated now."""
    if isinstance(subject, str):
        return subject
    if callable(subject):
        return str(subject())
    return str(subject)


def _group_by_locale(to: Recipients) -> dict[str, list[str]]:
    items: Iterable[str | Recipient] = [to] if isinstance(to, str | Recipient) else to
    groups: dict[str, list[str]] = defaultdict(list)
    for item in items:
        email, locale = (item, None) if isinstance(item, str) else item
        language = locale if locale in LANGUAGES else "fr"
        if email and email not in groups[language]:
            groups[language].append(email)
    return {locale: emails for locale, emails in groups.items() if emails}


@contextmanager
def _rendering_context() -> Iterator[None]:
    """Templates and links need a request; outside one (cron, CLI, threads) simulate it.

    Building that simulated request costs more than rendering a short message: a unit of
    work that queues many (a consolidation: one per buyer) builds it once and pushes it
    again for each message.
    """
    if has_request_context():
        yield
        return
    state = unit_state()
    context = state.get(_RENDERING_CONTEXT) if state is not None else None
    if context is None:
        base_url = current_app.config.get("BASE_URL") or "http://127.0.0.1:5000"
        context = current_app.test_request_context("/", base_url=base_url)
        if state is not None:
            state[_RENDERING_CONTEXT] = context
    with context:
        yield


def send_outbox(ids: Iterable[int] | None = None, *, now: dt.datetime | None = None) -> int:
    """Send the outbox's unsent messages (only ``ids`` when given); returns how many left.

    Messages are claimed by one conditional update (a sender that died leaves its claim to
    expire after CLAIM_TIMEOUT), sent, then marked sent: two senders (the process that
    queued them and the cron) never both send one. A message queued with its template and
    data (:func:`queue_mails`) is rendered here, and its body kept with it once sent.
    """
    now = now or utcnow()
    table = OutboxMail.__table__
    claim = (
        update(table)
        .where(
            table.c.sent_at.is_(None),
            or_(table.c.claimed_at.is_(None), table.c.claimed_at < now - CLAIM_TIMEOUT),
        )
        .values(claimed_at=now, attempts=table.c.attempts + 1)
        .returning(
            table.c.id,
            table.c.recipients,
            table.c.subject,
            table.c.body,
            table.c.locale,
            table.c.template,
            table.c.context,
        )
    )
    if ids is not None:
        wanted = list(ids)
        if not wanted:
            return 0
        claim = claim.where(table.c.id.in_(wanted))
    with unit_of_work():
        claimed = sorted(db.session.execute(claim).all())
    sent: list[int] = []
    failed: dict[int, str] = {}
    rendered = _render_bodies([row for row in claimed if row.template is not None], failed)
    for row in claimed:
        if row.id in failed:
            continue
        body = rendered.get(row.id, row.body)
        message = EmailMessage(subject=row.subject, body=body, to=list(row.recipients))
        try:
            message.send()
        except Exception as err:  # the mail server is down: the cron will try again
            current_app.logger.exception("Could not send e-mail %s %r", row.id, row.subject)
            failed[row.id] = str(err)[:500]
        else:
            sent.append(row.id)
    with unit_of_work():
        if sent:
            # One statement; a message rendered here keeps the body it was sent with.
            sent_at = utcnow()
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("mail_id"))
                .values(
                    sent_at=bindparam("sent_at"),
                    body=func.coalesce(bindparam("rendered", type_=Text), table.c.body),
                ),
                [{"mail_id": i, "sent_at": sent_at, "rendered": rendered.get(i)} for i in sent],
            )
        for mail_id, error in failed.items():
            db.session.execute(
                update(table).where(table.c.id == mail_id).values(claimed_at=None, last_error=error)
            )
    return len(sent)


def _render_bodies(rows: list[Any], failed: dict[int, str]) -> dict[int, str]:
    """The bodies of messages queued with their template and data, each in its language;
    a message that cannot be rendered joins ``failed`` (kept for the next try)."""
    bodies: dict[int, str] = {}
    if not rows:
        return bodies
    with _rendering_context():
        for locale in sorted({row.locale for row in rows}):
            with force_locale(locale):
                for row in rows:
                    if row.locale != locale:
                        continue
                    try:
                        context = json.loads(row.context or "{}")
                        bodies[row.id] = render_template(f"mail/{row.template}.txt", **context)
                    except Exception as err:  # a message's fault must not stop the others
                        current_app.logger.exception(
                            "Could not render e-mail %s %r", row.id, row.subject
                        )
                        failed[row.id] = str(err)[:500]
    return bodies


def absolute_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail, also outside a request (CLI, tests).

    Outside a request the base comes from ``BASE_URL`` (default http://127.0.0.1:5000).
    """
    with _rendering_context():
        return url_for(endpoint, _external=True, **values)
