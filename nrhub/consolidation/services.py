"""Consolidating a closed campaign: preview, overrides, and the confirmation.

Each use case runs inside the caller's unit of work (:mod:`nrhub.transactions`): it only
flushes, or raises a :class:`~nrhub.errors.DomainError` and the unit rolls everything back.

Reads are bulk queries over plain rows (no ORM object per order line) so that a campaign
of 20,000 order lines consolidates in about a second on SQLite.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from nrhub.access import require
from nrhub.audit.services import record
from nrhub.auth.models import User
from nrhub.campaigns import calloffs
from nrhub.campaigns.models import CONSOLIDATED_STATES as CONSOLIDATED_STATES  # importable here too
from nrhub.campaigns.models import Campaign, CampaignState
from nrhub.consolidation import policy, steps
from nrhub.consolidation.allocation import Rule, allocate
from nrhub.consolidation.amounts import ZERO, line_amounts
from nrhub.consolidation.delivery_services import (
    confirm_receipt,
    record_not_delivered,
    ship_delivery,
)
from nrhub.consolidation.models import AllocationOverride, Consolidation, PurchaseOrder
from nrhub.consolidation.preview import (
    BuyerAllocation,
    ConsolidationPreview,
    OfferPreview,
    compute,
    load_snapshot,
    preview_consolidation,
)
from nrhub.db import rows_changed, utcnow
from nrhub.errors import ConflictError, NotFoundError, ValidationError
from nrhub.extensions import db
from nrhub.mail import queue_mails
from nrhub.organisations.queries import member_recipients

__all__ = [
    "BuyerAllocation",
    "ConsolidationPreview",
    "ConsolidationResult",
    "OfferPreview",
    "confirm_consolidation",
    "confirm_receipt",
    "preview_consolidation",
    "record_not_delivered",
    "remove_override",
    "set_override",
    "ship_delivery",
]

MIN_REASON_LENGTH = 5


def _require_closed(campaign: Campaign) -> None:
    """Refuse unless the campaign is closed, and hold its row until the commit: an override
    written or removed is then either seen by the consolidation or refused after it."""
    state = db.session.execute(
        select(Campaign.state)
        .where(Campaign.id == campaign.id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE, as the consolidation's UPDATE
    ).scalar_one_or_none()
    if state != CampaignState.CLOSED:
        raise ConflictError(
            _(
                "La consolidation n'est possible que pour une campagne clôturée "
                "et pas encore consolidée."
            )
        )


# --- Overrides --------------------------------------------------------------------------


def set_override(
    campaign: Campaign,
    order_line_id: int,
    quantity: int,
    reason: str,
    *,
    rule: Rule = Rule.PROPORTIONAL,
    by: User,
) -> AllocationOverride:
    """Pin one order line's allocation, with a written reason; the rule shares the rest.

    The pinned quantity may not exceed what the line asked, and the pinned lines of an
    offer may not exceed its committed quantity.
    """
    require(policy.can_consolidate(by))
    _require_closed(campaign)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(_("Expliquez l'ajustement (5 caractères au moins)."), field="reason")
    snapshot = load_snapshot(campaign.id)
    line = snapshot.lines.get(order_line_id)
    if line is None:
        raise NotFoundError(_("Cette ligne de commande n'appartient pas à la campagne."))
    if not 0 <= quantity <= line.quantity:
        raise ValidationError(
            _(
                "La quantité attribuée doit être comprise entre 0 et %(n)s (la quantité demandée).",
                n=line.quantity,
            ),
            field="quantity",
        )
    offer = snapshot.offers[line.offer_id]
    pinned_elsewhere = sum(
        o.quantity
        for line_id, o in snapshot.overrides.items()
        if line_id != order_line_id and snapshot.lines[line_id].offer_id == offer.id
    )
    if pinned_elsewhere + quantity > offer.committed:
        raise ConflictError(
            _(
                "Les ajustements de cette offre dépasseraient la quantité engagée (%(n)s unités).",
                n=offer.committed,
            )
        )
    demand = next(d for d in snapshot.demands() if d.offer_id == offer.id)
    computed = next(
        a.quantity for a in allocate(demand, Rule(rule)).lines if a.line_id == order_line_id
    )
    override = db.session.execute(
        select(AllocationOverride).where(AllocationOverride.order_line_id == order_line_id)
    ).scalar_one_or_none()
    if override is None:
        override = AllocationOverride(campaign_id=campaign.id, order_line_id=order_line_id)
        db.session.add(override)
    override.computed_quantity = computed
    override.rule = Rule(rule)
    override.quantity = quantity
    override.reason = reason
    override.author_id = by.id
    override.created_at = utcnow()
    db.session.flush()
    record(
        "consolidation.override",
        override,
        by=by,
        campaign_id=campaign.id,
        order_line_id=order_line_id,
        computed_quantity=computed,
        quantity=quantity,
        reason=reason,
    )
    return override


def remove_override(campaign: Campaign, order_line_id: int, *, by: User) -> None:
    """Give the line back to the rule."""
    require(policy.can_consolidate(by))
    _require_closed(campaign)
    override = db.session.execute(
        select(AllocationOverride).where(
            AllocationOverride.order_line_id == order_line_id,
            AllocationOverride.campaign_id == campaign.id,
        )
    ).scalar_one_or_none()
    if override is None:
        raise NotFoundError(_("Aucun ajustement sur cette ligne."))
    record(
        "consolidation.override_removed",
        override,
        by=by,
        campaign_id=campaign.id,
        order_line_id=order_line_id,
    )
    db.session.delete(override)
    db.session.flush()


# --- Confirmation -----------------------------------------------------------------------


@dataclass(frozen=True)
class ConsolidationResult:
    consolidation_id: int
    purchase_order_ids: tuple[int, ...]
    created: bool  # False when the campaign had already been consolidated


def existing_result(campaign_id: int) -> ConsolidationResult | None:
    consolidation_id = db.session.execute(
        select(Consolidation.id).where(Consolidation.campaign_id == campaign_id)
    ).scalar_one_or_none()
    if consolidation_id is None:
        return None
    po_ids = db.session.execute(
        select(PurchaseOrder.id)
        .where(PurchaseOrder.campaign_id == campaign_id)
        .order_by(PurchaseOrder.id)
    ).scalars()
    return ConsolidationResult(consolidation_id, tuple(po_ids), created=False)


def confirm_consolidation(
    campaign: Campaign,
    rule: Rule = Rule.PROPORTIONAL,
    *,
    by: User,
    at: dt.datetime | None = None,
    notify: bool = True,
) -> ConsolidationResult:
    """Consolidate a closed campaign, all or nothing; confirming again changes nothing.

    The first write is the campaign's compare-and-set from "closed" to "consolidated": of
    two confirmations (or a confirmation and a cancellation) only one moves the campaign,
    the other finds it moved. Then, inside the caller's unit of work: the allocations (each
    linked to its order line and purchase-order line), one purchase order per refurbisher
    numbered per year, one delivery per (purchase order, buyer), the unallocated committed
    units given back to the listings' free stock. E-mails leave after the commit.

    When the campaign is already consolidated the earlier result is answered (``created``
    false) and nothing is written; in any other state the confirmation is refused.
    """
    require(policy.can_consolidate(by))
    campaign_id = campaign.id
    now = at or utcnow()
    # A savepoint: a refusal met after the claim (overrides no longer possible) leaves
    # nothing behind, even for a caller that goes on and commits (a web redirect).
    with db.session.begin_nested():
        if not _claim(campaign_id, now):
            existing = existing_result(campaign_id)
            if existing is not None:
                return existing
            raise ConflictError(_refusal(campaign_id))
        with _cyclic_gc_paused():
            result, outcome = _consolidate(campaign_id, Rule(rule), by, now)
    # Keep the caller's copy of the campaign in step with the conditional UPDATE.
    db.session.refresh(campaign)
    if notify:
        with _cyclic_gc_paused():  # the e-mails' data: one small dict per order line
            _queue_consolidation_mails(_notices(outcome))
    return result


def _claim(campaign_id: int, now: dt.datetime) -> bool:
    """The compare-and-set that makes this call the campaign's one consolidation.

    On PostgreSQL a concurrent confirmation or cancellation waits here for the row, then
    finds the state changed; on SQLite writers are serialised by ``BEGIN IMMEDIATE``.
    """
    moved = rows_changed(
        db.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.state == CampaignState.CLOSED)
            .values(state=CampaignState.CONSOLIDATED, consolidated_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    return bool(moved == 1)


def _engage_purchase_orders(
    campaign_id: int, lot_id: int, purchase_orders: Iterable[PurchaseOrder]
) -> None:
    """Under a framework lot, the purchase orders replace the campaign's orders in the
    amount ordered; passing the lot's maximum refuses the consolidation."""
    ordered = sum((po.total_ht for po in purchase_orders), ZERO)
    calloffs.engage(lot_id, ordered - calloffs.campaign_orders_amount(campaign_id))


