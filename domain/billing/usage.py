"""Usage: meters' aggregation in SQL, and the ingestion of usage events.

The promise: every acknowledged event is counted exactly once. An event is acknowledged only when
it is stored (or was stored before under the same idempotency key with the same content), stored
events are never changed, and every aggregate is computed from the stored rows by the database.

A batch is all-or-nothing: either every event in it is acknowledged (stored now, or a duplicate of
one stored before), or none is stored and the answer names every bad event by its index. A client
that gets an error fixes the batch and sends it again whole; the events that were fine are then
acknowledged as new, the ones it sent before (in an earlier accepted batch) as duplicates.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.billing.errors import BillingErrorCode as Code
from domain.billing.models import (
    MICROS,
    Aggregation,
    Invoice,
    Meter,
    Subscription,
    UsageEvent,
)
from domain.billing.periods import period_of
from domain.clock import clock
from domain.errors import DomainError, InvalidInput
from domain.events.bus import record
from domain.ids import new_ids
from domain.marketplace.models import Install, Package

MAX_BATCH = 1000
MAX_QUANTITY = Decimal(10) ** 12  # per event; micro-units must fit a 64-bit integer with room to sum
QUANTITY_PLACES = 6
MAX_PROPERTIES = 20
MAX_PROPERTY_VALUE = 200
KEY_RE = re.compile(r"^[\x21-\x7e]{1,128}$")  # printable ASCII, no spaces
PROPERTY_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
PACKAGE_RUNS = "package_runs"
MAX_REPORTED_ERRORS = 50


class BatchRejected(DomainError):
    """Several events of one batch are bad: `errors` names each; nothing of the batch was stored."""

    code = "INVALID"

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(errors[0].message, code=str(errors[0].code), field=errors[0].field)
        self.errors = errors


# ---------------------------------------------------------------- aggregation


def _filters(meter: Meter, extra: Mapping[str, str] | None = None) -> list[ColumnElement[bool]]:
    wanted = {**(meter.filter or {}), **(extra or {})}
    return [UsageEvent.properties[name].as_string() == value for name, value in sorted(wanted.items())]


def event_window(
    organization_id: uuid.UUID, meter: Meter, start: datetime, end: datetime, extra: Mapping[str, str] | None
) -> list[ColumnElement[bool]]:
    return [
        UsageEvent.organization_id == organization_id,
        UsageEvent.meter_id == meter.id,
        UsageEvent.timestamp >= start,
        UsageEvent.timestamp < end,
        *_filters(meter, extra),
    ]


def aggregate_statement(
    meter: Meter,
    organization_id: uuid.UUID,
    start: datetime,
    end: datetime,
    extra: Mapping[str, str] | None = None,
) -> Select[Any, Any]:
    """One row of two integers, (whole units, micro-units): the meter's value over [start, end) is
    whole + micro / 10^6. A SUM adds whole units and the remainders apart, so no 64-bit integer
    overflows however many events there are (SQLite's sum() fails on overflow, it does not widen)."""
    where = event_window(organization_id, meter, start, end, extra)
    if meter.aggregation is Aggregation.LATEST:
        latest = (
            select(UsageEvent.quantity_micros)
            .where(*where)
            .order_by(UsageEvent.timestamp.desc(), UsageEvent.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        return select(literal(0), func.coalesce(latest, 0))
    whole, rest = value_columns(meter, where)
    return select(func.coalesce(whole, 0), func.coalesce(rest, 0)).where(*where)


def value_columns(meter: Meter, where: list[ColumnElement[bool]]) -> tuple[Any, Any]:
    """The (whole units, micro-units) aggregate expressions of a meter that is not LATEST, for a
    query over `where` (which UNIQUE_COUNT extends to events that have the property)."""
    micros = UsageEvent.quantity_micros
    match meter.aggregation:
        case Aggregation.SUM:
            return func.sum(micros // MICROS), func.sum(micros % MICROS)
        case Aggregation.COUNT:
            return func.count(), literal(0)
        case Aggregation.MAX:
            return literal(0), func.max(micros)
        case Aggregation.UNIQUE_COUNT:
            prop = UsageEvent.properties[meter.property or ""].as_string()
            where.append(prop.is_not(None))
            return func.count(func.distinct(prop)), literal(0)
    raise ValueError(f"{meter.aggregation} has no single aggregate expression")


def combine(whole: Any, rest: Any) -> Decimal:
    """(whole units, micro-units) from the database as one exact Decimal."""
    return Decimal(int(whole or 0)) + Decimal(int(rest or 0)) / MICROS


async def aggregate(
    session: AsyncSession,
    meter: Meter,
    organization_id: uuid.UUID,
    start: datetime,
    end: datetime,
    extra: Mapping[str, str] | None = None,
) -> Decimal:
    """The meter's quantity over [start, end), as an exact Decimal."""
    row = (await session.execute(aggregate_statement(meter, organization_id, start, end, extra))).one()
    return combine(row[0], row[1])


def micros_to_decimal(micros: int) -> Decimal:
    return (Decimal(micros) / MICROS).normalize() if micros else Decimal(0)


# ---------------------------------------------------------------- ingestion


@dataclass(frozen=True, slots=True)
class EventInput:
    meter: str
    quantity: Decimal
    timestamp: datetime
    idempotency_key: str
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IngestResult:
    accepted: int  # stored now
    duplicates: int  # acknowledged again: stored before under the same key with the same content
    meter_totals: dict[str, Decimal]  # quantity newly stored per meter key


@dataclass(slots=True)
class _Checked:
    index: int
    meter: Meter
    micros: int
    timestamp: datetime
    key: str
    properties: dict[str, str]
    content_hash: str


def _quantity_micros(value: Decimal, field: str) -> int:
    try:
        if not value.is_finite():
            raise InvalidInput(
                "The quantity must be a finite number.", code=Code.INVALID_QUANTITY, field=field
            )
        if value < 0:
            raise InvalidInput("The quantity must not be negative.", code=Code.INVALID_QUANTITY, field=field)
        if value >= MAX_QUANTITY:
            raise InvalidInput(
                f"The quantity must be below {MAX_QUANTITY:,}.", code=Code.INVALID_QUANTITY, field=field
            )
        scaled = value * MICROS
        if scaled != scaled.to_integral_value():
            raise InvalidInput(
                f"The quantity has at most {QUANTITY_PLACES} decimal places.",
                code=Code.INVALID_QUANTITY,
                field=field,
            )
        return int(scaled)
    except InvalidOperation as error:
        raise InvalidInput(
            "The quantity is not a number.", code=Code.INVALID_QUANTITY, field=field
        ) from error


def _properties(value: Mapping[str, Any] | None, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput("Properties are an object of strings.", code=Code.INVALID_PROPERTIES, field=field)
    if len(value) > MAX_PROPERTIES:
        raise InvalidInput(f"At most {MAX_PROPERTIES} properties.", code=Code.INVALID_PROPERTIES, field=field)
    out: dict[str, str] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not PROPERTY_NAME_RE.match(name):
            raise InvalidInput(
                f"Property names match {PROPERTY_NAME_RE.pattern}.", code=Code.INVALID_PROPERTIES, field=field
            )
        if not isinstance(item, str) or len(item) > MAX_PROPERTY_VALUE:
            raise InvalidInput(
                f"Property {name!r} must be a string of at most {MAX_PROPERTY_VALUE} characters.",
                code=Code.INVALID_PROPERTIES,
                field=f"{field}.{name}",
            )
        out[name] = item
    return out


def content_hash(meter: str, micros: int, timestamp: datetime, properties: Mapping[str, str]) -> str:
    canonical = json.dumps(
        [meter, micros, timestamp.isoformat(timespec="microseconds"), sorted(properties.items())],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _covered(subscriptions: Sequence[Subscription], at: datetime) -> bool:
    return any(s.started_at <= at and (s.ended_at is None or at < s.ended_at) for s in subscriptions)


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(UsageEvent)


async def ingest(
    session: AsyncSession,
    *,
    organization_id: uuid.UUID,
    actor: str,
    events: Sequence[EventInput],
    max_future: timedelta,
) -> IngestResult:
    """Validate the whole batch, then store the new events in one statement. All or nothing."""
    if not events:
        raise InvalidInput("Send at least one event.", code=Code.EMPTY_BATCH, field="events")
    if len(events) > MAX_BATCH:
        raise InvalidInput(
            f"At most {MAX_BATCH} events per batch; this one has {len(events)}.",
            code=Code.BATCH_TOO_LARGE,
            field="events",
        )
    now = clock.now()
    meters = {
        m.key: m for m in await session.scalars(select(Meter).where(Meter.key.in_({e.meter for e in events})))
    }
    subscriptions = list(
        await session.scalars(select(Subscription).where(Subscription.organization_id == organization_id))
    )
    errors: list[DomainError] = []
    checked: list[_Checked] = []
    for index, event in enumerate(events):
        where = f"events[{index}]"
        try:
            meter = meters.get(event.meter)
            if meter is None:
                raise InvalidInput(
                    f"No meter {event.meter!r}.", code=Code.UNKNOWN_METER, field=f"{where}.meter"
                )
            micros = _quantity_micros(event.quantity, f"{where}.quantity")
            if not KEY_RE.match(event.idempotency_key or ""):
                raise InvalidInput(
                    "An idempotency key is 1 to 128 printable ASCII characters without spaces.",
                    code=Code.INVALID_IDEMPOTENCY_KEY,
                    field=f"{where}.idempotencyKey",
                )
            if event.timestamp.tzinfo is None:
                raise InvalidInput(
                    "The timestamp needs a UTC offset.", code=Code.INVALID, field=f"{where}.timestamp"
                )
            # one instant, one content: the same event written at another offset is the same event
            timestamp = event.timestamp.astimezone(UTC)
            if timestamp > now + max_future:
                raise InvalidInput(
                    f"The timestamp is more than {int(max_future.total_seconds())} s in the future.",
                    code=Code.TIMESTAMP_IN_FUTURE,
                    field=f"{where}.timestamp",
                )
            if not _covered(subscriptions, timestamp):
                raise InvalidInput(
                    "The organization had no subscription at that time.",
                    code=Code.NO_SUBSCRIPTION,
                    field=f"{where}.timestamp",
                )
            properties = _properties(event.properties, f"{where}.properties")
            if meter.key == PACKAGE_RUNS and "package" not in properties:
                raise InvalidInput(
                    "A package run names its package: properties.package = namespace/name.",
                    code=Code.PACKAGE_NOT_INSTALLED,
                    field=f"{where}.properties.package",
                )
            checked.append(
                _Checked(
                    index,
                    meter,
                    micros,
                    timestamp,
                    event.idempotency_key,
                    properties,
                    content_hash(meter.key, micros, timestamp, properties),
                )
            )
        except DomainError as error:
            errors.append(error)
    errors.extend(await _closed_periods(session, organization_id, checked))
    errors.extend(await _package_runs(session, organization_id, checked))
    # The same key twice in one batch: one event when the content is the same, else a conflict.
    unique: dict[str, _Checked] = {}
    for item in checked:
        seen = unique.get(item.key)
        if seen is None:
            unique[item.key] = item
        elif seen.content_hash != item.content_hash:
            errors.append(
                InvalidInput(
                    f"Idempotency key {item.key!r} appears twice in the batch with different content.",
                    code=Code.DUPLICATE_IN_BATCH,
                    field=f"events[{item.index}].idempotencyKey",
                )
            )
    if errors:
        errors.sort(key=lambda e: _index_of(e.field))
        raise BatchRejected(errors[:MAX_REPORTED_ERRORS])
    # Insert first: the unique index says which keys were stored before, and only those are read
    # back to tell a duplicate (same content) from a conflict. A conflict raises, and the caller's
    # savepoint takes the whole batch back.
    fresh = list(unique.values())
    inserted = await _store(session, organization_id, actor, fresh, now)
    duplicates = len(fresh) - len(inserted)
    if duplicates:
        stored = await _stored_hashes(
            session, organization_id, [i.key for i in fresh if i.key not in inserted]
        )
        conflicts = [
            _conflict(i) for i in fresh if i.key not in inserted and stored.get(i.key) != i.content_hash
        ]
        if conflicts:
            conflicts.sort(key=lambda e: _index_of(e.field))
            raise BatchRejected(conflicts[:MAX_REPORTED_ERRORS])
    meter_totals: dict[str, Decimal] = {}
    for item in fresh:
        if item.key in inserted:
            meter_totals[item.meter.key] = (
                meter_totals.get(item.meter.key, Decimal(0)) + Decimal(item.micros) / MICROS
            )
    if meter_totals:
        record(
            session,
            type="usage.recorded",
            organization_id=organization_id,
            subject_id=None,
            actor=actor,
            payload={"meters": {k: str(v.normalize()) for k, v in meter_totals.items()}},
        )
    return IngestResult(len(inserted), duplicates, meter_totals)


def _conflict(item: _Checked) -> DomainError:
    return InvalidInput(
        f"Idempotency key {item.key!r} was used before for a different event.",
        code=Code.IDEMPOTENCY_CONFLICT,
        field=f"events[{item.index}].idempotencyKey",
    )


def _index_of(field: str | None) -> int:
    match = re.match(r"events\[(\d+)\]", field or "")
    return int(match.group(1)) if match else -1


async def _stored_hashes(
    session: AsyncSession, organization_id: uuid.UUID, keys: list[str]
) -> dict[str, str]:
    if not keys:
        return {}
    rows = await session.execute(
        select(UsageEvent.idempotency_key, UsageEvent.content_hash).where(
            UsageEvent.organization_id == organization_id, UsageEvent.idempotency_key.in_(keys)
        )
    )
    return dict(rows.all())


async def _closed_periods(
    session: AsyncSession, organization_id: uuid.UUID, checked: Sequence[_Checked]
) -> list[DomainError]:
    periods = {period_of(item.timestamp) for item in checked}
    if not periods:
        return []
    closed = set(
        await session.scalars(
            select(Invoice.period_start).where(
                Invoice.organization_id == organization_id,
                Invoice.period_start.in_([p.start for p in periods]),
            )
        )
    )
    return [
        InvalidInput(
            f"The period {period_of(item.timestamp).key} is invoiced already.",
            code=Code.PERIOD_CLOSED,
            field=f"events[{item.index}].timestamp",
        )
        for item in checked
        if period_of(item.timestamp).start in closed
    ]


async def _package_runs(
    session: AsyncSession, organization_id: uuid.UUID, checked: Sequence[_Checked]
) -> list[DomainError]:
    runs = [item for item in checked if item.meter.key == PACKAGE_RUNS]
    if not runs:
        return []
    names = {item.properties["package"] for item in runs}
    installed = set(
        await session.scalars(
            select(Package.full_name)
            .join(Install, Install.package_id == Package.id)
            .where(Install.organization_id == organization_id, Install.active, Package.full_name.in_(names))
        )
    )
    return [
        InvalidInput(
            f"Package {item.properties['package']!r} is not installed.",
            code=Code.PACKAGE_NOT_INSTALLED,
            field=f"events[{item.index}].properties.package",
        )
        for item in runs
        if item.properties["package"] not in installed
    ]


_UNNEST_INSERT = text(
    "INSERT INTO usage_events (id, organization_id, meter_id, idempotency_key, content_hash,"
    " quantity_micros, timestamp, properties, reported_by, received_at)"
    " SELECT * FROM unnest(CAST(:id AS uuid[]), CAST(:org AS uuid[]), CAST(:meter AS uuid[]),"
    " CAST(:key AS varchar[]), CAST(:hash AS varchar[]), CAST(:q AS bigint[]), CAST(:ts AS timestamptz[]),"
    " CAST(:props AS json[]), CAST(:by AS varchar[]), CAST(:recv AS timestamptz[]))"
    " ON CONFLICT (organization_id, idempotency_key) DO NOTHING RETURNING idempotency_key"
)


async def _store(
    session: AsyncSession, organization_id: uuid.UUID, actor: str, fresh: Sequence[_Checked], now: datetime
) -> set[str]:
    """Store the new events; the keys actually inserted (a concurrent batch may have stored some first)."""
    if not fresh:
        return set()
    ids = new_ids(len(fresh))
    if session.get_bind().dialect.name == "postgresql":
        # One statement with ten array parameters: a multi-row VALUES of 10,000 parameters costs
        # more to build and bind than the database takes to store it (docs/performance.md).
        n = len(fresh)
        parameters = {
            "id": ids,
            "org": [organization_id] * n,
            "meter": [i.meter.id for i in fresh],
            "key": [i.key for i in fresh],
            "hash": [i.content_hash for i in fresh],
            "q": [i.micros for i in fresh],
            "ts": [i.timestamp for i in fresh],
            "props": [json.dumps(i.properties) for i in fresh],
            "by": [actor] * n,
            "recv": [now] * n,
        }
        return set((await session.execute(_UNNEST_INSERT, parameters)).scalars())
    rows = [
        {
            "id": ids[n],
            "organization_id": organization_id,
            "meter_id": item.meter.id,
            "idempotency_key": item.key,
            "content_hash": item.content_hash,
            "quantity_micros": item.micros,
            "timestamp": item.timestamp,
            "properties": item.properties,
            "reported_by": actor,
            "received_at": now,
        }
        for n, item in enumerate(fresh)
    ]
    # One cached statement, executed as SQLAlchemy's "insertmanyvalues" batches with RETURNING.
    statement = (
        _insert(session)
        .on_conflict_do_nothing(index_elements=["organization_id", "idempotency_key"])
        .returning(UsageEvent.idempotency_key)
    )
    inserted = set((await session.execute(statement, rows)).scalars())
    return inserted


__all__ = [
    "MAX_BATCH",
    "BatchRejected",
    "EventInput",
    "IngestResult",
    "aggregate",
    "aggregate_statement",
    "ingest",
]
