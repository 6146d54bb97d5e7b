"""Adaptive polling: bounds and monotone behaviour, checked with hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bawaba.pipeline.schedule import next_poll_at, next_poll_interval

intervals = st.integers(min_value=-10, max_value=10**7)
counts = st.integers(min_value=0, max_value=10_000)
elapsed = st.one_of(st.floats(min_value=0, max_value=10**7), st.just(float("nan")), st.just(-5.0))
bounds = st.tuples(st.integers(min_value=1, max_value=10**5), st.integers(min_value=1, max_value=10**6))


@given(intervals, counts, elapsed, bounds)
def test_always_within_bounds(current: int, new: int, since: float, lim: tuple[int, int]) -> None:
    low, high = sorted(lim)
    got = next_poll_interval(current, new, since, low, high)
    assert isinstance(got, int)
    assert low <= got <= high


@given(intervals, counts, counts, st.floats(min_value=0, max_value=10**7), bounds)
def test_more_items_never_poll_later(current: int, a: int, b: int, since: float, lim: tuple[int, int]) -> None:
    low, high = sorted(lim)
    fewer, more = sorted((a, b))
    assert next_poll_interval(current, more, since, low, high) <= next_poll_interval(current, fewer, since, low, high)


@given(st.integers(min_value=1, max_value=10**6), bounds)
def test_quiet_feed_never_shortens(current: int, lim: tuple[int, int]) -> None:
    low, high = sorted(lim)
    clamped = min(max(current, low), high)
    got = next_poll_interval(current, 0, current, low, high)
    assert got >= clamped
    if clamped * 1.5 <= high and clamped >= 2:
        assert got > clamped


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=1000), bounds)
def test_items_never_lengthen(current: int, new: int, lim: tuple[int, int]) -> None:
    low, high = sorted(lim)
    clamped = min(max(current, low), high)
    assert next_poll_interval(current, new, current, low, high) <= clamped


def test_quiet_feed_reaches_max_and_busy_feed_reaches_min() -> None:
    interval = 3600
    for _ in range(20):
        interval = next_poll_interval(interval, 0, interval, 600, 86_400)
    assert interval == 86_400
    for _ in range(20):
        interval = next_poll_interval(interval, 30, interval, 600, 86_400)
    assert interval == 600


def test_tracks_the_item_rate() -> None:
    # one item every 20 minutes, polled hourly: the interval converges near 20 minutes
    interval = 3600
    for _ in range(12):
        interval = next_poll_interval(interval, max(1, round(interval / 1200)), interval, 60, 86_400)
    assert 900 <= interval <= 1500


def test_next_poll_at() -> None:
    now = datetime(2024, 4, 2, 8, 0, tzinfo=UTC)
    assert next_poll_at(now, 900) == now + timedelta(minutes=15)
    assert next_poll_at(now, -3) == now
    assert next_poll_at(now, 900).tzinfo is UTC
