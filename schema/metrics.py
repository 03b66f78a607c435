"""Prometheus metrics of the GraphQL layer (P-4). Served by the server at /metrics."""

from __future__ import annotations

import re

from prometheus_client import Counter, Histogram

GRAPHQL_REQUESTS = Counter(
    "atom_graphql_operations_total", "GraphQL operations executed", ["operation_name", "operation_type"]
)
GRAPHQL_LATENCY = Histogram(
    "atom_graphql_operation_duration_seconds",
    "GraphQL operation latency",
    ["operation_name", "operation_type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
GRAPHQL_ERRORS = Counter("atom_graphql_errors_total", "GraphQL errors returned", ["code"])

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_MAX_NAMES = 500
_seen: set[str] = set()


def operation_label(name: str | None) -> str:
    """Operation names are client-chosen: keep the label set bounded."""
    if not name or not _NAME.match(name):
        return "anonymous"
    if name in _seen:
        return name
    if len(_seen) >= _MAX_NAMES:
        return "other"
    _seen.add(name)
    return name
