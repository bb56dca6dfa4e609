"""Repair requests: opening, messages and each step, refused ones changing nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from nrhub.consolidation.models import DeliveryStatus
from nrhub.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from nrhub.extensions import db
from nrhub.repairs import services
from nrhub.repairs.models import RepairMessage, RepairPhoto, RepairRequest, RepairStatus
from nrhub.repairs.services import RepairInput
from tests.repairs.conftest import consolidate, delivery_of, lines_of, ship_and_receive

T = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(out, format="PNG")
    return out.getvalue()


def laptop_line(world, buyer_index: int = 0):
    return lines_of(delivery_of(world, world.refurbisher_a, buyer_index))[0]


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def repair(received, request_ctx) -> RepairRequest:
    line = laptop_line(received)
    return services.open_repair_request(
        RepairInput(line.id, 2, "L'écran reste noir."),
        by=received.people["buyer1"],
        now=T,
        notify=False,
    )


def test_open_request_on_received_units_with_photo_and_mails(received, request_ctx, outbox):
    world = received
    line = laptop_line(world)
    request = services.open_repair_request(
        RepairInput(line.id, 3, "  Clavier défectueux.  "),
        [png()],
        by=world.people["buyer1"],
        now=T,
    )
    db.session.expire_all()
    assert request.status == RepairStatus.OPEN
    assert (request.buyer_id, request.refurbisher_id) == (
        world.buyers[0].id,
        world.refurbisher_a.id,
    )
    assert (request.delivery_line_id, request.quantity) == (line.id, 3)
    assert request.description == "Clavier défectueux."
    assert request.opened_at == T
    assert count(RepairPhoto) == 1
    assert sorted(m.to[0] for m in outbox) == ["acheteur1@test.fr", "atelier-a@test.fr"]
    assert "Clavier défectueux." in outbox[0].body


def test_units_above_received_are_refused(received, request_ctx):
    line = laptop_line(received)  # 3 received
    with pytest.raises(ValidationError) as err:
        services.open_repair_request(
            RepairInput(line.id, 4, "Panne."), by=received.people["buyer1"], notify=False
        )
    assert err.value.field == "quantity"
    assert "entre 1 et 3" in err.value.message
    assert count(RepairRequest) == 0


def test_request_on_another_buyers_delivery_is_not_found(received, request_ctx):
    line = laptop_line(received, buyer_index=1)  # buyer 2's line
    with pytest.raises(NotFoundError):
        services.open_repair_request(
            RepairInput(line.id, 1, "Panne."), by=received.people["buyer1"], notify=False
        )
    assert count(RepairRequest) == 0


def test_request_on_a_delivery_not_received_is_refused(world, request_ctx):
    consolidate(world)
    pending = delivery_of(world, world.refurbisher_a, 0)
    ship_and_receive(world, keep_pending=(pending,))
    assert pending.status == DeliveryStatus.SHIPPED
    with pytest.raises(ConflictError):
        services.open_repair_request(
            RepairInput(lines_of(pending)[0].id, 1, "Panne."),
            by=world.people["buyer1"],
            notify=False,
        )
    assert count(RepairRequest) == 0


@pytest.mark.parametrize("person", ["refurbisher_a", "coordinator"])
def test_only_buyers_open_requests(received, request_ctx, person):
    with pytest.raises(PermissionDeniedError):
        services.open_repair_request(
            RepairInput(laptop_line(received).id, 1, "Panne."),
            by=received.people[person],
            notify=False,
        )
    assert count(RepairRequest) == 0


def test_description_and_photos_are_checked(received, request_ctx):
    line = laptop_line(received)
    with pytest.raises(ValidationError) as err:
        services.open_repair_request(
            RepairInput(line.id, 1, "   "), by=received.people["buyer1"], notify=False
        )
    assert err.value.field == "description"
    with pytest.raises(ValidationError) as err:
        services.open_repair_request(
            RepairInput(line.id, 1, "Panne."),
            [b"not an image"],
            by=received.people["buyer1"],
            notify=False,
        )
    assert err.value.field == "photos"
    assert count(RepairRequest) == 0 and count(RepairPhoto) == 0


def test_full_path_open_in_progress_repaired_keeps_each_date(repair, received, outbox):
    later = T + dt.timedelta(days=1)
    done = T + dt.timedelta(days=4)
    services.change_status(
        repair, RepairStatus.IN_PROGRESS, "", by=received.people["refurbisher_a"], now=later
    )
    services.change_status(
        repair,
        RepairStatus.REPAIRED,
        "Dalle remplacée.",
        by=received.people["refurbisher_a"],
        now=done,
    )
    db.session.expire_all()
    assert repair.status == RepairStatus.REPAIRED
    assert (repair.opened_at, repair.in_progress_at, repair.resolved_at) == (T, later, done)
    steps = db.session.execute(
        select(RepairMessage.status, RepairMessage.body).order_by(RepairMessage.id)
    ).all()
    assert steps == [("in_progress", ""), ("repaired", "Dalle remplacée.")]
    assert len(outbox) == 4  # both sides, at each step
    assert "réparée" in outbox[-1].subject


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ((RepairStatus.IN_PROGRESS,), True),
        ((RepairStatus.REFUSED,), True),
        ((RepairStatus.REPAIRED,), False),
        ((RepairStatus.REPLACED,), False),
        ((RepairStatus.OPEN,), False),
        ((RepairStatus.IN_PROGRESS, RepairStatus.REPLACED), True),
        ((RepairStatus.IN_PROGRESS, RepairStatus.REFUSED), True),
        ((RepairStatus.IN_PROGRESS, RepairStatus.OPEN), False),
        ((RepairStatus.IN_PROGRESS, RepairStatus.IN_PROGRESS), False),
        ((RepairStatus.IN_PROGRESS, RepairStatus.REPAIRED, RepairStatus.REFUSED), False),
        ((RepairStatus.REFUSED, RepairStatus.IN_PROGRESS), False),
    ],
)
def test_transitions(repair, received, path, allowed):
    person = received.people["refurbisher_a"]
    *before, last = path
    for status in before:
        services.change_status(repair, status, "Motif.", by=person, notify=False)
    previous = repair.status
    if allowed:
        services.change_status(repair, last, "Motif.", by=person, notify=False)
        assert repair.status == last
    else:
        with pytest.raises(ConflictError):
            services.change_status(repair, last, "Motif.", by=person, notify=False)
        db.session.expire_all()
        assert repair.status == previous


def test_refusal_needs_a_message(repair, received):
    with pytest.raises(ValidationError) as err:
        services.change_status(
            repair, RepairStatus.REFUSED, "  ", by=received.people["refurbisher_a"], notify=False
        )
    assert err.value.field == "message"
    db.session.expire_all()
    assert repair.status == RepairStatus.OPEN and repair.resolved_at is None
    assert count(RepairMessage) == 0


def test_unknown_status_is_refused(repair, received):
    with pytest.raises(ValidationError):
        services.change_status(
            repair, "fixed", "", by=received.people["refurbisher_a"], notify=False
        )


def test_other_refurbisher_and_buyers_cannot_move_a_request(repair, received):
    with pytest.raises(NotFoundError):
        services.change_status(
            repair, RepairStatus.IN_PROGRESS, "", by=received.people["refurbisher_b"], notify=False
        )
    for person in ("buyer1", "coordinator"):
        with pytest.raises(PermissionDeniedError):
            services.change_status(
                repair, RepairStatus.IN_PROGRESS, "", by=received.people[person], notify=False
            )
    db.session.expire_all()
    assert repair.status == RepairStatus.OPEN


def test_messages_from_both_sides_only(repair, received, outbox):
    services.add_message(repair, "Quand passez-vous ?", by=received.people["buyer1"])
    services.add_message(repair, "Jeudi matin.", by=received.people["refurbisher_a"])
    assert count(RepairMessage) == 2
    assert len(outbox) == 4
    with pytest.raises(NotFoundError):
        services.add_message(repair, "Bonjour", by=received.people["buyer2"], notify=False)
    with pytest.raises(NotFoundError):
        services.add_message(repair, "Bonjour", by=received.people["refurbisher_b"], notify=False)
    with pytest.raises(PermissionDeniedError):
        services.add_message(repair, "Bonjour", by=received.people["coordinator"], notify=False)
    with pytest.raises(ValidationError):
        services.add_message(repair, " ", by=received.people["buyer1"], notify=False)
    assert count(RepairMessage) == 2
