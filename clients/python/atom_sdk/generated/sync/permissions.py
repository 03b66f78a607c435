from .base_model import BaseModel


class Permissions(BaseModel):
    permissions: list["PermissionsPermissions"]


class PermissionsPermissions(BaseModel):
    name: str
    description: str


Permissions.model_rebuild()
