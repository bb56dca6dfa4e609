"""The shared library of social and environmental clauses ("clausier")."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nrhub.db import UTCDateTime, utcnow
from nrhub.extensions import Model


class ClauseKind(StrEnum):
    SOCIAL = "social"
    ENVIRONMENTAL = "environmental"


class ClauseForm(StrEnum):
    CLAUSE = "clause"  # an execution condition
    CRITERION = "criterion"  # an award criterion
    RESERVED = "reserved"  # the contract is reserved (art. L2113-12 to -16 CCP)


class ClauseStrength(StrEnum):
    INCENTIVE = "incentive"
    COERCIVE = "coercive"


class ClauseTheme(StrEnum):
    REUSE = "reuse"
    REPAIRABILITY = "repairability"
    SECURITY_UPDATES = "security_updates"
    SPARE_PARTS = "spare_parts"
    MAINTENANCE = "maintenance"
    DATA_WIPING = "data_wiping"
    TAKE_BACK = "take_back"
    LEASING = "leasing"
    INSERTION = "insertion"
    RESERVED = "reserved"
    OTHER = "other"


class Clause(Model):
    __tablename__ = "clause"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key of the seeded clauses (reference loader); generated for the others.
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[ClauseKind] = mapped_column(String(20), index=True)
    form: Mapped[ClauseForm] = mapped_column(String(20))
    strength: Mapped[ClauseStrength] = mapped_column(String(20))
    theme: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_social(self) -> bool:
        """A social clause (else an environmental one)."""
        return self.kind == ClauseKind.SOCIAL

    @property
    def decp_value(self) -> str:
        """The DECP value for this clause (considerationsSociales / Environnementales)."""
        if self.kind == ClauseKind.SOCIAL:
            return {
                ClauseForm.CLAUSE: "Clause sociale",
                ClauseForm.CRITERION: "Critère social",
                ClauseForm.RESERVED: "Marché réservé",
            }[ClauseForm(self.form)]
        return {
            ClauseForm.CLAUSE: "Clause environnementale",
            ClauseForm.CRITERION: "Critère environnemental",
            ClauseForm.RESERVED: "Clause environnementale",
        }[ClauseForm(self.form)]
