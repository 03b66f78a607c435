"""The WPK manifest: parsing (YAML or JSON, safely), validation against the published JSON Schema,
and the typed `Manifest` the rest of the marketplace reads.

Every refusal is `InvalidInput(code=MANIFEST_INVALID, field="artifact")` whose message starts with
the JSON path of the first error (errors sorted by path, then keyword, then message), e.g.
"$.capabilities.network.egress[0]: 'API.example.com' does not match the required pattern".
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import semver
import yaml

from domain.errors import InvalidInput
from domain.marketplace.archive import WpkArchive
from domain.marketplace.errors import MarketplaceErrorCode as Code

SCHEMA_PATH = Path(__file__).with_name("schemas") / "wpk-manifest.schema.json"
# Real manifests are a few KiB; the cap bounds parsing time and memory.
MAX_MANIFEST_BYTES = 256 * 1024
# Nesting deeper than this (in `inputs` and `outputs` schemas, say) is refused before validation.
MAX_DEPTH = 32
_MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class DataField:
    name: str
    personal: bool
    anonymized: bool


@dataclass(frozen=True)
class Capabilities:
    egress: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    filesystem_read: tuple[str, ...] = ()
    filesystem_write: tuple[str, ...] = ()
    shell: bool = False
    auto_run: bool = False
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    semver: semver.Version
    entrypoint: str
    description: str
    capabilities: Capabilities
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    data_fields: tuple[DataField, ...]
    raw: dict[str, Any] = field(repr=False)


def _invalid(message: str) -> InvalidInput:
    if len(message) > _MESSAGE_LIMIT:
        message = message[: _MESSAGE_LIMIT - 1] + "…"
    return InvalidInput(message, code=Code.MANIFEST_INVALID, field="artifact")


def parse_manifest(raw: bytes, filename: str) -> Manifest:
    """Parse and validate a manifest; `filename` (wpk.yaml, wpk.yml or wpk.json) picks the syntax."""
    if len(raw) > MAX_MANIFEST_BYTES:
        raise _invalid(f"the manifest is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid("the manifest is not UTF-8 text") from None
    try:
        document = _load_json(text) if filename.endswith(".json") else _load_yaml(text)
    except RecursionError:
        raise _invalid(f"the manifest is nested more than {MAX_DEPTH} levels deep") from None
    _check_plain_json(document)
    errors = sorted(_validator().iter_errors(document), key=_error_order)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise _invalid(f"{_json_path(first.absolute_path)}: {_describe(first)}{more}")
    return _manifest(document)


def load_manifest(archive: WpkArchive) -> Manifest:
    """Read, parse and validate the archive's manifest, and check that its entrypoint is a file
    of the archive (relative to the manifest's folder)."""
    raw = archive.read(archive.manifest_path, MAX_MANIFEST_BYTES + 1)
    manifest = parse_manifest(raw, archive.manifest_path)
    root = archive.package_root
    entrypoint = "/".join(part for part in manifest.entrypoint.split("/") if part not in ("", "."))
    member = archive.member(f"{root}/{entrypoint}" if root else entrypoint)
    if member is None or member.is_dir:
        raise _invalid(f"$.entrypoint: {manifest.entrypoint!r} is not a file of the artifact")
    return manifest


# --- parsing ------------------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader for JSON data: no anchors or aliases (a "billion laughs" document expands through
    them), no explicit tags (`!!binary`, `!!set`, `!!timestamp x`...), no merge keys, no duplicate
    keys (YAML says they are errors; PyYAML silently keeps the last), and dates left as strings."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _invalid("the manifest uses YAML anchors or aliases, which are not accepted")
        if getattr(event, "tag", None) is not None:
            raise _invalid(f"the manifest uses the YAML tag {event.tag}, which is not accepted")
        return super().compose_node(parent, index)  # type: ignore[no-untyped-call]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _invalid("the manifest uses a YAML merge key (<<), which is not accepted")
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            if isinstance(key, Hashable):
                if key in seen:
                    raise _invalid(f"the manifest has the key {key!r} twice in one mapping")
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise _invalid(f"the manifest is not valid YAML: {' '.join(str(exc).split())}") from None
    except ValueError as exc:  # an integer past Python's conversion limit of 4300 digits
        raise _invalid(f"the manifest has a value Python cannot read: {exc}") from None


def _load_json(text: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise _invalid(f"the manifest has the key {key!r} twice in one object")
            result[key] = value
        return result

    def constant(name: str) -> None:
        raise _invalid(f"the manifest has {name}, which JSON does not allow")

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except ValueError as exc:  # JSONDecodeError, or an integer past the conversion limit
        raise _invalid(f"the manifest is not valid JSON: {exc}") from None


def _check_plain_json(document: Any) -> None:
    """YAML can say more than JSON (non-string keys, NaN, sets); a manifest is JSON data."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise _invalid(f"{_json_path(path)}: the manifest is nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise _invalid(f"{_json_path(path)}: the key {key!r} is not a string")
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, i)) for i, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            raise _invalid(f"{_json_path(path)}: {value!r} is not a JSON number")
        elif value is not None and not isinstance(value, str | int | float | bool):
            raise _invalid(
                f"{_json_path(path)}: a {type(value).__name__} is not JSON data (quote it as a string)"
            )


# --- validation ---------------------------------------------------------------------------------


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema())
    return jsonschema.Draft202012Validator(schema())


def _json_path(parts: Iterable[str | int]) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.isidentifier():
            path += f".{part}"
        else:
            path += f"[{json.dumps(part)}]"
    return path


def _error_order(error: jsonschema.ValidationError) -> tuple[tuple[tuple[int, str], ...], str, str]:
    parts = tuple((0, f"{p:012d}") if isinstance(p, int) else (1, p) for p in error.absolute_path)
    return parts, str(error.validator), error.message


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "pattern":
        # The pattern itself is long and unhelpful; its schema says in words what it wants.
        wanted = error.schema.get("description") if isinstance(error.schema, dict) else None
        return f"{error.instance!r} is not {wanted}" if wanted else f"{error.instance!r} has the wrong form"
    return error.message


def _manifest(document: dict[str, Any]) -> Manifest:
    capabilities = document.get("capabilities", {})
    filesystem = capabilities.get("filesystem", {})
    fields = document.get("data", {}).get("fields", [])
    names = [f["name"] for f in fields]
    duplicate = next((i for i, name in enumerate(names) if name in names[:i]), None)
    if duplicate is not None:
        raise _invalid(f"$.data.fields[{duplicate}].name: {names[duplicate]!r} is declared twice")
    return Manifest(
        name=document["name"],
        version=document["version"],
        # The schema's pattern is the official SemVer 2.0.0 one, so this parse cannot fail.
        semver=semver.Version.parse(document["version"]),
        entrypoint=document["entrypoint"],
        description=document.get("description", ""),
        capabilities=Capabilities(
            egress=tuple(capabilities.get("network", {}).get("egress", ())),
            secrets=tuple(capabilities.get("secrets", ())),
            filesystem_read=tuple(filesystem.get("read", ())),
            filesystem_write=tuple(filesystem.get("write", ())),
            shell=capabilities.get("shell", False),
            auto_run=capabilities.get("autoRun", False),
            models=tuple(capabilities.get("models", ())),
        ),
        inputs=document.get("inputs", {}),
        outputs=document.get("outputs", {}),
        data_fields=tuple(
            DataField(name=f["name"], personal=f["personal"], anonymized=f.get("anonymized", False))
            for f in fields
        ),
        raw=document,
    )
