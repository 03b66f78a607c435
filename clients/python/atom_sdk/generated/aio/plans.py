from .base_model import BaseModel
from .fragments import PlanFields


class Plans(BaseModel):
    plans: list["PlansPlans"]


PlansPlans = PlanFields
Plans.model_rebuild()
