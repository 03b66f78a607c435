"""Usage reports as the clients send them: events normalized (keys generated, timestamps defaulted),
batches of at most 1,000, and what was stored when a batch is refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from atom_sdk._shared import as_dict
from atom_sdk.errors import UserErrorsError, shift_event_fields

MAX_BATCH = 1000
E = TypeVar("E")
M = TypeVar("M", bound=BaseModel)


@dataclass
class UsageReport(Generic[E]):
    """What `report_usage` did: events stored now, events already stored (resends), and the events as
    sent, keys included: send them again after a failure and nothing is counted twice."""

    accepted: int = 0
    duplicates: int = 0
    events: list[E] = field(default_factory=list)


class UsageRejected(UserErrorsError):
    """A batch was refused (`code`, `field` as numbered in the whole list). The batches before it are
    stored: `report` counts them and holds every event with its key, so fix the refused ones in
    `report.events` and send them all again; what was stored comes back as duplicates."""

    def __init__(self, error: UserErrorsError, report: UsageReport[Any]) -> None:
        super().__init__(error.code, error.field, error.message, error.errors)
        self.report = report


def usage_events(events: Iterable[Mapping[str, Any] | BaseModel], model: type[M]) -> list[M]:
    """`model` (UsageEventInput) instances from dicts or models of either client, with an idempotency
    key generated where missing and `timestamp` defaulting to now."""
    inputs = []
    for event in events:
        values = as_dict(event)
        if not (values.get("idempotencyKey") or values.get("idempotency_key")):
            values["idempotencyKey"] = f"sdk-{uuid.uuid4().hex}"
        values.setdefault("timestamp", datetime.now(UTC))
        inputs.append(model.model_validate(values))
    if not inputs:
        raise ValueError("No usage events to report.")
    return inputs


def batches(report: UsageReport[E], size: int = MAX_BATCH) -> Iterator[tuple[int, list[E]]]:
    """(offset, events) of each batch of `report.events`."""
    for start in range(0, len(report.events), size):
        yield start, report.events[start : start + size]


def rejected(error: UserErrorsError, offset: int, report: UsageReport[Any]) -> UsageRejected:
    """The exception for the batch at `offset` refused with `error`."""
    return UsageRejected(shift_event_fields(error, offset), report)
