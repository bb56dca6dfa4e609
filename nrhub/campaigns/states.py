"""Compare-and-set moves of campaigns, offers and orders from one state to another.

Each move is one conditional ``UPDATE … SET state = :to WHERE id = :id AND state IN
(:allowed)``: of two concurrent requests, only the one whose statement changed the row goes
on to its side effects (units given back, orders cancelled, e-mails); the other sees the
row already moved and is refused. Reading the state first and writing it afterwards gave
the same units back several times under parallel cancels on PostgreSQL.

The session's copies of the moved rows have the written columns expired, so that they read
the new values.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, select, update
from sqlalchemy.orm.util import identity_key

from nrhub.campaigns.models import (
    HOLDING_STATUSES,
    Campaign,
    CampaignOffer,
    CampaignState,
    OfferStatus,
    Order,
    OrderStatus,
)
from nrhub.db import rows_changed
from nrhub.extensions import db


def move_campaign(
    campaign_id: int,
    allowed: Collection[CampaignState],
    to: CampaignState,
    *,
    provided: Sequence[ColumnElement[bool]] = (),
    **values: Any,
) -> bool:
    """Move the campaign to ``to`` if it is in one of the ``allowed`` states (and meets the
    ``provided`` conditions on its row); True if moved."""
    result = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.state.in_(list(allowed)), *provided)
        .values(state=to, **values)
        .execution_options(synchronize_session=False)
    )
    _expire(Campaign, [campaign_id], ["state", *values])
    return bool(rows_changed(result) == 1)


def current_state(campaign_id: int) -> CampaignState:
    """The campaign's state as committed now (after a move that changed nothing)."""
    state = db.session.execute(
        select(Campaign.state).where(Campaign.id == campaign_id)
    ).scalar_one()
    return CampaignState(state)


def move_offer(
    offer_id: int, allowed: Collection[OfferStatus], to: OfferStatus, **values: Any
) -> bool:
    """Move one offer to ``to`` if its status is one of ``allowed``; True if moved."""
    result = db.session.execute(
        update(CampaignOffer)
        .where(CampaignOffer.id == offer_id, CampaignOffer.status.in_(list(allowed)))
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    _expire(CampaignOffer, [offer_id], ["status", *values])
    return bool(rows_changed(result) == 1)


def change_commitment(offer_id: int, before: int, after: int) -> bool:
    """Set an offer's committed quantity from ``before`` to ``after`` while it holds units;
    True if changed (False: the offer left its holding status or its quantity changed)."""
    result = db.session.execute(
        update(CampaignOffer)
        .where(
            CampaignOffer.id == offer_id,
            CampaignOffer.status.in_(HOLDING_STATUSES),
            CampaignOffer.committed_quantity == before,
        )
        .values(committed_quantity=after)
        .execution_options(synchronize_session=False)
    )
    _expire(CampaignOffer, [offer_id], ["committed_quantity"])
    return bool(rows_changed(result) == 1)


def move_offers_of(
    campaign_id: int, allowed: Collection[OfferStatus], to: OfferStatus, **values: Any
) -> Sequence[Row[int, int, int, int]]:
    """Move every offer of the campaign whose status is in ``allowed``; the moved ones, as
    (id, listing_id, committed_quantity, refurbisher_id), by id.

    Each offer is moved by this statement or by a concurrent one, never by both: only the
    rows returned here are this caller's to act on.
    """
    rows = db.session.execute(
        update(CampaignOffer)
        .where(CampaignOffer.campaign_id == campaign_id, CampaignOffer.status.in_(list(allowed)))
        .values(status=to, **values)
        .returning(
            CampaignOffer.id,
            CampaignOffer.listing_id,
            CampaignOffer.committed_quantity,
            CampaignOffer.refurbisher_id,
        )
        .execution_options(synchronize_session=False)
    ).all()
    _expire(CampaignOffer, [row.id for row in rows], ["status", *values])
    return sorted(rows, key=lambda row: row.id)


def move_order(
    order_id: int, allowed: Collection[OrderStatus], to: OrderStatus, **values: Any
) -> bool:
    """Move one order to ``to`` if its status is one of ``allowed``; True if moved."""
    result = db.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status.in_(list(allowed)))
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    _expire(Order, [order_id], ["status", *values])
    return bool(rows_changed(result) == 1)


def move_orders_of(
    campaign_id: int, allowed: Collection[OrderStatus], to: OrderStatus, **values: Any
) -> Sequence[Row[int, int]]:
    """Move every order of the campaign whose status is in ``allowed``; the moved ones, as
    (id, buyer_id), by id."""
    rows = db.session.execute(
        update(Order)
        .where(Order.campaign_id == campaign_id, Order.status.in_(list(allowed)))
        .values(status=to, **values)
        .returning(Order.id, Order.buyer_id)
        .execution_options(synchronize_session=False)
    ).all()
    _expire(Order, [row.id for row in rows], ["status", *values])
    return sorted(rows, key=lambda row: row.id)


def _expire(model: type, ids: Collection[int], attributes: list[str]) -> None:
    for object_id in ids:
        instance = db.session.identity_map.get(identity_key(model, object_id))
        if instance is not None:
            db.session.expire(instance, attributes)
