"""Property-based tests of metering and invoicing against the real database (SQLite or PostgreSQL).

Random usage events are stored through `usage.ingest` for a fresh organization per example; what the
database computes (`usage.aggregate`, `invoicing.draft`) is compared with a straightforward oracle
written here in Python over the same events (exact `Fraction` arithmetic, unit by unit where the
quantities allow it). The pure rating properties live in `test_rating.py`.

hypothesis does not run `async def` tests, and pytest-asyncio's session loop is not running while a
plain test runs, so each example runs its async body on a loop of its own with its own engine (no
pool: nothing outlives the loop). The tests ask only for the sync `settings` fixture, which gives the
migrated database of the session.

Rules checked (beyond the obvious):
- An aggregate counts the events of its organization and meter with start <= timestamp < end whose
  properties equal every entry of the meter's filter updated with the caller's `extra` filter (an
  event without the property does not match). UNIQUE_COUNT counts the distinct values of the meter's
  property among the matching events that have it. LATEST is the quantity of the matching event with
  the latest timestamp; among events with the same timestamp, the one with the larger id, which is
  the one stored last (ids are UUIDv7, increasing within a process). Nothing matching: 0.
- An invoice line is rated from the exact quantity and rounded half up once; the fee of a plan is
  monthly_fee * s / S, s the whole seconds (truncated) of the subscription inside the period and S the
  seconds of the period, rounded half up; the total is the sum of the lines.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from hypothesis import HealthCheck, given, note
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.auth.models import Organization
from domain.billing import invoicing, usage
from domain.billing.models import (
    MICROS,
    Aggregation,
    BillingAccount,
    LineKind,
    Meter,
    Plan,
    PlanPrice,
    Subscription,
    SubscriptionStatus,
    UsageEvent,
)
from domain.billing.periods import Period, period_of
from domain.billing.rating import PriceModel, PriceSpec, Tier
from domain.clock import clock
from domain.db import make_engine, make_sessionmaker, unit_of_work
from server.settings import Settings

D = Decimal
Sessionmaker = async_sessionmaker[AsyncSession]

PROPERTIES = hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
FAR_FUTURE = timedelta(days=365 * 100)  # every timestamp here is in the past anyway
MICROSECOND = timedelta(microseconds=1)
DAY_MICROS = 86_400 * 10**6
ACTOR = "test:properties"

# A small alphabet, so that filters match and UNIQUE_COUNT sees repeated values. Names with "." and
# "-" are valid property names and must not be read as JSON paths; "" and "1" are strings too.
NAMES = ("region", "tier", "a.b", "x-y")
VALUES = ("eu", "us", "", "1", "é")
OFFSETS = tuple(timezone(timedelta(minutes=m)) for m in (0, 330, -480, 60))


# ---------------------------------------------------------------------------------------------
# Running an example


def run(database_url: str, body: Callable[[Sessionmaker], Awaitable[None]]) -> None:
    """Run `body` on a fresh event loop with its own unpooled engine (pytest-asyncio's session loop is
    left alone: it stays the thread's current loop)."""

    async def main() -> None:
        engine = make_engine(database_url, pool=False)
        try:
            await body(make_sessionmaker(engine))
        finally:
            await engine.dispose()

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
        loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:20]}"


async def new_organization(session: AsyncSession) -> uuid.UUID:
    org = Organization(slug=unique("prop-"), name="Property test", created_at=clock.now())
    session.add(org)
    await session.flush()
    session.add(
        BillingAccount(
            organization_id=org.id,
            currency="EUR",
            invoice_prefix=unique("P")[:12],
            last_invoice_sequence=0,
            created_at=clock.now(),
        )
    )
    await session.flush()
    return org.id


async def new_plan(session: AsyncSession, monthly_fee: int = 0) -> Plan:
    plan = Plan(
        key=unique("prop-"),
        name="Property",
        currency="EUR",
        monthly_fee=monthly_fee,
        active=True,
        created_at=clock.now(),
    )
    session.add(plan)
    await session.flush()
    return plan