def _refusal(campaign_id: int) -> str:
    state = db.session.execute(
        select(Campaign.state).where(Campaign.id == campaign_id)
    ).scalar_one_or_none()
    if state == CampaignState.CANCELLED:
        return _("La campagne a été annulée : elle ne peut pas être consolidée.")
    return _(
        "La consolidation n'est possible que pour une campagne clôturée et pas encore consolidée."
    )


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector during the bulk computation.

    A 20,000-line campaign makes some 100,000 small objects, none in a reference cycle; the
    collector would rescan them again and again as they pile up (a fifth of the time, and
    the part that grows faster than the campaign). Reference counting still frees them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class _Notices:
    campaign_title: str
    buyers: dict[int, dict[str, Any]]  # lines and totals
    refurbishers: dict[int, dict[str, Any]]


@dataclass(frozen=True)
class _Outcome:
    """What the e-mails need, as plain values (the ORM objects may be expired by then)."""

    campaign_title: str
    preview: ConsolidationPreview
    purchase_orders: tuple[tuple[int, int, str, Decimal], ...]  # refurbisher, id, number, HT


def _consolidate(
    campaign_id: int, rule: Rule, by: User, now: dt.datetime
) -> tuple[ConsolidationResult, _Outcome]:
    """The writes of a consolidation, once the campaign is claimed.

    Rows are locked in one order whoever writes: the campaign (claimed), then the pending
    offers refused, then the listings by id (all stock given back in one sorted statement).
    """
    title, lot_id = db.session.execute(
        select(Campaign.title, Campaign.framework_lot_id).where(Campaign.id == campaign_id)
    ).one()
    snapshot = load_snapshot(campaign_id)
    preview = compute(campaign_id, snapshot, rule)

    consolidation = Consolidation(
        campaign_id=campaign_id, rule=rule, confirmed_by_id=by.id, confirmed_at=now
    )
    db.session.add(consolidation)

    purchase_orders = steps.create_purchase_orders(campaign_id, preview, by, now)
    po_line_ids = steps.insert_purchase_order_lines(purchase_orders, preview)
    maintenance_line_ids = steps.insert_maintenance_lines(purchase_orders, preview, po_line_ids)
    allocation_ids = steps.insert_allocations(campaign_id, snapshot, preview, rule, po_line_ids)
    steps.insert_deliveries(
        campaign_id,
        snapshot,
        preview,
        purchase_orders,
        po_line_ids,
        allocation_ids,
        maintenance_line_ids,
    )
    if lot_id is not None:
        _engage_purchase_orders(campaign_id, lot_id, purchase_orders.values())

    steps.copy_commitments(campaign_id)
    released = steps.release_undecided_offers(campaign_id, by, now)
    returned = steps.return_stock(preview, released)
    consolidation.units_returned = returned
    db.session.flush()
    record(
        "campaign.consolidated",
        object_type="campaign",
        object_id=campaign_id,
        by=by,
        rule=str(rule),
        purchase_orders=[po.number for po in purchase_orders.values()],
        allocated_units=preview.allocated,
        returned_units=returned,
        overrides=preview.overrides,
    )
    result = ConsolidationResult(
        consolidation.id, tuple(po.id for po in purchase_orders.values()), created=True
    )
    summary = tuple(
        (refurbisher_id, po.id, po.number, po.total_ht)
        for refurbisher_id, po in purchase_orders.items()
    )
    return result, _Outcome(title, preview, summary)


