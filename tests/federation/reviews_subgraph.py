"""A partner's subgraph for the federation tests: reviews and ratings of ATOM packages, held in memory and
keyed by ATOM's Package global ids. It knows nothing else about a package: the gateway asks ATOM."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.types import Info

# The headers a gateway in front of ATOM must pass on to every subgraph; the store records what arrived.
PROPAGATED_HEADERS = ("authorization", "x-atom-organization")


@dataclass(frozen=True)
class ReviewRecord:
    stars: int
    body: str
    author: str


@dataclass
class ReviewStore:
    """The partner's own data, and the propagated headers of each request it was sent."""

    reviews: dict[str, list[ReviewRecord]] = field(default_factory=lambda: defaultdict(list))
    headers_seen: list[dict[str, str | None]] = field(default_factory=list)

    def add(self, package_id: str, record: ReviewRecord) -> None:
        self.reviews[package_id].append(record)

    def average(self, package_id: str) -> float | None:
        records = self.reviews.get(package_id)
        return sum(r.stars for r in records) / len(records) if records else None

    def top_rated(self, first: int) -> list[str]:
        """Package ids by average rating, best first; ties by id so the order is stable."""
        reviewed = [package_id for package_id, records in self.reviews.items() if records]
        return sorted(reviewed, key=lambda package_id: (-(self.average(package_id) or 0.0), package_id))[
            :first
        ]


@dataclass
class ReviewsContext:
    store: ReviewStore


@strawberry.type(description="One partner review of a package.")
class Review:
    stars: int
    body: str
    author: str


@strawberry.federation.type(keys=["id"], description="An ATOM package, as far as reviews go.")
class Package:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Package:
        return cls(id=id)

    @strawberry.field(description="Reviews of the package, oldest first.")
    def reviews(self, info: Info[ReviewsContext, Any]) -> list[Review]:
        records = info.context.store.reviews.get(str(self.id), [])
        return [Review(stars=r.stars, body=r.body, author=r.author) for r in records]

    @strawberry.field(description="Mean stars; null when nobody reviewed it.")
    def average_rating(self, info: Info[ReviewsContext, Any]) -> float | None:
        return info.context.store.average(str(self.id))


@strawberry.type
class Query:
    @strawberry.field(
        description="Reviewed packages, best rated first. An item is null where ATOM does not show "
        "that package to the caller: the partner cannot know who may see what."
    )
    def top_rated_packages(self, info: Info[ReviewsContext, Any], first: int = 10) -> list[Package | None]:
        return [Package(id=strawberry.ID(package_id)) for package_id in info.context.store.top_rated(first)]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Review a package by its ATOM global id; stars from 1 to 5.")
    def add_review(
        self, info: Info[ReviewsContext, Any], package_id: strawberry.ID, stars: int, body: str, author: str
    ) -> Review:
        if not 1 <= stars <= 5:
            raise ValueError("stars must be between 1 and 5")
        info.context.store.add(str(package_id), ReviewRecord(stars=stars, body=body, author=author))
        return Review(stars=stars, body=body, author=author)


schema = strawberry.federation.Schema(query=Query, mutation=Mutation)


class ReviewsGraphQL(GraphQL[ReviewsContext, None]):
    def __init__(self, store: ReviewStore) -> None:
        super().__init__(schema, graphql_ide=None)
        self.store = store

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> ReviewsContext:
        self.store.headers_seen.append({name: request.headers.get(name) for name in PROPAGATED_HEADERS})
        return ReviewsContext(store=self.store)


def make_app(store: ReviewStore) -> Starlette:
    """The partner's service: the subgraph at /graphql over one store."""
    return Starlette(routes=[Route("/graphql", ReviewsGraphQL(store), methods=["GET", "POST"])])
