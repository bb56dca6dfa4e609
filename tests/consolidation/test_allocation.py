"""The pure allocation: unit cases with exact figures, then properties (hypothesis)."""

from __future__ import annotations

import datetime as dt
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nrhub.consolidation.allocation import (
    AllocationInputError,
    OfferDemand,
    Request,
    Rule,
    allocate,
    allocate_all,
)

T0 = dt.datetime(2026, 10, 1, 8, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def req(line_id: int, quantity: int, minutes: int, buyer_id: int | None = None) -> Request:
    """A line of an order submitted at T0 + ``minutes``; one buyer per line unless told."""
    return Request(line_id, quantity, at(minutes), line_id if buyer_id is None else buyer_id)


def quantities(result) -> dict[int, int]:
    return {line.line_id: line.quantity for line in result.lines}


def test_demand_within_committed_gives_everyone_what_they_asked():
    demand = OfferDemand(1, 50, (req(1, 10, 0), req(2, 30, 1)))
    result = allocate(demand)
    assert quantities(result) == {1: 10, 2: 30}
    assert result.allocated == 40
    assert result.unallocated == 10
    assert not result.is_short


def test_proportional_uses_largest_remainders():
    # 10 units for 4 + 4 + 4 = 12 asked: exact shares 3.33 each; floors 3+3+3 = 9, one
    # unit left, all remainders equal: the earliest order wins.
    demand = OfferDemand(1, 10, (req(1, 4, 5), req(2, 4, 1), req(3, 4, 3)))
    assert quantities(allocate(demand)) == {1: 3, 2: 4, 3: 3}


def test_proportional_remainder_beats_earlier_order():
    # 7 units for 5 + 3 + 2 = 10: shares 3.5, 2.1, 1.4 → floors 3, 2, 1 (6), one left
    # to the largest remainder (.5), although line 3's order was sent earlier.
    demand = OfferDemand(1, 7, (req(1, 5, 9), req(2, 3, 5), req(3, 2, 0)))
    assert quantities(allocate(demand)) == {1: 4, 2: 2, 3: 1}


def test_proportional_tie_goes_to_the_earliest_order_whatever_the_buyer_id():
    # 5 units for 3 + 3 + 3 = 9: shares 1.67 each, floors 1 + 1 + 1, two units left, equal
    # remainders (6/9): the two earliest orders (buyers 30 then 20) get them, not the
    # lowest buyer id (10) nor the lowest line id (1).
    demand = OfferDemand(
        1, 5, (req(1, 3, 40, buyer_id=10), req(2, 3, 20, buyer_id=20), req(3, 3, 10, buyer_id=30))
    )
    assert quantities(allocate(demand)) == {1: 1, 2: 2, 3: 2}


def test_proportional_tie_at_the_same_time_goes_to_the_lower_buyer_id_not_line_id():
    # 1 unit for 1 + 1, same submission time: buyer 4 (line 8) before buyer 9 (line 5).
    demand = OfferDemand(1, 1, (req(8, 1, 0, buyer_id=4), req(5, 1, 0, buyer_id=9)))
    assert quantities(allocate(demand)) == {5: 0, 8: 1}


def test_proportional_tie_rule_with_uneven_requests():
    # 8 units for 6 + 3 + 3 = 12: exact shares 4, 2, 2 — no remainder, no tie.
    # 7 units: 3.5, 1.75, 1.75 → floors 3, 1, 1 (5), two left: .75 and .75 beat .5, both go
    # to the equal remainders whatever their time; the earliest order does not take one.
    even = OfferDemand(1, 8, (req(1, 6, 0), req(2, 3, 9), req(3, 3, 5)))
    assert quantities(allocate(even)) == {1: 4, 2: 2, 3: 2}
    short = OfferDemand(1, 7, (req(1, 6, 0), req(2, 3, 9), req(3, 3, 5)))
    assert quantities(allocate(short)) == {1: 3, 2: 2, 3: 2}
    # 6 units: 3, 1.5, 1.5 → floors 3, 1, 1, one left for two equal remainders (.5):
    # line 3's order (minute 5) was sent before line 2's (minute 9).
    six = OfferDemand(1, 6, (req(1, 6, 0), req(2, 3, 9), req(3, 3, 5)))
    assert quantities(allocate(six)) == {1: 3, 2: 1, 3: 2}


def test_first_come_first_served_by_submission_then_buyer_id():
    # Orders of buyers 7 and 3 sent at the same minute: buyer 3 is served first.
    demand = OfferDemand(
        1,
        10,
        (
            req(1, 6, 3, buyer_id=7),
            req(2, 6, 1, buyer_id=9),
            req(3, 6, 3, buyer_id=3),
        ),
    )
    assert quantities(allocate(demand, Rule.FIFO)) == {1: 0, 2: 6, 3: 4}


def test_zero_committed_gives_nothing():
    demand = OfferDemand(1, 0, (req(1, 3, 0),))
    result = allocate(demand)
    assert quantities(result) == {1: 0}
    assert result.demand == 3


def test_override_pins_a_line_and_the_rule_shares_the_rest():
    # 10 units, 3 × 10 asked. Pin line 1 to 8: 2 units left for lines 2 and 3 → 1 each.
    demand = OfferDemand(1, 10, (req(1, 10, 0), req(2, 10, 1), req(3, 10, 2)))
    assert quantities(allocate(demand, fixed={1: 8})) == {1: 8, 2: 1, 3: 1}


def test_override_below_the_rule_frees_units_for_others():
    demand = OfferDemand(1, 10, (req(1, 10, 0), req(2, 10, 1)))
    assert quantities(allocate(demand, fixed={1: 0})) == {1: 0, 2: 10}


@pytest.mark.parametrize(
    ("fixed", "message"),
    [
        ({1: 11}, "outside"),
        ({1: -1}, "outside"),
        ({9: 1}, "unknown"),
    ],
)
def test_impossible_overrides_are_refused(fixed, message):
    demand = OfferDemand(1, 10, (req(1, 10, 0), req(2, 10, 1)))
    with pytest.raises(AllocationInputError, match=message):
        allocate(demand, fixed=fixed)


def test_overrides_above_committed_are_refused():
    demand = OfferDemand(1, 10, (req(1, 8, 0), req(2, 8, 1)))
    with pytest.raises(AllocationInputError, match="exceed"):
        allocate(demand, fixed={1: 6, 2: 6})


def test_duplicate_lines_are_refused():
    demand = OfferDemand(1, 10, (req(1, 8, 0), req(1, 8, 1)))
    with pytest.raises(AllocationInputError, match="duplicate"):
        allocate(demand)


def test_allocate_all_routes_overrides_to_their_offer():
    demands = [
        OfferDemand(1, 4, (req(1, 4, 0), req(2, 4, 1))),
        OfferDemand(2, 4, (req(3, 4, 0), req(4, 4, 1))),
    ]
    result = allocate_all(demands, Rule.PROPORTIONAL, fixed={1: 1, 4: 4})
    assert quantities(result[1]) == {1: 1, 2: 3}
    assert quantities(result[2]) == {3: 0, 4: 4}


# --- Properties ---------------------------------------------------------------------------

requests_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=30)),
    min_size=0,
    max_size=25,
)


