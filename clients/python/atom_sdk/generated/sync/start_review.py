from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import MarketplaceErrorFields, PackageVersionFields


class StartReview(BaseModel):
    start_review: "StartReviewStartReview" = Field(alias="startReview")


class StartReviewStartReview(BaseModel):
    version: Optional["StartReviewStartReviewVersion"]
    user_errors: list["StartReviewStartReviewUserErrors"] = Field(alias="userErrors")


StartReviewStartReviewVersion = PackageVersionFields
StartReviewStartReviewUserErrors = MarketplaceErrorFields
StartReview.model_rebuild()
StartReviewStartReview.model_rebuild()
