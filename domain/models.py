"""Every area's models, imported once so `Base.metadata` is complete (Alembic, checks)."""

from domain.audit import models as audit_models
from domain.auth import models as auth_models
from domain.billing import models as billing_models
from domain.db import Base
from domain.events import models as event_models
from domain.marketplace import models as marketplace_models

metadata = Base.metadata

__all__ = ["audit_models", "auth_models", "billing_models", "event_models", "marketplace_models", "metadata"]
