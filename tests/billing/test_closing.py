"""Closing ended periods by itself (the server's hourly job, `atom billing close-periods`): every ended
period with a plan gets exactly one invoice, numbered in order, and running it again changes nothing.
On a database of its own, so other tests' organizations are not closed with it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from domain.auth.models import Organization
from domain.billing import invoicing, service
from domain.billing.models import Invoice, InvoiceStatus, Plan
from domain.billing.periods import period_of
from domain.clock import clock
from domain.db import make_engine, make_sessionmaker, unit_of_work
from domain.principal import Principal
from tests.billing.stripe_support import isolated_database


async def _journey(url: str) -> None:
    engine = make_engine(url, pool=False)
    sessions = make_sessionmaker(engine)
    try:
        subscribed = datetime(2025, 1, 16, 12, tzinfo=UTC)
        clock.freeze(subscribed)
        async with unit_of_work(sessions) as session:
            now = clock.now()
            plan = Plan(
                key=f"p-{uuid.uuid4().hex[:8]}",
                name="Team",
                currency="EUR",
                monthly_fee=3100,
                active=True,
                created_at=now,
            )
            customer = Organization(slug=f"c-{uuid.uuid4().hex[:8]}", name="Customer", created_at=now)
            idle = Organization(slug=f"i-{uuid.uuid4().hex[:8]}", name="No plan", created_at=now)
            session.add_all([plan, customer, idle])
            await session.flush()
            await service.subscribe(session, Principal.system(organization_id=customer.id), plan_key=plan.key)

        clock.freeze(datetime(2025, 3, 10, tzinfo=UTC))  # January and February have ended, March has not
        made = await invoicing.close_ended_periods(sessions)
        assert [(i.number.rsplit("-", 1)[1], i.period_start, i.total) for i in made] == [
            ("0001", period_of(subscribed).start, 1550),  # 15.5 of 31 days of 3100
            ("0002", datetime(2025, 2, 1, tzinfo=UTC), 3100),
        ]
        assert await invoicing.close_ended_periods(sessions) == []  # each period once

        async with sessions() as session:
            stored = list(await session.scalars(select(Invoice).order_by(Invoice.sequence)))
        assert [(i.organization_id, i.sequence, i.status) for i in stored] == [
            (customer.id, 1, InvoiceStatus.OPEN),
            (customer.id, 2, InvoiceStatus.OPEN),
        ]
    finally:
        clock.unfreeze()
        await engine.dispose()


def test_ended_periods_are_invoiced_once_in_order(tmp_path: Path) -> None:
    with isolated_database(tmp_path) as url:
        asyncio.run(_journey(url))
