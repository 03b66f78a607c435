"""The userErrors shape shared by every mutation payload."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An expected failure of a mutation, tied to the input field at fault.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault (camelCase), if any.")
    message: str
