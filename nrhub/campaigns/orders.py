"""Use cases of the buyers' orders in an open campaign: place or change the one order, cancel it.

Each function runs inside the caller's unit of work: it checks the rules, writes, records
the audit event and flushes, or raises a :class:`~nrhub.errors.DomainError` with a French
message (the unit of work undoes the request). The order's row is locked, or its status
moved by compare-and-set, so that two people of one buyer, or a buyer and a cancelled
campaign, never both change one order on stale data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Date, Result, Select, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from nrhub.access import require
from nrhub.agreements import memberships
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns import calloffs, policy, queries
from nrhub.campaigns.messages import _
from nrhub.campaigns.models import (
    Campaign,
    CampaignOffer,
    CampaignState,
    OfferStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from nrhub.campaigns.services import MAX_ORDER_QUANTITY
from nrhub.campaigns.states import move_order
from nrhub.catalog.maintenance import check_choices
from nrhub.catalog.models import MaintenanceOffer
from nrhub.db import utcnow
from nrhub.errors import (
    ConflictError,
    ValidationError,
)
from nrhub.extensions import db
from nrhub.formatting import format_datetime, paris_date_of


def _order_snapshot(
    lines: Mapping[int, int], maintenance: Mapping[int, int | None] | None = None
) -> list[dict[str, int]]:
    snapshot = [{"offer_id": oid, "quantity": q} for oid, q in sorted(lines.items())]
    for row in snapshot:
        maintenance_id = (maintenance or {}).get(row["offer_id"])
        if maintenance_id:
            row["maintenance_offer_id"] = maintenance_id
    return snapshot


def _checked_maintenance(
    campaign_id: int, choices: Mapping[int, int | None]
) -> dict[int, MaintenanceOffer | None]:
    """The maintenance chosen per campaign offer, each an active offer of its listing."""
    if not choices:
        return {}
    listing_of_offer = dict(
        db.session.execute(
            select(CampaignOffer.id, CampaignOffer.listing_id).where(
                CampaignOffer.campaign_id == campaign_id, CampaignOffer.id.in_(set(choices))
            )
        ).all()
    )
    return check_choices(choices, listing_of_offer)


class HeldCampaign(NamedTuple):
    """What an order reads first, in one statement: its campaign's row, read as committed
    and held (FOR SHARE on PostgreSQL) until the end of the transaction, so that a close,
    a cancel or a consolidation waits for the order, then sees it; and whether the buyer
    has a membership agreement in force on the order's day."""

    id: int
    state: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    framework_lot_id: int | None
    buyer_covered: bool

    def check_open(self, now: dt.datetime) -> None:
        """Refuse unless the campaign takes orders at ``now``."""
        if not (self.state == CampaignState.OPEN and self.opens_at <= now < self.closes_at):
            raise ConflictError(
                _(
                    "La campagne n'accepte pas de commande en ce moment "
                    "(commandes du %(opens)s au %(closes)s).",
                    opens=format_datetime(self.opens_at),
                    closes=format_datetime(self.closes_at),
                )
            )


# Run on every order: built once, with parameters.
_HOLD_CAMPAIGN = (
    select(
        Campaign.id,
        Campaign.state,
        Campaign.opens_at,
        Campaign.closes_at,
        Campaign.framework_lot_id,
        memberships.covered_on(bindparam("buyer_id"), bindparam("day", type_=Date)).label(
            "buyer_covered"
        ),
    )
    .where(Campaign.id == bindparam("campaign_id"))
    .with_for_update(read=True, of=Campaign)
)


def _hold(campaign_id: int, buyer_id: int, now: dt.datetime) -> Result[Any]:
    return db.session.execute(
        _HOLD_CAMPAIGN,
        {"campaign_id": campaign_id, "buyer_id": buyer_id, "day": paris_date_of(now)},
    )


def hold_campaign_for(user: User, campaign_id: int, now: dt.datetime) -> HeldCampaign:
    """The campaign ``user`` orders in at ``now``, read and held in one statement (for the
    API, which needs no more of it): 404 as
    :func:`~nrhub.campaigns.queries.get_campaign_for` when this person may not see it.
    :func:`place_order`, given the same ``now``, then checks the rest."""
    row = _hold(campaign_id, user.organisation_id, now).first()
    if row is None or not queries.state_visible_to(user, row.state):
        raise queries.campaign_not_found()
    return HeldCampaign._make(row)


