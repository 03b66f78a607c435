"""Every area's models, imported once so `Base.metadata` is complete (Alembic, checks)."""

from domain.auth import models as auth_models
from domain.db import Base

metadata = Base.metadata

__all__ = ["auth_models", "metadata"]
