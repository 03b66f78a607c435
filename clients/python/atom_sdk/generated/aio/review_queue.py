from pydantic import Field

from .base_model import BaseModel
from .fragments import PackageVersionFields, PageInfoFields


class ReviewQueue(BaseModel):
    review_queue: "ReviewQueueReviewQueue" = Field(alias="reviewQueue")


class ReviewQueueReviewQueue(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "ReviewQueueReviewQueuePageInfo" = Field(alias="pageInfo")
    nodes: list["ReviewQueueReviewQueueNodes"]


ReviewQueueReviewQueuePageInfo = PageInfoFields
ReviewQueueReviewQueueNodes = PackageVersionFields
ReviewQueue.model_rebuild()
ReviewQueueReviewQueue.model_rebuild()