def _held(campaign_id: int, buyer_id: int, now: dt.datetime) -> HeldCampaign:
    """:class:`HeldCampaign` of a campaign the caller has read."""
    return HeldCampaign._make(_hold(campaign_id, buyer_id, now).one())


def _new_order(campaign_id: int, by: User, now: dt.datetime) -> Order:
    """Insert the buyer's order row in a savepoint: when two people of one buyer create it
    at the same moment, the unique constraint refuses the second, and only its insert is
    undone."""
    order = Order(
        campaign_id=campaign_id, buyer_id=by.organisation_id, created_at=now, updated_at=now
    )
    order.lines = []
    try:
        with db.session.begin_nested():
            db.session.add(order)
    except IntegrityError as err:
        raise ConflictError(
            _("Votre organisation vient d'enregistrer une commande : rechargez la page.")
        ) from err
    return order


def _offers_held(*conditions: Any) -> Select[int]:
    """The ids of the offers meeting ``conditions``, locked (FOR NO KEY UPDATE: the lines'
    foreign keys still take them) in the order of their ids: an offer cannot be withdrawn
    or refused while an order takes it, and two orders update the offers' demand
    (nrhub.campaigns.demand) one after the other, never in a circle."""
    return (
        select(CampaignOffer.id)
        .where(*conditions)
        .order_by(CampaignOffer.id)
        .with_for_update(key_share=True)
    )


# Built once, as the statements below: the offers an order changes...
_HOLD_OFFERS = _offers_held(
    CampaignOffer.id.in_(bindparam("offer_ids", expanding=True)),
    CampaignOffer.campaign_id == bindparam("campaign_id"),
    CampaignOffer.status == OfferStatus.ACCEPTED,
)
# ... and those of an order's lines, for its cancellation.
_HOLD_OFFERS_OF_ORDER = _offers_held(
    CampaignOffer.id.in_(
        select(OrderLine.offer_id).where(OrderLine.order_id == bindparam("order_id"))
    )
)
# The order is locked, then its lines are read by a second statement: under
# READ COMMITTED a statement that waits for a lock still reads the other tables as they
# were when it began, so lines joined to the lock would miss what the change it waited
# for wrote (tests/campaigns/test_concurrency.py).
_LOCK_ORDER = (
    select(Order)
    .where(Order.campaign_id == bindparam("campaign_id"), Order.buyer_id == bindparam("buyer_id"))
    .with_for_update()
    .execution_options(populate_existing=True)
)
_ORDER_LINES = (
    select(OrderLine)
    .where(OrderLine.order_id == bindparam("order_id"))
    .order_by(OrderLine.id)
    .execution_options(populate_existing=True)
)


