"""Interval arithmetic of the availability engine, checked against brute-force sets."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from salonkit.scheduling.intervals import (
    BusyIndex,
    at_least,
    covers,
    fit,
    from_epoch,
    intersect,
    merge,
    subtract,
    to_epoch,
)

spans = st.lists(
    st.tuples(st.integers(0, 60), st.integers(1, 15)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=6,
)


def points(spans_: list[tuple[int, int]]) -> set[int]:
    return {x for a, b in spans_ for x in range(a, b)}


def is_normal(spans_: list[tuple[int, int]]) -> bool:
    return all(a < b for a, b in spans_) and all(
        spans_[i][1] < spans_[i + 1][0] for i in range(len(spans_) - 1)
    )


@given(spans, spans)
def test_subtract_intersect_merge_match_sets(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> None:
    ma, mb = merge(a), merge(b)
    assert is_normal(ma) and points(ma) == points(a)
    assert points(subtract(ma, mb)) == points(a) - points(b)
    assert points(intersect(ma, mb)) == points(a) & points(b)


@given(spans, st.integers(-5, 10), st.integers(1, 20))
def test_fit_gives_exactly_the_starts_that_fit(
    free: list[tuple[int, int]], a: int, length: int
) -> None:
    free = merge(free)
    b = a + length
    starts = points(fit(free, a, b))
    for s in range(-30, 90):
        inside = any(f0 <= s + a and s + b <= f1 for f0, f1 in free)
        assert (s in starts) == inside


@given(st.lists(spans, max_size=4), st.integers(1, 3))
def test_at_least_counts_coverage(groups: list[list[tuple[int, int]]], count: int) -> None:
    groups = [merge(g) for g in groups]
    got = at_least(groups, count)
    expected = {x for x in range(0, 80) if sum(x in points(g) for g in groups) >= count}
    assert points(got) == expected
    assert is_normal(got)


@given(spans, st.integers(0, 70), st.integers(1, 10))
def test_busy_index_and_covers(busy: list[tuple[int, int]], a: int, length: int) -> None:
    index = BusyIndex(busy)
    b = a + length
    assert index.is_free(a, b) == (not points(busy) & set(range(a, b)))
    assert set(index.between(a, b)) == {s for s in merge(busy) if s[0] < b and a < s[1]}
    assert covers(merge(busy), a, b) == any(x <= a and b <= y for x, y in merge(busy))


def test_epoch_round_trip() -> None:
    import pendulum

    t = pendulum.datetime(2026, 10, 25, 1, 30, tz="Europe/London").in_timezone("UTC")
    assert from_epoch(to_epoch(t)) == t
    assert from_epoch(to_epoch(t)).timezone_name == "UTC"


@given(spans, spans)
def test_adding_spans_to_a_busy_index_equals_building_it_anew(
    first: list[tuple[int, int]], more: list[tuple[int, int]]
) -> None:
    base = BusyIndex(first)
    grown = base.with_spans(more)
    assert grown.spans == merge([*first, *more])
    assert list(grown.starts) == [a for a, _ in grown.spans]
    assert list(grown.ends) == [b for _, b in grown.spans]
    assert base.spans == merge(first)  # the original is left as it was
