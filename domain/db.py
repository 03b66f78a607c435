"""Database plumbing shared by every area: the declarative base, column types and the async engine.

SQLite (aiosqlite) is the embedded default, PostgreSQL (psycopg 3) the production database. The
schema is only ever made by Alembic (see `migrations/`); nothing here calls `create_all`.
"""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, TypeDecorator, Uuid, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import NullPool

from domain.ids import new_id

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use domain.clock")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, echo: bool = False, pool: bool = True) -> AsyncEngine:
    """The async engine for `url`. SQLite gets real transactions (SAVEPOINT included) and foreign keys."""
    kwargs: dict[str, Any] = {"echo": echo}
    if not pool:
        kwargs["poolclass"] = NullPool
    if is_sqlite(url):
        kwargs["connect_args"] = {"timeout": 30}
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        _sqlite_transactions(engine)
    return engine


def _sqlite_transactions(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN itself.
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_inside_operation: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "inside_session_operation", default=False
)


class SerialSession(AsyncSession):
    """An AsyncSession whose operations run one at a time and always run to completion.

    GraphQL resolves sibling fields concurrently on the request's one session, and graphql-core
    cancels the siblings of a field that fails. An AsyncSession is neither safe for concurrent use
    nor for a statement cancelled half-way (the connection is left mid-transaction; on SQLite it
    keeps the write lock). Here each operation runs in its own task behind a lock, shielded from
    the caller's cancellation: the caller may stop waiting, the statement still finishes cleanly.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._serial_lock = asyncio.Lock()

    async def _serial(self, operation: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        if _inside_operation.get():  # nested: e.g. scalars() calls execute()
            return await operation(*args, **kwargs)

        async def run() -> T:
            _inside_operation.set(True)
            async with self._serial_lock:
                return await operation(*args, **kwargs)

        return await asyncio.shield(asyncio.ensure_future(run()))

    async def execute(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await self._serial(super().execute, *args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await self._serial(super().scalar, *args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await self._serial(super().scalars, *args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await self._serial(super().get, *args, **kwargs)

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        await self._serial(super().flush, *args, **kwargs)

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        await self._serial(super().delete, *args, **kwargs)

    async def refresh(self, *args: Any, **kwargs: Any) -> None:
        await self._serial(super().refresh, *args, **kwargs)

    async def commit(self) -> None:
        await self._serial(super().commit)

    async def rollback(self) -> None:
        await self._serial(super().rollback)

    async def close(self) -> None:
        await self._serial(super().close)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=SerialSession, expire_on_commit=False, autoflush=True)


@asynccontextmanager
async def unit_of_work(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction: committed when the block ends normally, rolled back when it raises."""
    async with sessionmaker() as session, session.begin():
        yield session