async def subscribe(
    session: AsyncSession, organization_id: uuid.UUID, plan: Plan, start: datetime, end: datetime | None
) -> Subscription:
    subscription = Subscription(
        organization_id=organization_id,
        plan_id=plan.id,
        status=SubscriptionStatus.ACTIVE if end is None else SubscriptionStatus.ENDED,
        started_at=start,
        ended_at=end,
        created_by=ACTOR,
    )
    session.add(subscription)
    await session.flush()
    return subscription


@dataclass(frozen=True)
class MeterDef:
    aggregation: Aggregation
    property: str | None = None
    filter: dict[str, str] = field(default_factory=dict)


async def new_meter(session: AsyncSession, definition: MeterDef) -> Meter:
    meter = Meter(
        key=unique("pm_"),
        name="Property meter",
        unit="unit",
        aggregation=definition.aggregation,
        property=definition.property,
        filter=dict(definition.filter),
        builtin=False,
        created_at=clock.now(),
    )
    session.add(meter)
    await session.flush()
    return meter


async def ingest(
    sessionmaker: Sessionmaker, organization_id: uuid.UUID, events: Sequence[usage.EventInput]
) -> usage.IngestResult:
    """One batch in its own transaction, as one request would send it."""
    async with unit_of_work(sessionmaker) as session:
        return await usage.ingest(
            session, organization_id=organization_id, actor=ACTOR, events=events, max_future=FAR_FUTURE
        )


# ---------------------------------------------------------------------------------------------
# Strategies


def decimals(max_value: int, max_places: int, *, min_value: int = 0) -> st.SearchStrategy[Decimal]:
    """Decimals in [min_value, max_value] with 0..max_places fractional digits, built from text."""

    def build(places: int, scaled: int) -> Decimal:
        return Decimal(f"{scaled // 10 ** (max_places - places)}E-{places}")

    return st.builds(
        build, st.integers(0, max_places), st.integers(min_value * 10**max_places, max_value * 10**max_places)
    )


# Per event: small integers (ties and exact halves), six decimals, and now and then a very large one;
# below 4 x 10^11 so that the 20 events of an example still sum within a 64-bit integer of micro-units
# (more does not: see test_large_events_sum_exactly_and_invoice).
quantities = st.one_of(
    st.integers(0, 1000).map(Decimal),
    decimals(1000, 6),
    decimals(4 * 10**11, 6),
)
small_quantities = st.one_of(st.integers(0, 40).map(Decimal), decimals(40, 1), decimals(40, 6))
properties = st.dictionaries(st.sampled_from(NAMES), st.sampled_from(VALUES), max_size=3)
filters = st.dictionaries(st.sampled_from(NAMES), st.sampled_from(VALUES), max_size=2)


@dataclass(frozen=True)
class Event:
    quantity: Decimal
    timestamp: datetime
    properties: dict[str, str]


def at_offset(moment: datetime, offset: timezone) -> datetime:
    return moment.astimezone(offset)


@st.composite
def moments(draw: st.DrawFn, lo: datetime, hi: datetime, specials: Sequence[datetime]) -> datetime:
    """An instant in [lo, hi), often one of `specials` (those inside), written at a random UTC offset."""
    inside = [s for s in specials if lo <= s < hi]
    span = (hi - lo) // MICROSECOND
    choices = [st.integers(0, span - 1).map(lambda n: lo + n * MICROSECOND)]
    if inside:
        choices.append(st.sampled_from(inside))
    return at_offset(draw(st.one_of(*choices)), draw(st.sampled_from(OFFSETS)))


