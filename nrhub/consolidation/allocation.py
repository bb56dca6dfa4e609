"""Sharing an offer's committed units among the buyers' order lines (pure: no Flask, no DB).

When the demand for an offer fits in its committed quantity, every line gets what it asked.
Otherwise the units are shared by one of two rules:

- proportional (the default): each line first gets the floor of its exact share
  ``committed × asked / demand``; the units left go one each to the largest remainders;
- first come, first served: lines are served whole, in order, until the units run out.

Ties (equal remainders; the order of service) go to the earliest order, by its submission
time (when the buyer last sent it: changing an order sends it again), then to the lower
buyer id, so that the result never depends on how the requests are listed.

A coordinator may pin ("override") some lines to a fixed quantity; the rule then shares
what is left of the committed quantity among the other lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Rule(StrEnum):
    PROPORTIONAL = "proportional"
    FIFO = "fifo"


class AllocationInputError(ValueError):
    """The input cannot be allocated (duplicate line, impossible override…)."""


@dataclass(frozen=True)
class Request:
    """One order line asking ``quantity`` units, from the order of ``buyer_id`` submitted at
    ``submitted_at``."""

    line_id: int
    quantity: int
    submitted_at: dt.datetime
    buyer_id: int


@dataclass(frozen=True)
class OfferDemand:
    offer_id: int
    committed: int
    requests: tuple[Request, ...]


@dataclass(frozen=True)
class LineAllocation:
    line_id: int
    asked: int
    quantity: int


@dataclass(frozen=True)
class OfferAllocation:
    offer_id: int
    committed: int
    demand: int
    lines: tuple[LineAllocation, ...]  # by line id

    @property
    def allocated(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def unallocated(self) -> int:
        return self.committed - self.allocated

    @property
    def is_short(self) -> bool:
        return self.demand > self.committed


def _tie_key(request: Request) -> tuple[dt.datetime, int, int]:
    """Earliest order first, then lower buyer id (the line id only orders the lines of one
    buyer, which a campaign's offer never has twice)."""
    return (request.submitted_at, request.buyer_id, request.line_id)


def _proportional(units: int, requests: list[Request]) -> dict[int, int]:
    demand = sum(r.quantity for r in requests)
    shares: dict[int, int] = {}
    remainders: list[tuple[int, Request]] = []
    for request in requests:
        whole, remainder = divmod(units * request.quantity, demand)
        shares[request.line_id] = whole
        remainders.append((remainder, request))
    left = units - sum(shares.values())
    # Integers only: the comparison of remainders is exact.
    remainders.sort(key=lambda item: (-item[0], *_tie_key(item[1])))
    for _remainder, request in remainders[:left]:
        shares[request.line_id] += 1
    return shares


def _first_come(units: int, requests: list[Request]) -> dict[int, int]:
    shares: dict[int, int] = {}
    for request in sorted(requests, key=_tie_key):
        given = min(units, request.quantity)
        shares[request.line_id] = given
        units -= given
    return shares


def allocate(
    demand: OfferDemand,
    rule: Rule = Rule.PROPORTIONAL,
    fixed: Mapping[int, int] | None = None,
) -> OfferAllocation:
    """Allocate one offer's committed units to its requests (``fixed``: pinned lines)."""
    fixed = dict(fixed or {})
    if demand.committed < 0:
        raise AllocationInputError("negative committed quantity")
    by_id: dict[int, Request] = {}
    for request in demand.requests:
        if request.line_id in by_id:
            raise AllocationInputError(f"duplicate line {request.line_id}")
        if request.quantity < 0:
            raise AllocationInputError(f"negative quantity on line {request.line_id}")
        by_id[request.line_id] = request
    for line_id, quantity in fixed.items():
        if line_id not in by_id:
            raise AllocationInputError(f"override of unknown line {line_id}")
        if not 0 <= quantity <= by_id[line_id].quantity:
            raise AllocationInputError(f"override of line {line_id} outside 0..asked")
    units = demand.committed - sum(fixed.values())
    if units < 0:
        raise AllocationInputError("overrides exceed the committed quantity")

    free = [r for r in by_id.values() if r.line_id not in fixed and r.quantity > 0]
    free_demand = sum(r.quantity for r in free)
    if free_demand <= units:
        shares = {r.line_id: r.quantity for r in free}
    elif Rule(rule) == Rule.FIFO:
        shares = _first_come(units, free)
    else:
        shares = _proportional(units, free)
    shares.update(fixed)
    lines = tuple(
        LineAllocation(line_id, by_id[line_id].quantity, shares.get(line_id, 0))
        for line_id in sorted(by_id)
    )
    return OfferAllocation(
        offer_id=demand.offer_id,
        committed=demand.committed,
        demand=sum(r.quantity for r in by_id.values()),
        lines=lines,
    )


def allocate_all(
    demands: Iterable[OfferDemand],
    rule: Rule = Rule.PROPORTIONAL,
    fixed: Mapping[int, int] | None = None,
) -> dict[int, OfferAllocation]:
    """Allocate several offers; ``fixed`` maps line ids (of any offer) to pinned quantities."""
    fixed = fixed or {}
    result = {}
    for demand in demands:
        pinned = {r.line_id: fixed[r.line_id] for r in demand.requests if r.line_id in fixed}
        result[demand.offer_id] = allocate(demand, rule, pinned)
    return result
