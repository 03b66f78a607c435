"""sdk-gen: the client schema, the operation checks and the drift check that `atom sdk check` runs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from graphql import (
    FragmentDefinitionNode,
    OperationDefinitionNode,
    OperationType,
    build_schema,
    parse,
    print_schema,
    validate,
)

from server import sdk

SDL = sdk.SERVER_SCHEMA.read_text()


def test_the_client_schema_is_the_public_subgraph_without_federation() -> None:
    schema = sdk.client_schema(SDL)
    assert schema.query_type is not None
    assert "_entities" not in schema.query_type.fields
    assert "_service" not in schema.query_type.fields
    assert not {"_Any", "_Entity", "_Service"} & set(schema.type_map)
    assert {d.name for d in schema.directives} == {"include", "skip", "deprecated", "specifiedBy", "oneOf"}
    served = build_schema(SDL, assume_valid_sdl=True).query_type
    assert served is not None
    assert set(schema.query_type.fields) == set(served.fields) - {"_entities", "_service"}
    committed = sdk.CLIENT_SCHEMA.read_text()
    assert committed == sdk.client_schema_sdl(SDL), "sdk-gen/schema.graphql is stale: run `atom sdk generate`"


FEDERATED = """
schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@tag", "@inaccessible"]) {
  query: Query
}
directive @isAuthenticated on FIELD_DEFINITION
type Query {
  thing(id: ID! @tag(name: "public"), secret: String @inaccessible): Thing @tag(name: "public") @isAuthenticated
  things(filter: Filter): [Thing!]!
  hidden: Hidden @inaccessible
  _entities(representations: [_Any!]!): [_Entity]!
  _service: _Service!
}
type Thing @key(fields: "id") @tag(name: "public") @shareable {
  id: ID!
  kind: Kind
  internal: String @inaccessible
  old: String @deprecated(reason: "gone") @tag(name: "public")
  stamp: Stamp
}
type Hidden @inaccessible { x: Int }
enum Kind @tag(name: "public") { A @tag(name: "public") B @inaccessible }
input Filter @tag(name: "public") { a: Int @tag(name: "public") b: Int @inaccessible }
scalar Stamp @tag(name: "public") @specifiedBy(url: "https://example.com/stamp")
scalar _Any
union _Entity = Thing
type _Service { sdl: String! }
"""
PUBLIC_PART = """type Query {
  thing(id: ID!): Thing
  things(filter: Filter): [Thing!]!
}

type Thing {
  id: ID!
  kind: Kind
  old: String @deprecated(reason: "gone")
  stamp: Stamp
}

enum Kind {
  A
}

input Filter {
  a: Int
}

