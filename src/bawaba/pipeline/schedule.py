"""Adaptive feed polling: poll busy feeds often and quiet feeds rarely.

The interval tracks the feed's observed item rate: a poll that found ``n`` new items after
``since_last_s`` seconds suggests one item every ``since_last_s / n`` seconds, and we aim to poll
about once per expected item. Empty polls stretch the interval geometrically, so a dead feed
drifts to ``max_s`` within a few polls while a live one is caught up at once.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

#: growth factor after a poll that found nothing new
GROWTH = 1.5
#: weight of the newest rate observation against the current interval (smoothing)
SMOOTHING = 0.5


def next_poll_interval(current_s: int, new_items: int, since_last_s: float, min_s: int, max_s: int) -> int:
    """The next polling interval in seconds, always within ``[min_s, max_s]``.

    Monotone: more new items never give a longer interval, and no new items never gives a
    shorter one than ``current_s`` (clamped).
    """
    low, high = (min_s, max_s) if min_s <= max_s else (max_s, min_s)
    low = max(1, low)
    high = max(low, high)
    current = float(min(max(current_s, low), high))
    if new_items <= 0:
        target = current * GROWTH
    else:
        elapsed = since_last_s if math.isfinite(since_last_s) and since_last_s > 0 else current
        per_item = elapsed / new_items
        # blend toward the observed spacing; never grow on a poll that found items
        target = min(current, SMOOTHING * per_item + (1 - SMOOTHING) * current)
    return int(min(max(round(target), low), high))


def next_poll_at(now: datetime, interval_s: int) -> datetime:
    """When the feed is due next (``now`` keeps its time zone; negative intervals count as 0)."""
    return now + timedelta(seconds=max(0, interval_s))
