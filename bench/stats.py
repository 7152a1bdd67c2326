"""Repeated timings, reported as min and median."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Samples:
    """Wall times of one measurement, in seconds."""

    values: list[float] = field(default_factory=list)

    @contextmanager
    def timing(self) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.values.append(time.perf_counter() - start)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def as_dict(self) -> dict[str, Any]:
        return {"min_s": round(self.min, 3), "median_s": round(self.median, 3), "runs": len(self.values)}


def timed(samples: Samples, action: Callable[[], Any]) -> Any:
    with samples.timing():
        return action()


def ratio(value: float, floor: float) -> float | None:
    """value / floor; None when the floor is zero (then only value == 0 meets it)."""
    return round(value / floor, 3) if floor else None
