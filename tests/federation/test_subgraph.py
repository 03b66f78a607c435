"""The subgraph as a gateway sees it: `_service { sdl }` is the committed SDL, the `@link` imports are
exactly the federation directives in use, at a spec version composition libraries accept, and the
`public` contract tag covers everything its fields reach."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    ConstDirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListValueNode,
    NamedTypeNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    StringValueNode,
    TypeDefinitionNode,
    TypeNode,
    Visitor,
    parse,
    visit,
)

from schema import build_schema
from schema.contracts import PUBLIC
from schema.federation import FEDERATION_VERSION
from tests.federation.world import ENTITY_TYPES
from tests.helpers import GraphQL

COMMITTED = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"
FEDERATION_SPEC = "https://specs.apollo.dev/federation/"
# The directives of the federation spec (v2.0 to v2.9) a subgraph imports with @link.
FEDERATION_DIRECTIVES = frozenset(
    {
        "key",
        "shareable",
        "inaccessible",
        "tag",
        "external",
        "requires",
        "provides",
        "override",
        "extends",
        "composeDirective",
        "interfaceObject",
        "authenticated",
        "requiresScopes",
        "policy",
        "context",
        "fromContext",
        "cost",
        "listSize",
    }
)
BUILT_IN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


async def test_service_sdl_is_the_committed_schema(gql: GraphQL) -> None:
    """The committed file is the served SDL plus a final newline; nothing else differs."""
    sdl = (await gql("{ _service { sdl } }"))["_service"]["sdl"]
    assert sdl + "\n" == COMMITTED.read_text()


def test_the_entities_are_the_types_partners_join_on() -> None:
    assert build_schema().entity_types == frozenset(ENTITY_TYPES)


def _link(document: DocumentNode) -> tuple[str, list[str]]:
    (schema,) = [d for d in document.definitions if isinstance(d, SchemaDefinitionNode)]
    (link,) = [d for d in schema.directives or () if d.name.value == "link"]
    arguments = {a.name.value: a.value for a in link.arguments or ()}
    url, imports = arguments["url"], arguments["import"]
    assert isinstance(url, StringValueNode) and isinstance(imports, ListValueNode)
    return url.value, [v.value for v in imports.values if isinstance(v, StringValueNode)]


class _Applied(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_const_directive(self, node: ConstDirectiveNode, *_: object) -> None:
        self.names.add(node.name.value)

    enter_directive = enter_const_directive


def test_link_imports_exactly_the_federation_directives_in_use() -> None:
    document = parse(COMMITTED.read_text())
    url, imports = _link(document)
    assert url == f"{FEDERATION_SPEC}v{FEDERATION_VERSION}"
    applied = _Applied()
    visit(document, applied)
    assert sorted(imports) == sorted(f"@{name}" for name in applied.names & FEDERATION_DIRECTIVES)
    assert {"@key", "@shareable", "@tag"} <= set(imports)


def test_the_federation_version_is_one_composition_accepts() -> None:
    # @theguild/federation-composition 0.27 accepts v2.0 to v2.9 (not strawberry's default, v2.11).
    major, minor = (int(part) for part in FEDERATION_VERSION.split("."))
    assert major == 2 and minor <= 9


# ---------------------------------------------------------------- the `public` contract


def _tags(node: object) -> set[str]:
    found = set()
    for directive in getattr(node, "directives", None) or ():
        if directive.name.value == "tag":
            for argument in directive.arguments or ():
                if argument.name.value == "name" and isinstance(argument.value, StringValueNode):
                    found.add(argument.value.value)
    return found


def _named(type_node: TypeNode) -> str:
    while not isinstance(type_node, NamedTypeNode):
        type_node = type_node.type  # type: ignore[attr-defined]
    return type_node.name.value


def test_the_public_contract_is_closed() -> None:
    """In a contract including tag "public", an untagged type or argument is left out: every type a
    public field or argument uses must be public too, or the contract does not compose."""
    types: dict[str, TypeDefinitionNode] = {
        d.name.value: d for d in parse(COMMITTED.read_text()).definitions if isinstance(d, TypeDefinitionNode)
    }

    def public_fields(definition: TypeDefinitionNode) -> list[FieldDefinitionNode | InputValueDefinitionNode]:
        fields = list(getattr(definition, "fields", None) or ())
        return fields if PUBLIC in _tags(definition) else [f for f in fields if PUBLIC in _tags(f)]

    problems: list[str] = []
    seen: set[str] = set()
    pending = ["Query"]
    while pending:
        name = pending.pop()
        if name in seen or name in BUILT_IN_SCALARS:
            continue
        seen.add(name)
        definition = types[name]
        is_public = PUBLIC in _tags(definition)
        if name != "Query" and not is_public and not public_fields(definition):
            problems.append(f"{name} is reached by the public contract but has no public tag")
            continue
        if isinstance(definition, EnumTypeDefinitionNode | ScalarTypeDefinitionNode):
            continue
        for field in public_fields(definition):
            pending.append(_named(field.type))
            for argument in getattr(field, "arguments", None) or ():
                if not is_public and PUBLIC not in _tags(argument):
                    problems.append(f"{name}.{field.name.value}({argument.name.value}:) is not tagged public")
                pending.append(_named(argument.type))
        if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            pending += [i.name.value for i in definition.interfaces or ()]
        if isinstance(definition, InputObjectTypeDefinitionNode) and not is_public:
            problems.append(f"input {name} is reached by the public contract but is not tagged public")
    assert problems == []
    assert {"Package", "PackageVersion", "Publisher", "PackageSearchResult", "DateTime"} <= seen
    assert "Package.versions" not in {f"Package.{f.name.value}" for f in public_fields(types["Package"])}, (
        "Package.versions would pull every connection type into the contract"
    )
