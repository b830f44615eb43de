"""When to try a failed task run again, and after how long (Kestra's retry types)."""

from __future__ import annotations

import random
from datetime import timedelta

from hushflow.models.task import Retry


def may_retry(retry: Retry | None, attempts_done: int, elapsed: timedelta) -> bool:
    """Whether another attempt is allowed after ``attempts_done`` attempts."""
    if retry is None:
        return False
    if retry.max_attempts is not None and attempts_done >= retry.max_attempts:
        return False
    if retry.max_duration is not None and elapsed >= retry.max_duration:
        return False
    return retry.max_attempts is not None or retry.max_duration is not None


def delay(retry: Retry, attempts_done: int) -> float:
    """Seconds to wait before the next attempt."""
    base = (retry.interval or timedelta(seconds=1)).total_seconds()
    if retry.type == "exponential":
        factor = retry.delay_factor or 2.0
        wait = base * factor ** max(attempts_done - 1, 0)
        cap = retry.max_interval.total_seconds() if retry.max_interval else None
        return min(wait, cap) if cap else wait
    if retry.type == "random":
        low = (retry.min_interval or timedelta(0)).total_seconds()
        high = (retry.max_interval or timedelta(seconds=base)).total_seconds()
        return random.uniform(low, max(low, high))
    return base
