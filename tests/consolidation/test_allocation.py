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


def quantities(result) -> dict[int, int]:
    return {line.line_id: line.quantity for line in result.lines}


def test_demand_within_committed_gives_everyone_what_they_asked():
    demand = OfferDemand(1, 50, (Request(1, 10, at(0)), Request(2, 30, at(1))))
    result = allocate(demand)
    assert quantities(result) == {1: 10, 2: 30}
    assert result.allocated == 40
    assert result.unallocated == 10
    assert not result.is_short


def test_proportional_uses_largest_remainders():
    # 10 units for 4 + 4 + 4 = 12 asked: exact shares 3.33 each; floors 3+3+3 = 9, one
    # unit left, all remainders equal: the earliest change wins.
    demand = OfferDemand(1, 10, (Request(1, 4, at(5)), Request(2, 4, at(1)), Request(3, 4, at(3))))
    assert quantities(allocate(demand)) == {1: 3, 2: 4, 3: 3}


def test_proportional_remainder_beats_earlier_change():
    # 7 units for 5 + 3 + 2 = 10: shares 3.5, 2.1, 1.4 → floors 3, 2, 1 (6), one left
    # to the largest remainder (.5), although line 3 changed earlier.
    demand = OfferDemand(1, 7, (Request(1, 5, at(9)), Request(2, 3, at(5)), Request(3, 2, at(0))))
    assert quantities(allocate(demand)) == {1: 4, 2: 2, 3: 1}


def test_proportional_tie_on_time_goes_to_lower_id():
    demand = OfferDemand(1, 1, (Request(8, 1, at(0)), Request(5, 1, at(0))))
    assert quantities(allocate(demand)) == {5: 1, 8: 0}


def test_first_come_first_served_by_last_change_then_id():
    demand = OfferDemand(
        1,
        10,
        (
            Request(1, 6, at(3)),
            Request(2, 6, at(1)),
            Request(3, 6, at(3)),
        ),
    )
    assert quantities(allocate(demand, Rule.FIFO)) == {2: 6, 1: 4, 3: 0}


def test_zero_committed_gives_nothing():
    demand = OfferDemand(1, 0, (Request(1, 3, at(0)),))
    result = allocate(demand)
    assert quantities(result) == {1: 0}
    assert result.demand == 3


def test_override_pins_a_line_and_the_rule_shares_the_rest():
    # 10 units, 3 × 10 asked. Pin line 1 to 8: 2 units left for lines 2 and 3 → 1 each.
    demand = OfferDemand(
        1, 10, (Request(1, 10, at(0)), Request(2, 10, at(1)), Request(3, 10, at(2)))
    )
    assert quantities(allocate(demand, fixed={1: 8})) == {1: 8, 2: 1, 3: 1}


def test_override_below_the_rule_frees_units_for_others():
    demand = OfferDemand(1, 10, (Request(1, 10, at(0)), Request(2, 10, at(1))))
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
    demand = OfferDemand(1, 10, (Request(1, 10, at(0)), Request(2, 10, at(1))))
    with pytest.raises(AllocationInputError, match=message):
        allocate(demand, fixed=fixed)


def test_overrides_above_committed_are_refused():
    demand = OfferDemand(1, 10, (Request(1, 8, at(0)), Request(2, 8, at(1))))
    with pytest.raises(AllocationInputError, match="exceed"):
        allocate(demand, fixed={1: 6, 2: 6})


def test_duplicate_lines_are_refused():
    demand = OfferDemand(1, 10, (Request(1, 8, at(0)), Request(1, 8, at(1))))
    with pytest.raises(AllocationInputError, match="duplicate"):
        allocate(demand)


def test_allocate_all_routes_overrides_to_their_offer():
    demands = [
        OfferDemand(1, 4, (Request(1, 4, at(0)), Request(2, 4, at(1)))),
        OfferDemand(2, 4, (Request(3, 4, at(0)), Request(4, 4, at(1)))),
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
    return OfferDemand(
        7, committed, tuple(Request(i + 1, q, at(m)) for i, (q, m) in enumerate(raw))
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
