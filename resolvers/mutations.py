"""The one way a mutation runs: in a savepoint, domain errors turned into userErrors, nothing half-written."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from domain.errors import DomainError
from resolvers.context import Context
from resolvers.errors import UserErrorData

T = TypeVar("T")
log = logging.getLogger("atom.mutations")


@dataclass(slots=True)
class Outcome(Generic[T]):
    result: T | None = None
    user_errors: list[UserErrorData] = field(default_factory=list)


async def run_mutation(context: Context, work: Callable[[], Awaitable[T]]) -> Outcome[T]:
    """Run `work` in a SAVEPOINT. A DomainError rolls the savepoint back and becomes a userError,
    unless the error says its changes must persist (e.g. a refresh-token family revocation)."""
    savepoint = await context.session.begin_nested()
    try:
        result = await work()
    except DomainError as error:
        if error.keeps_changes:
            await savepoint.commit()
        else:
            await savepoint.rollback()
        log.info("mutation refused", extra={"code": error.code, "field": error.field})
        # An error may stand for several (a usage batch names every bad event): report each.
        several: list[DomainError] = getattr(error, "errors", None) or [error]
        return Outcome(None, [UserErrorData.from_domain(e) for e in several])
    except BaseException:
        await savepoint.rollback()
        raise
    await savepoint.commit()
    return Outcome(result)
