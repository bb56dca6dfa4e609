"""The outbox: e-mails written in the transaction that caused them, sent after its commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nrhub.db import UTCDateTime, utcnow
from nrhub.extensions import Model


class OutboxMail(Model):
    """One e-mail waiting to be sent (or sent: ``sent_at``).

    A rollback removes it with the change it announced; a sender claims it with a
    conditional update (``claimed_at``) so that two senders never send it twice.

    Most messages are rendered when queued (``body``). Those queued in bulk keep their
    ``template`` and its data (``context``, JSON): the sender renders them, in ``locale``,
    and writes the body it sent here (empty until then).
    """

    __tablename__ = "outbox_mail"
    __table_args__ = (Index("ix_outbox_mail_pending", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipients: Mapped[list[str]] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    template: Mapped[str | None] = mapped_column(String(100))
    context: Mapped[str | None] = mapped_column(Text)