@st.composite
def events(
    draw: st.DrawFn,
    lo: datetime,
    hi: datetime,
    specials: Sequence[datetime],
    *,
    min_size: int = 0,
    max_size: int,
    quantity: st.SearchStrategy[Decimal] = quantities,
) -> list[Event]:
    # A few instants shared by several events, so LATEST meets ties on the timestamp.
    shared = draw(st.lists(moments(lo, hi, specials), min_size=1, max_size=3))
    timestamp = st.one_of(st.sampled_from(shared), moments(lo, hi, specials))
    return draw(
        st.lists(st.builds(Event, quantity, timestamp, properties), min_size=min_size, max_size=max_size)
    )


# ---------------------------------------------------------------------------------------------
# Oracles


def matches(event: Event, wanted: dict[str, str]) -> bool:
    return all(name in event.properties and event.properties[name] == value for name, value in wanted.items())


def oracle_aggregate(
    definition: MeterDef,
    stored: Sequence[Event],  # in the order they were stored
    start: datetime,
    end: datetime,
    extra: dict[str, str] | None = None,
) -> Fraction:
    wanted = dict(definition.filter)
    wanted.update(extra or {})
    chosen = [e for e in stored if start <= e.timestamp < end and matches(e, wanted)]
    if definition.aggregation is Aggregation.SUM:
        return sum((Fraction(e.quantity) for e in chosen), Fraction(0))
    if definition.aggregation is Aggregation.COUNT:
        return Fraction(len(chosen))
    if definition.aggregation is Aggregation.MAX:
        return max((Fraction(e.quantity) for e in chosen), default=Fraction(0))
    if definition.aggregation is Aggregation.UNIQUE_COUNT:
        assert definition.property is not None
        return Fraction(
            len({e.properties[definition.property] for e in chosen if definition.property in e.properties})
        )
    # LATEST: walk in storage order; a later event wins unless its timestamp is earlier.
    latest: Event | None = None
    for e in chosen:
        if latest is None or e.timestamp >= latest.timestamp:
            latest = e
    return Fraction(latest.quantity) if latest else Fraction(0)


def half_up(amount: Fraction) -> int:
    assert amount >= 0
    return math.floor(amount + Fraction(1, 2))


def oracle_rate(spec: PriceSpec, quantity: Fraction) -> Fraction:
    """What `quantity` costs under `spec`, from the definitions, written independently."""
    billable = max(Fraction(0), quantity - Fraction(spec.included_quantity))
    if billable == 0:
        return Fraction(0)
    if spec.model is PriceModel.PER_UNIT:
        assert spec.unit_amount is not None
        return billable * Fraction(spec.unit_amount)
    if spec.model is PriceModel.PACKAGE:
        assert spec.package_size is not None and spec.package_amount is not None
        size = Fraction(spec.package_size)
        if billable / size <= 5000:  # count the packages one by one
            packages, covered = 0, Fraction(0)
            while covered < billable:
                covered += size
                packages += 1
        else:
            packages = math.ceil(billable / size)
        return packages * Fraction(spec.package_amount)
    bounds = [None if t.up_to is None else Fraction(t.up_to) for t in spec.tiers]
    # tier i holds the quantities in (bounds[i-1], bounds[i]], the first from 0, the last unbounded
    lowers = [Fraction(0), *bounds[:-1]]
    if spec.model is PriceModel.VOLUME:
        for tier, lower, upper in zip(spec.tiers, lowers, bounds, strict=True):
            assert lower is not None
            if lower < billable and (upper is None or billable <= upper):
                return billable * Fraction(tier.unit_amount) + Fraction(tier.flat_amount)
        raise AssertionError("no tier holds the quantity")
    units = [Fraction(0)] * len(spec.tiers)
    integral = billable.denominator == 1 and all(b is None or b.denominator == 1 for b in bounds)
    if integral and billable <= 5000:  # GRADUATED, unit by unit: each unit is charged by its tier
        for unit in range(1, int(billable) + 1):
            index = next(i for i, b in enumerate(bounds) if b is None or unit <= b)
            units[index] += 1
    else:  # the length of (lower, upper] ∩ (0, billable] for each tier
        for index, (lower, upper) in enumerate(zip(lowers, bounds, strict=True)):
            assert lower is not None
            top = billable if upper is None else min(billable, upper)
            units[index] = max(Fraction(0), top - lower)
    return sum(
        (
            n * Fraction(tier.unit_amount) + Fraction(tier.flat_amount)
            for tier, n in zip(spec.tiers, units, strict=True)
            if n > 0
        ),
        Fraction(0),
    )