def _notices(outcome: _Outcome) -> _Notices:
    preview = outcome.preview
    notices = _Notices(outcome.campaign_title, _buyer_notices(preview), {})
    for refurbisher_id, po_id, number, total_ht in outcome.purchase_orders:
        lines = []
        for o in preview.offers:
            if o.offer.refurbisher_id != refurbisher_id or o.allocated <= 0:
                continue
            lines.append(
                {
                    "designation": o.offer.designation,
                    "quantity": o.allocated,
                    "unit_price": o.unit_price,
                }
            )
            lines.extend(_maintenance_notices(o))
        notices.refurbishers[refurbisher_id] = {
            "number": number,
            "id": po_id,
            "total_ht": total_ht,
            "lines": lines,
        }
    return notices


def _maintenance_notices(offer: OfferPreview) -> list[dict[str, Any]]:
    """The maintenance of one offer's allocated units, one line per offer and price."""
    units: dict[tuple[str, Decimal], int] = defaultdict(int)
    for b in offer.buyers:
        choice = b.maintenance
        if choice is not None and b.quantity > 0:
            units[(choice.label, choice.unit_price)] += b.quantity
    return [
        {
            "designation": f"{label} — {offer.offer.designation}",
            "quantity": quantity,
            "unit_price": price,
        }
        for (label, price), quantity in units.items()
    ]


