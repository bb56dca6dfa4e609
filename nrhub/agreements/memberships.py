"""Use cases of the buyers' membership agreements (conventions d'adhésion).

A buyer joins the central purchasing body by signing its membership agreement; it orders
only while one is in force. The coordination records the agreements and their signed copy
(a PDF, checked on its content, stored under a random name); each change is a
compare-and-set on ``updated_at`` so that two coordinators never silently undo each other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Date,
    Exists,
    bindparam,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.orm.attributes import set_committed_value

from nrhub import caching, uploads
from nrhub.access import require
from nrhub.agreements import policy
from nrhub.agreements.models import MembershipAgreement
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.db import rows_changed, utcnow
from nrhub.errors import ConflictError, NotFoundError, ValidationError
from nrhub.extensions import db
from nrhub.organisations.models import Organisation, OrgKind
from nrhub.transactions import after_commit


@dataclass(frozen=True)
class MembershipData:
    """What the coordination types from the signed agreement."""

    text_version: str
    signed_on: dt.date
    signatory_name: str
    signatory_role: str
    deliberation_reference: str = ""
    ends_on: dt.date | None = None


def document_directory() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "conventions"


def _values(data: MembershipData) -> dict[str, object]:
    values: dict[str, object] = {
        "text_version": data.text_version.strip(),
        "signed_on": data.signed_on,
        "signatory_name": data.signatory_name.strip(),
        "signatory_role": data.signatory_role.strip(),
        "deliberation_reference": data.deliberation_reference.strip(),
        "ends_on": data.ends_on,
    }
    for name, message in (
        ("text_version", _("Indiquez la version du texte de la convention.")),
        ("signatory_name", _("Indiquez le nom du signataire.")),
        ("signatory_role", _("Indiquez la qualité du signataire.")),
    ):
        if not values[name]:
            raise ValidationError(message, field=name)
    if data.ends_on is not None and data.ends_on < data.signed_on:
        raise ValidationError(
            _("La fin de la convention ne peut pas précéder sa signature."), field="ends_on"
        )
    return values


def _stored_document(document: bytes | None) -> str | None:
    """Check the signed copy and write it once the transaction commits; its new name."""
    if document is None:
        return None
    try:
        data = uploads.check_pdf(document)
    except uploads.PdfError as err:
        raise ValidationError(str(err), field="document") from err
    name = uploads.new_pdf_name()
    directory = document_directory()

    def write() -> None:
        directory.mkdir(parents=True, exist_ok=True)
        uploads.safe_pdf_path(directory, name).write_bytes(data)

    # Written before the commit would leave a file behind a rollback; after it, a failed
    # write leaves a name without file, which the download answers with 404.
    after_commit(write)
    return name


def _remove_later(name: str | None) -> None:
    if name is None:
        return
    directory = document_directory()
    after_commit(lambda: uploads.safe_pdf_path(directory, name).unlink(missing_ok=True))


def record_membership(
    buyer_id: int, data: MembershipData, document: bytes | None, *, by: User
) -> MembershipAgreement:
    """The coordination records a buyer's signed membership agreement."""
    require(policy.can_record_memberships(by))
    buyer = db.session.get(Organisation, buyer_id)
    if buyer is None or buyer.kind != OrgKind.BUYER:
        raise NotFoundError(_("Collectivité introuvable."))
    agreement = MembershipAgreement(buyer_id=buyer_id, recorded_by_id=by.id, **_values(data))
    agreement.document_name = _stored_document(document)
    db.session.add(agreement)
    db.session.flush()
    record(
        "membership.recorded",
        agreement,
        by=by,
        buyer=buyer.name,
        signed_on=agreement.signed_on.isoformat(),
    )
    return agreement


def version_of(agreement: MembershipAgreement) -> str:
    return agreement.updated_at.isoformat()


def update_membership(
    agreement: MembershipAgreement,
    data: MembershipData,
    document: bytes | None,
    *,
    by: User,
    version: str | None = None,
) -> MembershipAgreement:
    """The coordination corrects an agreement (an end date, a renewal's new copy…).

    Applied to the state the edit started from (``version``), in one conditional UPDATE;
    a new signed copy replaces the former one, whose file goes after the commit.
    """
    require(policy.can_record_memberships(by))
    conflict = ConflictError(
        _(
            "Cette convention vient d'être modifiée par quelqu'un d'autre : rechargez la page "
            "pour repartir de sa version actuelle."
        )
    )
    if version is not None and version != version_of(agreement):
        raise conflict
    values = _values(data)
    values["updated_at"] = utcnow()
    former_document = agreement.document_name
    if document is not None:
        values["document_name"] = _stored_document(document)
    moved = db.session.execute(
        update(MembershipAgreement)
        .where(
            MembershipAgreement.id == agreement.id,
            MembershipAgreement.updated_at == agreement.updated_at,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if rows_changed(moved) != 1:
        raise conflict
    for name, value in values.items():
        set_committed_value(agreement, name, value)
    if document is not None:
        _remove_later(former_document)
    record("membership.updated", agreement, by=by, signed_on=agreement.signed_on.isoformat())
    db.session.flush()
    return agreement


def in_force_condition(day: dt.date | BindParameter[dt.date]) -> ColumnElement[bool]:
    """The SQL condition of an agreement in force on ``day``."""
    return (MembershipAgreement.signed_on <= day) & or_(
        MembershipAgreement.ends_on.is_(None), MembershipAgreement.ends_on >= day
    )


def covered_on(buyer_id: BindParameter[int], day: BindParameter[dt.date]) -> Exists:
    """The SQL test of a buyer with an agreement in force on ``day`` (an order reads it
    with its campaign: :func:`nrhub.campaigns.orders.hold_campaign_for`)."""
    return exists().where(MembershipAgreement.buyer_id == buyer_id, in_force_condition(day))


# Asked on every campaign page of a buyer: built once, with parameters.
_IS_COVERED = select(covered_on(bindparam("buyer_id"), bindparam("day", type_=Date)))


def is_covered(buyer_id: int, day: dt.date) -> bool:
    return bool(db.session.execute(_IS_COVERED, {"buyer_id": buyer_id, "day": day}).scalar_one())


def shown_as_covered(buyer_id: int, day: dt.date) -> bool:
    """:func:`is_covered` for a page's notice, kept by the application until the next
    committed write to an agreement (``caching.Area.MEMBERSHIPS``). Never for a check that
    refuses an order: that one reads the agreements (:func:`covered_on`)."""
    return caching.remembered(
        "covered",
        (buyer_id, day),
        lambda: is_covered(buyer_id, day),
        area=caching.Area.MEMBERSHIPS,
        seconds=int(current_app.config.get("CAMPAIGN_CACHE_SECONDS", 0)),
    )


def not_covered_message() -> str:
    return _(
        "Votre collectivité n'a pas de convention d'adhésion en vigueur avec la centrale "
        "d'achat : elle ne peut ni passer ni modifier de commande. Contactez la coordination "
        "pour signer ou renouveler la convention."
    )


def check_covered(covered: bool) -> None:
    """Refuse an order of a buyer without a membership agreement in force on the order's
    day (Paris), ``covered`` being :func:`covered_on` as the order read it."""
    if not covered:
        raise ConflictError(not_covered_message())
