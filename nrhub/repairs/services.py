"""Repair requests: a buyer opens one on units it received; the refurbisher answers and
moves it open → in progress → repaired / replaced / refused. Both sides are e-mailed.

Each use case checks first, then writes inside the caller's unit of work
(:mod:`nrhub.transactions`); a refusal raises a :class:`~nrhub.errors.DomainError` with a
French message and writes nothing. E-mails leave after the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from nrhub import photos as photo_files
from nrhub.access import require
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.consolidation.models import Delivery, DeliveryLine, DeliveryStatus, PurchaseOrderLine
from nrhub.db import rows_changed, utcnow
from nrhub.errors import ConflictError, NotFoundError, ValidationError
from nrhub.extensions import db
from nrhub.mail import absolute_url, queue_mail
from nrhub.organisations.models import Organisation
from nrhub.organisations.queries import member_recipients
from nrhub.repairs import policy
from nrhub.repairs.labels import STATUS_LABELS, status_label
from nrhub.repairs.models import (
    NEXT_STATUSES,
    RepairMessage,
    RepairPhoto,
    RepairRequest,
    RepairStatus,
)

MAX_DESCRIPTION_LENGTH = 4_000
MAX_MESSAGE_LENGTH = 4_000
MAX_PHOTOS = photo_files.MAX_PHOTOS


@dataclass(frozen=True)
class RepairInput:
    delivery_line_id: int
    quantity: int
    description: str


def open_repair_request(
    data: RepairInput,
    photos: Sequence[bytes] = (),
    *,
    by: User,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> RepairRequest:
    """A buyer's person asks the refurbisher to repair units of a line it received.

    The line must belong to one of the buyer's received deliveries (another buyer's line is
    "not found"), and the units asked may not exceed the units received on it.
    """
    require(policy.can_request_repairs(by))
    now = now or utcnow()
    row = db.session.execute(
        select(DeliveryLine, Delivery)
        .join(Delivery, Delivery.id == DeliveryLine.delivery_id)
        .where(DeliveryLine.id == data.delivery_line_id)
    ).first()
    if row is None or row.Delivery.buyer_id != by.organisation_id:
        raise NotFoundError(_("Cette ligne de livraison n'existe pas ou n'est pas la vôtre."))
    line, delivery = row
    if delivery.status != DeliveryStatus.RECEIVED:
        raise ConflictError(
            _("Une réparation se demande sur une livraison dont la réception est confirmée.")
        )
    received = line.received_quantity or 0
    if not 1 <= data.quantity <= received:
        raise ValidationError(
            _(
                "Le nombre d'unités doit être compris entre 1 et %(n)d (les unités reçues).",
                n=received,
            )
            if received
            else _("Aucune unité de cette ligne n'a été reçue."),
            field="quantity",
        )
    description = (data.description or "").strip()
    if not description:
        raise ValidationError(_("Décrivez ce qui ne fonctionne pas."), field="description")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            _("La description est trop longue (4 000 caractères au plus)."), field="description"
        )
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("Joignez au plus %(n)d photos.", n=MAX_PHOTOS), field="photos")
    images = [photo_files.check_image(data_bytes, field="photos") for data_bytes in photos]

    request = RepairRequest(
        buyer_id=delivery.buyer_id,
        refurbisher_id=delivery.refurbisher_id,
        delivery_id=delivery.id,
        delivery_line_id=line.id,
        quantity=data.quantity,
        description=description,
        status=RepairStatus.OPEN,
        opened_by_id=by.id,
        opened_at=now,
    )
    db.session.add(request)
    db.session.flush()
    for image in images:
        photo_files.add_photo(RepairPhoto, image, request_id=request.id, created_at=now)
    record(
        "repair.opened",
        request,
        by=by,
        delivery_id=delivery.id,
        delivery_line_id=line.id,
        quantity=data.quantity,
        photos=len(images),
    )
    db.session.flush()
    if notify:
        _notify(
            request,
            "repair_opened",
            _l("Nouvelle demande de réparation — n° %(id)s", id=request.id),
        )
    return request


def add_message(
    request: RepairRequest,
    body: str,
    *,
    by: User,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> RepairMessage:
    """Either side writes in the request's thread; the other side is e-mailed."""
    require(policy.can_write(by, request))
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Le message est vide."), field="body")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            _("Le message est trop long (4 000 caractères au plus)."), field="body"
        )
    message = RepairMessage(
        request_id=request.id,
        organisation_id=by.organisation_id,
        author_id=by.id,
        body=body,
        created_at=now or utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    record("repair.message", request, by=by, message_id=message.id)
    db.session.flush()
    if notify:
        _notify(
            request,
            "repair_message",
            _l("Nouveau message — demande de réparation n° %(id)s", id=request.id),
            message=body,
        )
    return message


def change_status(
    request: RepairRequest,
    status: RepairStatus | str,
    message: str = "",
    *,
    by: User,
    now: dt.datetime | None = None,
    notify: bool = True,
) -> RepairRequest:
    """The refurbisher of the delivery moves the request one step forward.

    open → in progress or refused; in progress → repaired, replaced or refused. The date
    of each step is kept; refusing needs a message to the buyer.
    """
    require(policy.can_advance(by, request))
    try:
        new = RepairStatus(status)
    except ValueError as err:
        raise ValidationError(_("Statut inconnu."), field="status") from err
    current = RepairStatus(request.status)
    if new not in NEXT_STATUSES[current]:
        raise ConflictError(
            _(
                "Une demande « %(current)s » ne peut pas passer à « %(new)s ».",
                current=status_label(current),
                new=status_label(new),
            )
        )
    body = (message or "").strip()
    if new == RepairStatus.REFUSED and not body:
        raise ValidationError(
            _("Expliquez à l'acheteur pourquoi la demande est refusée."), field="message"
        )
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            _("Le message est trop long (4 000 caractères au plus)."), field="message"
        )
    now = now or utcnow()
    values: dict[str, object] = {"status": new}
    if new == RepairStatus.IN_PROGRESS:
        values["in_progress_at"] = now
    else:
        values["resolved_at"] = now
    moved = rows_changed(
        db.session.execute(
            update(RepairRequest)
            .where(RepairRequest.id == request.id, RepairRequest.status == current)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    )
    if moved != 1:
        raise ConflictError(_("La demande vient d'être modifiée : rechargez la page."))
    for name, value in values.items():
        set_committed_value(request, name, value)
    db.session.add(
        RepairMessage(
            request_id=request.id,
            organisation_id=by.organisation_id,
            author_id=by.id,
            body=body,
            status=new,
            created_at=now,
        )
    )
    record("repair.status", request, by=by, previous=str(current), status=str(new))
    db.session.flush()
    if notify:
        _notify(
            request,
            "repair_status",
            _l(
                "Demande de réparation n° %(id)s : %(status)s",
                id=request.id,
                status=STATUS_LABELS[new],
            ),
            message=body,
        )
    return request


def _notify(request: RepairRequest, template: str, subject: object, message: str = "") -> None:
    """Both organisations' people learn of each step (after the commit), each in the
    language of their account."""
    names = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_((request.buyer_id, request.refurbisher_id))
            )
        ).all()
    )
    designation = db.session.execute(
        select(PurchaseOrderLine.designation)
        .join(DeliveryLine, DeliveryLine.purchase_order_line_id == PurchaseOrderLine.id)
        .where(DeliveryLine.id == request.delivery_line_id)
    ).scalar_one()
    recipients = member_recipients((request.buyer_id, request.refurbisher_id))
    for org_id, endpoint in (
        (request.buyer_id, "repairs.buyer_detail"),
        (request.refurbisher_id, "repairs.refurbisher_detail"),
    ):
        queue_mail(
            recipients.get(org_id, []),
            subject,
            template,
            request=request,
            status=STATUS_LABELS[RepairStatus(request.status)],
            designation=designation,
            buyer_name=names.get(request.buyer_id, ""),
            refurbisher_name=names.get(request.refurbisher_id, ""),
            message=message,
            link=absolute_url(endpoint, request_id=request.id),
        )
