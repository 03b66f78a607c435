from .base_model import BaseModel
from .fragments import MeterFields


class Meters(BaseModel):
    meters: list["MetersMeters"]


MetersMeters = MeterFields
Meters.model_rebuild()
