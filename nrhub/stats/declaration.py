"""The yearly declaration file in the national open-data schema (one definition for web and API)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from flask import Response
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from nrhub.access import require
from nrhub.auth.models import User
from nrhub.db import rows_changed, utcnow
from nrhub.errors import ConflictError
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgKind, OrgStatus
from nrhub.security import Role
from nrhub.spreadsheets import neutralise
from nrhub.stats import policy, queries
from nrhub.stats.models import DeclarationStatus

# Where and when the file goes: the national open-data portal, once a year, within six
# months after 31 December (arrêté of 13 January 2025).
PORTAL_URL = "https://www.data.gouv.fr/"


def deadline(year: int) -> dt.date:
    """The last day to publish the declaration of ``year``: 30 June of the next year."""
    return dt.date(year + 1, 6, 30)


def _ensure_status(buyer_id: int, year: int) -> None:
    """The status row of a buyer's year exists (created empty once, races included)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(DeclarationStatus)
        .values(buyer_id=buyer_id, year=year)
        .on_conflict_do_nothing(index_elements=["buyer_id", "year"])
    )


def record_download(buyer_id: int, year: int) -> None:
    """The buyer downloaded its file: the first download time is kept."""
    _ensure_status(buyer_id, year)
    s = DeclarationStatus
    db.session.execute(
        update(s)
        .where(s.buyer_id == buyer_id, s.year == year, s.downloaded_at.is_(None))
        .values(downloaded_at=utcnow())
    )


def mark_done(year: int, *, by: User) -> None:
    """The buyer states its declaration of ``year`` is published (compare-and-set: once)."""
    require(policy.can_declare(by))
    _ensure_status(by.organisation_id, year)
    s = DeclarationStatus
    result = db.session.execute(
        update(s)
        .where(s.buyer_id == by.organisation_id, s.year == year, s.done_at.is_(None))
        .values(done_at=utcnow(), done_by_id=by.id)
    )
    if rows_changed(result) != 1:
        raise ConflictError(_("Cette déclaration est déjà marquée comme publiée."))


def status_of(buyer_id: int, year: int) -> DeclarationStatus | None:
    return db.session.get(DeclarationStatus, (buyer_id, year))


@dataclass(frozen=True)
class MemberDeclaration:
    buyer_id: int
    name: str
    downloaded_at: dt.datetime | None
    done_at: dt.datetime | None


def member_declarations(year: int) -> list[MemberDeclaration]:
    """Every active buyer member with where its declaration of ``year`` stands."""
    s = DeclarationStatus
    rows = db.session.execute(
        select(Organisation.id, Organisation.name, s.downloaded_at, s.done_at)
        .outerjoin(s, (s.buyer_id == Organisation.id) & (s.year == year))
        .where(Organisation.kind == OrgKind.BUYER, Organisation.status == OrgStatus.ACTIVE)
        .order_by(Organisation.name, Organisation.id)
    )
    return [MemberDeclaration(*row) for row in rows]


DECLARATION_HEADER = (
    "annee", "siret", "raison_sociale", "type_produit_acquis", "montant_total",
    "montant_reemploi_et_reutilisation", "montant_produits_issus_don",
    "montant_produits_recycles", "commentaires",
)  # fmt: skip


def declaration_response(year: int, buyer: Organisation | None, by: User) -> Response:
    """One buyer's rows, or every member's when ``buyer`` is None: comma, decimal point.
    A buyer downloading its own file is recorded (the coordinator sees who did)."""
    if buyer is not None and by.role == Role.BUYER and by.organisation_id == buyer.id:
        record_download(buyer.id, year)
    rows = queries.declaration_rows(year, buyer_id=buyer.id if buyer else None)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(DECLARATION_HEADER)
    for r in rows:
        # Text typed by people (a name starting with "=") must not run as a formula.
        writer.writerow(
            (r.annee, r.siret, neutralise(r.raison_sociale), neutralise(r.type_produit_acquis),
             r.montant_total, r.montant_reemploi_et_reutilisation, r.montant_produits_issus_don,
             r.montant_produits_recycles, neutralise(r.commentaires or ""))
        )  # fmt: skip
    name = f"declaration-reemploi-{year}" + (f"-{buyer.siret}" if buyer else "") + ".csv"
    return Response(
        buffer.getvalue().encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
