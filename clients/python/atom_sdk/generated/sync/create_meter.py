from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import BillingErrorFields, MeterFields


class CreateMeter(BaseModel):
    create_meter: "CreateMeterCreateMeter" = Field(alias="createMeter")


class CreateMeterCreateMeter(BaseModel):
    meter: Optional["CreateMeterCreateMeterMeter"]
    user_errors: list["CreateMeterCreateMeterUserErrors"] = Field(alias="userErrors")


CreateMeterCreateMeterMeter = MeterFields
CreateMeterCreateMeterUserErrors = BillingErrorFields
CreateMeter.model_rebuild()
CreateMeterCreateMeter.model_rebuild()
