"""Railway's request budget: requests per hour and per second, per token, by plan.

Railway's public API allows 100 (Free), 1,000 (Hobby) and 10,000 (Pro) requests an hour and 10
(Hobby) or 50 (Pro) a second (docs integrations/api.md "Rate Limits"; terraform-provider-railway PR
#55 hit them). Its answers carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`;
a spent budget answers HTTP 429 with `Retry-After` (docs/railway-api.md, "Request budget").

Where the sources are silent the emulator takes the stricter reading: the hour is a sliding window
(no burst at a window's turn), Free's per-second limit is Hobby's 10, and `X-RateLimit-Reset` is the
Unix time, in seconds, when the oldest counted request leaves the window.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

PER_HOUR = {"free": 100, "hobby": 1_000, "pro": 10_000}
PER_SECOND = {"free": 10, "hobby": 10, "pro": 50}
WINDOW = 3600.0


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RequestBudget:
    """Counts one token's requests; `take()` says whether the next one is within the budget."""

    def __init__(self, plan: str, clock: Callable[[], float] = time.time, per_hour: int | None = None) -> None:
        self.per_hour = PER_HOUR[plan] if per_hour is None else per_hour
        self.per_second = PER_SECOND[plan]
        self._clock = clock
        self._hour: deque[float] = deque()
        self._second: deque[float] = deque()
        self._lock = threading.Lock()

    def take(self) -> Verdict:
        with self._lock:
            now = self._clock()
            while self._hour and self._hour[0] <= now - WINDOW:
                self._hour.popleft()
            while self._second and self._second[0] <= now - 1.0:
                self._second.popleft()
            if len(self._hour) >= self.per_hour:
                wait = self._hour[0] + WINDOW - now
                return Verdict(False, {**self._headers(now, 0), "Retry-After": str(max(1, math.ceil(wait)))})
            if len(self._second) >= self.per_second:
                wait = self._second[0] + 1.0 - now
                remaining = self.per_hour - len(self._hour)
                return Verdict(False, {**self._headers(now, remaining), "Retry-After": str(max(1, math.ceil(wait)))})
            self._hour.append(now)
            self._second.append(now)
            return Verdict(True, self._headers(now, self.per_hour - len(self._hour)))

    def _headers(self, now: float, remaining: int) -> dict[str, str]:
        oldest = self._hour[0] if self._hour else now
        return {
            "X-RateLimit-Limit": str(self.per_hour),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(math.ceil(oldest + WINDOW)),
        }