def build(committed: int, raw: list[tuple[int, int]]) -> OfferDemand:
    """Lines 1, 2, … of buyers numbered the other way round (so that a tie broken by line
    id and one broken by buyer id differ)."""
    return OfferDemand(
        7,
        committed,
        tuple(Request(i + 1, q, at(m), len(raw) - i) for i, (q, m) in enumerate(raw)),
    )


@settings(max_examples=300, deadline=None)
@given(
    committed=st.integers(min_value=0, max_value=400),
    raw=requests_strategy,
    rule=st.sampled_from(list(Rule)),
)
def test_never_more_than_committed_nor_asked_and_all_used_when_short(committed, raw, rule):
    demand = build(committed, raw)
    result = allocate(demand, rule)
    asked = {r.line_id: r.quantity for r in demand.requests}
    assert result.allocated <= committed
    for line in result.lines:
        assert 0 <= line.quantity <= asked[line.line_id]
    total_asked = sum(asked.values())
    if total_asked > committed:
        assert result.allocated == committed
    else:
        assert quantities(result) == asked


@settings(max_examples=300, deadline=None)
@given(committed=st.integers(min_value=0, max_value=400), raw=requests_strategy)
def test_proportional_is_within_one_unit_of_the_exact_share(committed, raw):
    demand = build(committed, raw)
    result = allocate(demand, Rule.PROPORTIONAL)
    total_asked = sum(r.quantity for r in demand.requests)
    if total_asked <= committed:
        return
    for request, line in zip(
        sorted(demand.requests, key=lambda r: r.line_id), result.lines, strict=True
    ):
        exact = Fraction(committed * request.quantity, total_asked)
        assert abs(line.quantity - exact) < 1


