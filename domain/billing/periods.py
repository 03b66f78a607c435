"""Billing periods are calendar months in UTC: [first instant of the month, first instant of the next)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.billing.errors import BillingErrorCode as Code
from domain.errors import InvalidInput

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        return f"{self.start.year:04d}-{self.start.month:02d}"

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    def overlap(self, start: datetime, end: datetime | None) -> tuple[datetime, datetime] | None:
        """The part of [start, end) inside the period, or None when they do not meet."""
        lo = max(self.start, start)
        hi = self.end if end is None else min(self.end, end)
        return (lo, hi) if lo < hi else None

    def next(self) -> Period:
        return period_of(self.end)


def period_of(at: datetime) -> Period:
    at = at.astimezone(UTC)
    start = datetime(at.year, at.month, 1, tzinfo=UTC)
    end = datetime(at.year + (at.month == 12), at.month % 12 + 1, 1, tzinfo=UTC)
    return Period(start, end)


def parse_period(text: str, *, field: str = "period") -> Period:
    """`YYYY-MM` to its period."""
    match = _PERIOD_RE.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        raise InvalidInput(
            "A period is written YYYY-MM, e.g. 2026-11.", code=Code.INVALID_PERIOD, field=field
        )
    return period_of(datetime(int(match.group(1)), int(match.group(2)), 1, tzinfo=UTC))