def _buyer_notices(preview: ConsolidationPreview) -> dict[int, dict[str, Any]]:
    """Each buyer's e-mail data: its lines and totals as the e-mail prints them, kept as
    JSON in the outbox (:func:`nrhub.mail.queue_mails`), amounts as text."""
    notices: dict[int, dict[str, Any]] = {}
    totals: dict[int, list[Decimal]] = {}  # HT, TTC
    # 20,000 lines share a few thousand (quantity, price, rate): compute each once.
    known: dict[tuple[int, Decimal, Decimal], tuple[dict[str, str], Decimal, Decimal]] = {}

    def add(buyer_id: int, line: dict[str, Any], price: Decimal, vat_rate: Decimal) -> None:
        key = (line["quantity"], price, vat_rate)
        found = known.get(key)
        if found is None:
            a = line_amounts(line["quantity"], price, vat_rate)
            found = known[key] = ({"ht": str(a.ht), "ttc": str(a.ttc)}, a.ht, a.ttc)
        line["amount"] = found[0]
        notice = notices.get(buyer_id)
        if notice is None:
            notice = notices[buyer_id] = {"lines": []}
            totals[buyer_id] = [ZERO, ZERO]
        notice["lines"].append(line)
        total = totals[buyer_id]
        total[0] += found[1]
        total[1] += found[2]

    for offer in preview.offers:
        designation = offer.offer.designation
        refurbisher = offer.offer.refurbisher_name
        price, vat_rate = offer.unit_price, offer.offer.vat_rate
        price_text = str(price)
        for b in offer.buyers:
            line = {
                "designation": designation,
                "refurbisher": refurbisher,
                "asked": b.asked,
                "quantity": b.quantity,
                "unit_price": price_text,
            }
            add(b.buyer_id, line, price, vat_rate)
            choice = b.maintenance
            if choice is not None:
                line = {
                    "designation": f"{choice.label} — {designation}",
                    "refurbisher": refurbisher,
                    "asked": b.asked,
                    "quantity": b.quantity,
                    "unit_price": str(choice.unit_price),
                }
                add(b.buyer_id, line, choice.unit_price, choice.vat_rate)
    for buyer_id, (ht, ttc) in totals.items():
        notices[buyer_id].update(total_ht=str(ht), total_ttc=str(ttc))
    return notices


def _queue_consolidation_mails(notices: _Notices) -> None:
    """Each buyer learns its allocation, each refurbisher its purchase order (each person
    in the language of their account). The request writes the messages' data to the
    outbox; the sender renders them (a thousand buyers' e-mails would double its time)."""
    recipients = member_recipients([*notices.buyers, *notices.refurbishers])
    title = notices.campaign_title
    allocation_subject = _l("Campagne « %(title)s » : votre attribution", title=title)
    queue_mails(
        "consolidation_buyer",
        (
            (
                recipients.get(buyer_id, []),
                allocation_subject,
                {"campaign_title": title, **notice},
            )
            for buyer_id, notice in notices.buyers.items()
        ),
    )
    queue_mails(
        "consolidation_refurbisher",
        (
            (
                recipients.get(refurbisher_id, []),
                _l(
                    "Bon de commande %(number)s — campagne « %(title)s »",
                    number=po["number"],
                    title=title,
                ),
                {"campaign_title": title, "purchase_order": po},
            )
            for refurbisher_id, po in notices.refurbishers.items()
        ),
    )