scalar Stamp"""


def test_the_client_schema_drops_whatever_is_inaccessible_and_every_federation_directive() -> None:
    assert print_schema(sdk.client_schema(FEDERATED)) == PUBLIC_PART


def test_the_committed_operations_validate_and_cover_every_public_root_field() -> None:
    assert sdk.check_operations(SDL) == []


def _operations_copy(tmp_path: Path) -> Path:
    target = tmp_path / "operations"
    shutil.copytree(sdk.OPERATIONS, target)
    return target


def test_each_subscription_document_for_the_sync_client_carries_every_fragment_it_uses() -> None:
    """The sync client's streams send these: each validates on its own against the client schema."""
    schema = sdk.client_schema(SDL)
    operations = sdk.load_operations()
    subscriptions = [
        d.name.value
        for d in operations.document.definitions
        if isinstance(d, OperationDefinitionNode) and d.operation == OperationType.SUBSCRIPTION and d.name
    ]
    namespace: dict[str, object] = {}
    exec(sdk.subscription_documents(operations), namespace)
    documents = {name: text for name, text in namespace.items() if name.isupper()}
    assert len(documents) == len(subscriptions) and "AUDIT_EVENTS" in documents, sorted(documents)
    for name, text in documents.items():
        assert isinstance(text, str)
        assert validate(schema, parse(text)) == [], name
    fragments = {
        d.name.value
        for d in parse(str(documents["AUDIT_EVENTS"])).definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    assert fragments == {"AuditEntryFields", "AuditTargetFields"}


def test_a_root_field_without_an_operation_is_reported(tmp_path: Path) -> None:
    operations = _operations_copy(tmp_path)
    installs = operations / "installs.graphql"
    document = installs.read_text()
    start = document.index("mutation UninstallPackage")
    end = document.index("\n}\n", start) + 3
    installs.write_text(document[:start] + document[end:])
    assert sdk.check_operations(SDL, operations) == [
        "Mutation.uninstallPackage has no operation in sdk-gen/operations"
    ]


def test_an_operation_that_no_longer_validates_is_reported_with_its_file(tmp_path: Path) -> None:
    operations = _operations_copy(tmp_path)
    (operations / "extra.graphql").write_text("query Extra { viewer { user { nickname } } }\n")
    found = sdk.check_operations(SDL, operations)
    assert len(found) == 1
    assert "Cannot query field 'nickname' on type 'User'." in found[0]
    # The same operations, against a schema that removed a field they use:
    removed = re.sub(r"\n  installCount: Int![^\n]*", "", SDL, count=1)
    assert removed != SDL
    assert any("installCount" in problem for problem in sdk.check_operations(removed))


def test_operation_names_are_unique_across_files(tmp_path: Path) -> None:
    operations = _operations_copy(tmp_path)
    (operations / "zz.graphql").write_text("query Viewer { viewer { permissions } }\n")
    with pytest.raises(sdk.SdkError, match="Viewer is defined twice"):
        sdk.check_operations(SDL, operations)


def test_every_operation_has_a_name(tmp_path: Path) -> None:
    operations = _operations_copy(tmp_path)
    (operations / "zz.graphql").write_text("{ viewer { permissions } }\n")
    with pytest.raises(sdk.SdkError, match="every operation needs a name"):
        sdk.load_operations(operations)


def _checkout_copy(tmp_path: Path) -> Path:
    """The parts of this checkout `atom sdk generate` reads and writes, with the installed node_modules."""
    root = tmp_path / "checkout"
    (root / "schema").mkdir(parents=True)
    shutil.copy2(sdk.SERVER_SCHEMA, root / "schema" / "schema.graphql")
    shutil.copytree(sdk.SDK_GEN, root / "sdk-gen", ignore=shutil.ignore_patterns(".sync-operations"))
    shutil.copytree(sdk.PYTHON_CLIENT / "atom_sdk" / "generated", root / "clients/python/atom_sdk/generated")
    typescript = root / "clients" / "typescript"
    shutil.copytree(sdk.TYPESCRIPT_CLIENT / "src" / "generated", typescript / "src" / "generated")
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(sdk.TYPESCRIPT_CLIENT / name, typescript / name)
    node_modules = sdk.TYPESCRIPT_CLIENT / "node_modules"
    assert node_modules.is_dir(), "clients/typescript/node_modules is missing: run scripts/sdk.sh deps"
    (typescript / "node_modules").symlink_to(node_modules)
    return root


def test_drift_names_every_generated_file_an_operation_change_would_rewrite(tmp_path: Path) -> None:
    root = _checkout_copy(tmp_path)
    assert sdk.drift(root) == []
    # A field added to an operation, without regenerating: both SDKs are stale.
    auth = root / "sdk-gen" / "operations" / "auth.graphql"
    text = auth.read_text()
    assert "query Viewer {\n  viewer {\n" in text
    auth.write_text(
        text.replace("query Viewer {\n  viewer {\n", "query Viewer {\n  viewer {\n    permissions\n", 1)
    )
    parse(auth.read_text())
    differing = sdk.drift(root)
    assert "clients/python/atom_sdk/generated/aio/viewer.py" in differing
    assert "clients/python/atom_sdk/generated/sync/viewer.py" in differing
    assert "clients/typescript/src/generated/graphql.ts" in differing
    # Regenerating makes them current again.
    sdk.generate(root)
    assert sdk.drift(root) == []


def test_a_hand_edit_of_generated_code_is_drift(tmp_path: Path) -> None:
    root = _checkout_copy(tmp_path)
    client = root / "clients/python/atom_sdk/generated/aio/client.py"
    client.write_text(client.read_text() + "\n# edited by hand\n")
    stray = root / "clients/typescript/src/generated/extra.ts"
    stray.write_text("export const extra = 1;\n")
    assert sdk.drift(root) == [
        "clients/python/atom_sdk/generated/aio/client.py",
        "clients/typescript/src/generated/extra.ts",
    ]