# ---------------------------------------------------------------------------------------------
# 1. Aggregation in SQL equals the oracle over the same events


@dataclass(frozen=True)
class AggregationCase:
    start: datetime
    end: datetime
    meters: tuple[MeterDef, ...]
    events: list[Event]
    splits: list[int]  # events[splits[i-1]:splits[i]] go in one batch
    extra: dict[str, str] | None


@st.composite
def aggregation_cases(draw: st.DrawFn) -> AggregationCase:
    start = datetime(2024, 1, 1, tzinfo=UTC) + draw(st.integers(0, 360 * DAY_MICROS)) * MICROSECOND
    length = draw(st.one_of(st.just(1), st.integers(1, 10 * DAY_MICROS), st.just(DAY_MICROS)))
    end = start + length * MICROSECOND
    specials = [start, start - MICROSECOND, end - MICROSECOND, end]
    found = draw(events(start - timedelta(days=1), end + timedelta(days=1), specials, max_size=20))
    meters = tuple(
        MeterDef(
            aggregation,
            draw(st.sampled_from(NAMES)) if aggregation is Aggregation.UNIQUE_COUNT else None,
            draw(st.one_of(st.just({}), filters)),
        )
        for aggregation in Aggregation
    )
    splits = sorted(draw(st.sets(st.integers(0, len(found)), max_size=2)) | {len(found)})
    extra = draw(st.one_of(st.none(), filters))
    return AggregationCase(start, end, meters, found, splits, extra)


@PROPERTIES
@given(case=aggregation_cases())
def test_aggregates_equal_the_oracle(settings: Settings, case: AggregationCase) -> None:
    note(f"case: {case!r}")  # this hypothesis prints drawn arguments empty

    async def body(sessionmaker: Sessionmaker) -> None:
        async with unit_of_work(sessionmaker) as session:
            org = await new_organization(session)
            neighbour = await new_organization(session)
            plan = await new_plan(session)
            for owner in (org, neighbour):
                await subscribe(session, owner, plan, case.start - timedelta(days=30), None)
            meters = [await new_meter(session, definition) for definition in case.meters]

        # Every event goes to every meter (one key per meter), in the batches of `splits`.
        lo = 0
        for hi in case.splits:
            batch = [
                usage.EventInput(meter.key, e.quantity, e.timestamp, unique("k-"), e.properties)
                for e in case.events[lo:hi]
                for meter in meters
            ]
            if batch:
                result = await ingest(sessionmaker, org, batch)
                assert (result.accepted, result.duplicates) == (len(batch), 0)
            lo = hi
        # Another organization's usage on the same meters counts for nobody else.
        noise = [
            usage.EventInput(meter.key, D(999), e.timestamp, unique("n-"), e.properties)
            for e in case.events[:4]
            for meter in meters
        ]
        if noise:
            await ingest(sessionmaker, neighbour, noise)

        async with sessionmaker() as session:
            for definition, meter in zip(case.meters, meters, strict=True):
                for extra in [None] if case.extra is None else [None, case.extra]:
                    got = await usage.aggregate(session, meter, org, case.start, case.end, extra)
                    expected = oracle_aggregate(definition, case.events, case.start, case.end, extra)
                    assert Fraction(got) == expected, (definition, extra, got, expected)

    run(settings.database_url, body)


# ---------------------------------------------------------------------------------------------
# 2. The invoice draft equals the oracle: fees prorated, each line rated and rounded once