def place_order(
    campaign: Campaign | HeldCampaign,
    quantities: Mapping[int, int],
    *,
    by: User,
    now: dt.datetime | None = None,
    maintenance: Mapping[int, int | None] | None = None,
) -> Order:
    """Create or change the buyer's one order in an open campaign.

    ``quantities`` maps accepted offers of the campaign to the wanted quantity; 0 removes
    the line, offers not mentioned keep their line. Every real change is appended to the
    order's history; an unchanged order is left as it was. ``maintenance`` maps offers to
    the chosen maintenance offer of their listing (None: none); offers not mentioned keep
    their choice. ``campaign`` is the campaign, or what :func:`hold_campaign_for` read of
    it for ``now`` (the API reads nothing else of it).
    """
    now = now or utcnow()
    require(policy.can_place_order(by))
    held = (
        campaign
        if isinstance(campaign, HeldCampaign)
        else _held(campaign.id, by.organisation_id, now)
    )
    held.check_open(now)
    memberships.check_covered(held.buyer_covered)
    campaign_id, lot_id = held.id, held.framework_lot_id
    for offer_id, quantity in quantities.items():
        if not isinstance(quantity, int) or not 0 <= quantity <= MAX_ORDER_QUANTITY:
            raise ValidationError(
                _("Quantité invalide : entre 0 et %(max)d.", max=MAX_ORDER_QUANTITY),
                field=f"qty_{offer_id}",
            )
    wanted_ids = set(quantities)
    valid_ids = set(
        db.session.execute(
            _HOLD_OFFERS, {"offer_ids": list(wanted_ids), "campaign_id": campaign_id}
        ).scalars()
    )
    if wanted_ids - valid_ids:
        raise ValidationError(_("Une des offres n'est pas ou plus proposée dans cette campagne."))
    chosen = _checked_maintenance(campaign_id, maintenance or {})
    order = db.session.execute(
        _LOCK_ORDER, {"campaign_id": campaign_id, "buyer_id": by.organisation_id}
    ).scalar_one_or_none()
    if order is not None:
        lines = db.session.execute(_ORDER_LINES, {"order_id": order.id}).scalars().all()
        set_committed_value(order, "lines", list(lines))
    # What the order weighed against the framework lot before this change.
    amount_before = calloffs.order_amount(order.id) if order and lot_id else Decimal("0")
    if order is None:
        order = _new_order(campaign_id, by, now)
        action = "created"
    elif order.status == OrderStatus.CANCELLED:
        action = "reactivated"
    else:
        action = "updated"
    current = {line.offer_id: line.quantity for line in order.lines}
    target = dict(current) | {oid: q for oid, q in quantities.items()}
    target = {oid: q for oid, q in target.items() if q > 0}
    if not target:
        if action == "updated":
            raise ValidationError(
                _("Votre commande serait vide : pour renoncer, annulez la commande.")
            )
        raise ValidationError(_("Indiquez au moins une quantité."))
    current_maintenance = {line.offer_id: line.maintenance_offer_id for line in order.lines}
    target_maintenance = {
        oid: (offer.id if (offer := chosen.get(oid)) is not None else None)
        if oid in chosen
        else current_maintenance.get(oid)
        for oid in target
    }
    if (
        action == "updated"
        and target == current
        and target_maintenance == {oid: current_maintenance.get(oid) for oid in target}
    ):
        return order
    by_offer = {line.offer_id: line for line in order.lines}
    for offer_id, line in by_offer.items():
        if offer_id not in target:
            order.lines.remove(line)
        elif line.quantity != target[offer_id]:
            line.quantity = target[offer_id]
            line.updated_at = now
    for offer_id, quantity in target.items():
        if offer_id not in by_offer:
            order.lines.append(OrderLine(offer_id=offer_id, quantity=quantity, updated_at=now))
    for line in order.lines:
        if line.offer_id in chosen:
            choice = chosen[line.offer_id]
            line.maintenance_offer_id = choice.id if choice else None
            line.maintenance_unit_price = choice.unit_price if choice else None
    order.status = OrderStatus.ACTIVE
    order.updated_at = now
    if lot_id is not None:
        # The order's new amount is read from its lines as written.
        db.session.flush()
        calloffs.engage(lot_id, calloffs.order_amount(order.id) - amount_before)
    snapshot = _order_snapshot(target, target_maintenance)
    db.session.add(
        OrderEvent(order_id=order.id, at=now, actor_id=by.id, action=action, lines=snapshot)
    )
    record(f"order.{action}", order, by=by, campaign_id=campaign_id, lines=snapshot)
    db.session.flush()
    return order


def cancel_order(order: Order, *, by: User, now: dt.datetime | None = None) -> Order:
    """The buyer gives up its order while the campaign is open (history is kept)."""
    now = now or utcnow()
    require(policy.can_cancel_order(by, order))
    held = _held(order.campaign_id, order.buyer_id, now)  # its membership is not checked
    held.check_open(now)
    lot_id = held.framework_lot_id
    # Before the order's row, as an order change takes them.
    db.session.execute(_HOLD_OFFERS_OF_ORDER, {"order_id": order.id}).all()
    amount_before = calloffs.order_amount(order.id) if lot_id else Decimal("0")
    if not move_order(order.id, (OrderStatus.ACTIVE,), OrderStatus.CANCELLED, updated_at=now):
        raise ConflictError(_("Cette commande est déjà annulée."))
    db.session.execute(delete(OrderLine).where(OrderLine.order_id == order.id))
    calloffs.engage(lot_id, -amount_before)
    db.session.expire(order, ["lines"])
    db.session.add(OrderEvent(order_id=order.id, at=now, actor_id=by.id, action="cancelled"))
    record("order.cancelled", order, by=by, campaign_id=order.campaign_id)
    db.session.flush()
    return order
