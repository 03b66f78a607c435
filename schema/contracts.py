"""Contract tags (`@tag`): the parts of the schema a gateway may serve as a filtered variant of the
supergraph. `public` is the catalog anonymous callers browse (a contract including tag "public")."""

from __future__ import annotations

# Every type reachable from a tagged field must be tagged too, or the contract does not compose:
# tests/federation/test_subgraph.py checks the closure.
PUBLIC = "public"