amounts = st.one_of(
    st.sampled_from(["0.5", "2.5", "12.5", "0.25", "0.125"]).map(D),  # exact halves to round
    st.sampled_from(["0", "1", "700", "0.0002", "0.333333"]).map(D),
    st.integers(0, 1000).map(D),
    decimals(1000, 6),
)
bounds = st.one_of(st.integers(1, 200).map(D), decimals(200, 3, min_value=0).filter(bool))


@st.composite
def price_specs(draw: st.DrawFn) -> PriceSpec:
    model = draw(st.sampled_from(PriceModel))
    included = draw(st.one_of(st.just(D(0)), st.integers(0, 20).map(D), decimals(20, 3)))
    if model is PriceModel.PER_UNIT:
        return PriceSpec(model, unit_amount=draw(amounts), included_quantity=included)
    if model is PriceModel.PACKAGE:
        size = draw(st.one_of(st.integers(1, 50).map(D), decimals(100, 3, min_value=0).filter(bool)))
        return PriceSpec(model, package_size=size, package_amount=draw(amounts), included_quantity=included)
    ups = sorted(draw(st.sets(bounds, max_size=3)))
    tiers = tuple(
        Tier(up_to, draw(amounts), draw(st.one_of(st.just(D(0)), amounts))) for up_to in [*ups, None]
    )
    return PriceSpec(model, tiers=tiers, included_quantity=included)


@dataclass(frozen=True)
class PlanDef:
    monthly_fee: int
    prices: dict[int, PriceSpec]  # meter index -> price


@dataclass(frozen=True)
class InvoiceCase:
    period: Period
    meters: tuple[MeterDef, ...]
    plans: tuple[PlanDef, ...]  # one, or two with a change of plan inside the period
    starts: tuple[datetime, ...]  # when each plan started; the next start ends the previous plan
    end: datetime | None  # when the last plan ended
    events: list[tuple[int, Event]]  # (meter index, event)


def whole_seconds(moment: datetime, sub_second: bool, micros: int) -> datetime:
    return moment + micros * MICROSECOND if sub_second else moment


