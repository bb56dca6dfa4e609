"""The buyer's budget commitment for its order in a campaign (engagement juridique)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nrhub.db import UTCDateTime, utcnow
from nrhub.extensions import Model


class BuyerCommitment(Model):
    """What a buyer's finance department needs on the purchase order and the invoice: the
    engagement number, the budget line (M57 nature and chapter), the Chorus Pro service
    code if any, and the delivery address. Copied onto the buyer's deliveries at
    consolidation (where it is frozen for the documents)."""

    __tablename__ = "buyer_commitment"
    __table_args__ = (UniqueConstraint("campaign_id", "buyer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    engagement_number: Mapped[str] = mapped_column(String(50))
    budget_nature: Mapped[str] = mapped_column(String(10))
    budget_chapter: Mapped[str] = mapped_column(String(10))
    service_code: Mapped[str | None] = mapped_column(String(100))
    delivery_address: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