@settings(max_examples=200, deadline=None)
@given(
    committed=st.integers(min_value=0, max_value=400),
    raw=requests_strategy,
    rule=st.sampled_from(list(Rule)),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_same_input_in_any_order_gives_the_same_output(committed, raw, rule, seed):
    demand = build(committed, raw)
    shuffled = list(demand.requests)
    random.Random(seed).shuffle(shuffled)
    other = OfferDemand(demand.offer_id, committed, tuple(shuffled))
    assert allocate(demand, rule) == allocate(other, rule)


@settings(max_examples=200, deadline=None)
@given(
    committed=st.integers(min_value=0, max_value=200),
    raw=requests_strategy.filter(lambda r: len(r) >= 2),
    rule=st.sampled_from(list(Rule)),
    pin=st.integers(min_value=0, max_value=60),
)
def test_overrides_keep_the_invariants(committed, raw, rule, pin):
    demand = build(committed, raw)
    first = demand.requests[0]
    pinned = min(pin, first.quantity, committed)
    result = allocate(demand, rule, fixed={first.line_id: pinned})
    asked = {r.line_id: r.quantity for r in demand.requests}
    assert quantities(result)[first.line_id] == pinned
    assert result.allocated <= committed
    assert all(0 <= line.quantity <= asked[line.line_id] for line in result.lines)
    if sum(asked.values()) - first.quantity + pinned > committed:
        assert result.allocated == committed


@settings(max_examples=300, deadline=None)
@given(committed=st.integers(min_value=0, max_value=400), raw=requests_strategy)
def test_proportional_extra_units_follow_remainder_then_order_then_buyer(committed, raw):
    """A line given a unit above its floor never ranks after a line left at its floor:
    larger remainder first, then earlier order, then lower buyer id."""
    demand = build(committed, raw)
    total_asked = sum(r.quantity for r in demand.requests)
    if total_asked <= committed:
        return
    given_units = quantities(allocate(demand, Rule.PROPORTIONAL))

    def rank(r: Request) -> tuple[int, dt.datetime, int]:
        return (-(committed * r.quantity % total_asked), r.submitted_at, r.buyer_id)

    floors = {r.line_id: committed * r.quantity // total_asked for r in demand.requests}
    topped = [r for r in demand.requests if given_units[r.line_id] == floors[r.line_id] + 1]
    left = [r for r in demand.requests if given_units[r.line_id] == floors[r.line_id]]
    assert len(topped) + len(left) == len(demand.requests)
    assert len(topped) == committed - sum(floors.values())
    if topped and left:
        assert max(rank(r) for r in topped) < min(rank(r) for r in left)


@settings(max_examples=200, deadline=None)
@given(committed=st.integers(min_value=0, max_value=400), raw=requests_strategy)
def test_first_come_serves_in_order_of_submission_then_buyer(committed, raw):
    """Whole lines in (submission, buyer id) order, one line at most partly served."""
    demand = build(committed, raw)
    given_units = quantities(allocate(demand, Rule.FIFO))
    units = committed
    for r in sorted(demand.requests, key=lambda r: (r.submitted_at, r.buyer_id)):
        expected = min(units, r.quantity)
        assert given_units[r.line_id] == expected
        units -= expected
