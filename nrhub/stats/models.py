"""Where each member stands with its yearly legal declaration."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nrhub.db import UTCDateTime
from nrhub.extensions import Model


class DeclarationStatus(Model):
    """A buyer's declaration of one year: when its file was first downloaded, and when the
    buyer marked it as published on the national open-data portal."""

    __tablename__ = "declaration_status"
    __table_args__ = (PrimaryKeyConstraint("buyer_id", "year"),)

    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    year: Mapped[int] = mapped_column(autoincrement=False)
    downloaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