@st.composite
def invoice_cases(draw: st.DrawFn) -> InvoiceCase:
    period = period_of(datetime(draw(st.integers(2023, 2025)), draw(st.integers(1, 12)), 1, tzinfo=UTC))
    span = period.seconds
    meters = tuple(
        draw(
            st.lists(
                st.one_of(
                    st.just(MeterDef(Aggregation.SUM)),
                    st.builds(
                        MeterDef,
                        st.sampled_from(Aggregation),
                        st.sampled_from(NAMES),
                        st.one_of(st.just({}), filters),
                    ),
                ),
                min_size=1,
                max_size=3,
            )
        )
    )
    # Large fees too, where one second of proration is worth whole minor units.
    fees = st.one_of(
        st.just(0), st.sampled_from([101, 2900, 4901]), st.integers(1, 10**6), st.integers(10**8, 10**11)
    )

    def plan() -> PlanDef:
        priced = draw(st.sets(st.integers(0, len(meters) - 1), min_size=1, max_size=3))
        return PlanDef(draw(fees), {index: draw(price_specs()) for index in sorted(priced)})

    sub_second = draw(st.booleans())  # plan changes at whole seconds, or anywhere
    first = draw(
        st.one_of(
            st.integers(1, 40 * 86400).map(lambda s: period.start - timedelta(seconds=s)),
            st.just(period.start),
            st.integers(1, span - 10).map(lambda s: period.start + timedelta(seconds=s)),
            st.just(period.start + timedelta(seconds=span // 2)),  # half the period: fees end in .5
        )
    )
    first = whole_seconds(first, sub_second, draw(st.integers(0, 999_999)))
    starts = [first]
    plans = [plan()]
    if draw(st.booleans()):  # change of plan inside the period
        lo = max(first, period.start)
        left = (period.end - lo) // timedelta(seconds=1)
        offset = draw(st.one_of(st.integers(1, left - 1), st.just(max(1, left // 2))))
        starts.append(
            whole_seconds(lo + timedelta(seconds=offset), sub_second, draw(st.integers(0, 999_999)))
        )
        plans.append(plan())
    end = draw(
        st.one_of(
            st.none(),
            st.just(period.end),
            st.integers(1, 40 * 86400).map(lambda s: starts[-1] + timedelta(seconds=s)),
        )
    )
    hi = end or period.end + timedelta(days=3)
    specials = [
        period.start,
        period.end,
        period.end - MICROSECOND,
        *starts,
        *(s - MICROSECOND for s in starts),
    ]
    found = draw(events(first, hi, specials, max_size=25, quantity=small_quantities))
    placed = [(draw(st.integers(0, len(meters) - 1)), e) for e in found]
    return InvoiceCase(period, meters, tuple(plans), tuple(starts), end, placed)


def oracle_lines(
    case: InvoiceCase, plans: Sequence[Plan], meters: Sequence[Meter]
) -> list[tuple[LineKind, datetime, datetime, uuid.UUID, uuid.UUID | None, int, int]]:
    """(kind, start, end, plan id, meter id, quantity micros, amount) of every line."""
    lines = []
    ends = [*case.starts[1:], case.end]
    for definition, plan, start, end in zip(case.plans, plans, case.starts, ends, strict=True):
        lo = max(start, case.period.start)
        hi = case.period.end if end is None else min(end, case.period.end)
        if lo >= hi:
            continue
        if definition.monthly_fee:
            seconds = (hi - lo) // timedelta(seconds=1)  # whole seconds, truncated
            fee = half_up(Fraction(definition.monthly_fee * seconds, case.period.seconds))
            lines.append((LineKind.PLATFORM_FEE, lo, hi, plan.id, None, MICROS, fee))
        for index, spec in definition.prices.items():
            stored = [e for i, e in case.events if i == index]
            quantity = oracle_aggregate(case.meters[index], stored, lo, hi)
            micros = quantity * MICROS
            assert micros.denominator == 1
            amount = half_up(oracle_rate(spec, quantity))
            lines.append((LineKind.USAGE, lo, hi, plan.id, meters[index].id, int(micros), amount))
    return lines


@PROPERTIES
@given(case=invoice_cases())
def test_invoice_draft_equals_the_oracle(settings: Settings, case: InvoiceCase) -> None:
    note(f"case: {case!r}")  # this hypothesis prints drawn arguments empty

    ends = [*case.starts[1:], case.end]

    async def body(sessionmaker: Sessionmaker) -> None:
        async with unit_of_work(sessionmaker) as session:
            org = await new_organization(session)
            meters = [await new_meter(session, definition) for definition in case.meters]
            plans = []
            for definition in case.plans:
                plan = await new_plan(session, definition.monthly_fee)
                for index, spec in definition.prices.items():
                    session.add(PlanPrice(plan_id=plan.id, meter_id=meters[index].id, spec=spec.to_json()))
                plans.append(plan)
            for plan, start, end in zip(plans, case.starts, ends, strict=True):
                await subscribe(session, org, plan, start, end)
        batch = [
            usage.EventInput(meters[index].key, e.quantity, e.timestamp, unique("k-"), e.properties)
            for index, e in case.events
        ]
        if batch:
            assert (await ingest(sessionmaker, org, batch)).accepted == len(batch)

        expected = oracle_lines(case, plans, meters)
        async with sessionmaker() as session:
            draft = await invoicing.draft(session, org, case.period)
        got = [
            (
                line.kind,
                line.period_start,
                line.period_end,
                line.plan_id,
                line.meter_id,
                int(line.quantity * MICROS),
                line.amount,
            )
            for line in draft.lines
        ]

        def order(line: tuple[object, ...]) -> tuple[object, ...]:
            return (line[1], str(line[0]), str(line[4]))

        assert sorted(got, key=order) == sorted(expected, key=order)
        assert draft.total == draft.subtotal == sum(line[-1] for line in expected)

        # Finalized, the stored invoice says the same (when a plan ran in the period at all).
        if not any(case.period.overlap(start, end) for start, end in zip(case.starts, ends, strict=True)):
            assert expected == []
            return
        async with unit_of_work(sessionmaker) as session:
            invoice = await invoicing.finalize(session, org, case.period, actor=ACTOR)
            stored = await invoicing.lines_of(session, invoice.id)
        assert invoice.total == draft.total
        assert [(line.amount, D(line.quantity)) for line in stored] == [
            (line.amount, line.quantity) for line in draft.lines
        ]

    run(settings.database_url, body)


# ---------------------------------------------------------------------------------------------
# 3. Idempotency: duplicates and retried batches store each event once


@dataclass(frozen=True)
class IdempotencyCase:
    meters: tuple[MeterDef, ...]
    events: list[tuple[int, Event]]  # the distinct events, by key index
    batches: list[list[int]]  # event indices per batch, in the order sent (retries included)
    spellings: list[int]  # how each sent event is written (see `spelled`), one per sent event


@st.composite
def idempotency_cases(draw: st.DrawFn) -> IdempotencyCase:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    end = start + timedelta(days=2)
    meters = tuple(
        MeterDef(aggregation, "region" if aggregation is Aggregation.UNIQUE_COUNT else None)
        for aggregation in Aggregation
    )
    found = draw(events(start, end, [start], min_size=1, max_size=15))
    placed = [(draw(st.integers(0, len(meters) - 1)), e) for e in found]
    # Every event at least once, some more often, in a random order, cut into batches.
    stream = draw(
        st.permutations([*range(len(found)), *draw(st.lists(st.integers(0, len(found) - 1), max_size=10))])
    )
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(stream) - 1)), max_size=4)) | {0, len(stream)})
    batches = [stream[a:b] for a, b in pairwise(cuts) if b > a]
    # Retries of whole batches, each sent again some time after its first sending.
    order = list(range(len(batches)))
    for _ in range(draw(st.integers(0, 3))):
        again = draw(st.integers(0, len(batches) - 1))
        order.insert(draw(st.integers(order.index(again) + 1, len(order))), again)
    sent = [batches[i] for i in order]
    spellings = draw(st.lists(st.integers(0, 5), min_size=sum(map(len, sent)), max_size=sum(map(len, sent))))
    return IdempotencyCase(meters, placed, sent, spellings)


def spelled(e: Event, how: int) -> tuple[Decimal, dict[str, str]]:
    """The same content written differently: the quantity as is, with trailing zeros or normalized;
    the properties in their order or reversed."""
    quantity = {0: e.quantity, 1: e.quantity.quantize(D("0.000001")), 2: e.quantity.normalize()}[how % 3]
    return quantity, dict(reversed(e.properties.items())) if how >= 3 else dict(e.properties)


@PROPERTIES
@given(case=idempotency_cases())
def test_duplicates_and_retries_store_each_event_once(settings: Settings, case: IdempotencyCase) -> None:
    note(f"case: {case!r}")  # this hypothesis prints drawn arguments empty
    start = datetime(2024, 3, 1, tzinfo=UTC)

    async def body(sessionmaker: Sessionmaker) -> None:
        async with unit_of_work(sessionmaker) as session:
            org = await new_organization(session)
            plan = await new_plan(session)
            await subscribe(session, org, plan, start - timedelta(days=1), None)
            meters = [await new_meter(session, definition) for definition in case.meters]
        keys = [unique("idem-") for _ in case.events]

        stored_order: list[int] = []  # event indices in the order they were first stored
        spellings = iter(case.spellings)
        for batch in case.batches:
            inputs = []
            for index in batch:
                meter, e = case.events[index]
                quantity, props = spelled(e, next(spellings))
                inputs.append(usage.EventInput(meters[meter].key, quantity, e.timestamp, keys[index], props))
            distinct = list(dict.fromkeys(batch))
            new = [i for i in distinct if i not in stored_order]
            result = await ingest(sessionmaker, org, inputs)
            assert (result.accepted, result.duplicates) == (len(new), len(distinct) - len(new))
            totals: dict[str, Fraction] = {}
            for i in new:
                key = meters[case.events[i][0]].key
                totals[key] = totals.get(key, Fraction(0)) + Fraction(case.events[i][1].quantity)
            assert {k: Fraction(v) for k, v in result.meter_totals.items()} == totals
            stored_order.extend(new)

        async with sessionmaker() as session:
            rows = list(await session.scalars(select(UsageEvent).where(UsageEvent.organization_id == org)))
            assert sorted(r.idempotency_key for r in rows) == sorted(keys)
            by_key = {r.idempotency_key: r for r in rows}
            for index, (meter, e) in enumerate(case.events):
                row = by_key[keys[index]]
                assert (row.meter_id, row.quantity_micros, row.timestamp, row.properties) == (
                    meters[meter].id,
                    int(e.quantity * MICROS),
                    e.timestamp,
                    e.properties,
                )
            for number, (definition, meter) in enumerate(zip(case.meters, meters, strict=True)):
                stored = [case.events[i][1] for i in stored_order if case.events[i][0] == number]
                got = await usage.aggregate(session, meter, org, start, start + timedelta(days=2))
                expected = oracle_aggregate(definition, stored, start, start + timedelta(days=2))
                assert Fraction(got) == expected, (definition, got, expected)

    run(settings.database_url, body)


# ---------------------------------------------------------------------------------------------
# Bugs the properties above found, kept as regression tests.


def test_large_events_sum_exactly_and_invoice(settings: Settings) -> None:
    """Sums of the largest quantities pass 64 bits of micro-units: still exact, and invoiced."""
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    largest = D("999999999999.999999")  # just below usage.MAX_QUANTITY
    count = 10

    async def body(sessionmaker: Sessionmaker) -> None:
        async with unit_of_work(sessionmaker) as session:
            org = await new_organization(session)
            plan = await new_plan(session)
            meter = await new_meter(session, MeterDef(Aggregation.SUM))
            spec = PriceSpec(PriceModel.PER_UNIT, unit_amount=D("0.000001"))
            session.add(PlanPrice(plan_id=plan.id, meter_id=meter.id, spec=spec.to_json()))
            await subscribe(session, org, plan, at - timedelta(days=1), None)
        batch = [usage.EventInput(meter.key, largest, at, unique("big-"), {}) for _ in range(count)]
        assert (await ingest(sessionmaker, org, batch)).accepted == count
        async with sessionmaker() as session:
            assert await usage.aggregate(session, meter, org, at, at + MICROSECOND) == largest * count
        async with unit_of_work(sessionmaker) as session:
            invoice = await invoicing.finalize(session, org, period_of(at), actor=ACTOR)
        assert invoice.total == half_up(Fraction(largest * count) / 10**6)

    run(settings.database_url, body)


def test_a_retry_written_at_another_utc_offset_is_a_duplicate(settings: Settings) -> None:
    """The same instant written at another UTC offset is the same event: a duplicate, not a conflict."""
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)

    async def body(sessionmaker: Sessionmaker) -> None:
        async with unit_of_work(sessionmaker) as session:
            org = await new_organization(session)
            plan = await new_plan(session)
            meter = await new_meter(session, MeterDef(Aggregation.SUM))
            await subscribe(session, org, plan, at - timedelta(days=1), None)
        key = unique("tz-")
        first = await ingest(sessionmaker, org, [usage.EventInput(meter.key, D(1), at, key, {})])
        assert (first.accepted, first.duplicates) == (1, 0)
        again = usage.EventInput(meter.key, D(1), at.astimezone(timezone(timedelta(hours=2))), key, {})
        retried = await ingest(sessionmaker, org, [again])
        assert (retried.accepted, retried.duplicates) == (0, 1)

    run(settings.database_url, body)
