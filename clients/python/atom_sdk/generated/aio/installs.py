from .base_model import BaseModel
from .fragments import InstallFields


class Installs(BaseModel):
    installs: list["InstallsInstalls"]


InstallsInstalls = InstallFields
Installs.model_rebuild()
