"""The WPK manifest: YAML and JSON parsing without surprises, validation against the published
schema with the JSON path of the first error in the message, and the entrypoint check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import semver

from domain.errors import InvalidInput
from domain.marketplace.archive import open_archive
from domain.marketplace.errors import MarketplaceErrorCode as Code
from domain.marketplace.manifest import (
    MAX_MANIFEST_BYTES,
    SCHEMA_PATH,
    Capabilities,
    DataField,
    load_manifest,
    parse_manifest,
)
from tests.marketplace import wpk_builder as wpk

DOCS_SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "wpk-manifest.schema.json"


def invalid(raw: bytes, filename: str = "wpk.yaml") -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_manifest(raw, filename)
    assert caught.value.code == Code.MANIFEST_INVALID
    assert caught.value.field == "artifact"
    return caught.value.message


def yaml_of(**overrides: Any) -> bytes:
    return wpk.manifest_bytes(wpk.default_manifest(**overrides))


# --- the schema -----------------------------------------------------------------------------------


def test_the_published_schema_is_the_one_the_marketplace_uses() -> None:
    assert DOCS_SCHEMA.read_bytes() == SCHEMA_PATH.read_bytes()


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


# --- valid manifests ------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["wpk.yaml", "wpk.yml", "wpk.json"])
def test_a_full_manifest_becomes_typed_fields(filename: str) -> None:
    document = wpk.default_manifest(
        version="2.1.0-rc.1+build.7",
        capabilities={
            "network": {"egress": ["api.github.com", "*.slack.com:443"]},
            "secrets": ["GITHUB_TOKEN"],
            "filesystem": {"read": ["/data/in"], "write": ["/data/out"]},
            "shell": True,
            "autoRun": True,
            "models": ["gpt-4o", "meta-llama/Llama-3.1-8B"],
        },
        data={
            "fields": [
                {"name": "email", "personal": True, "anonymized": True},
                {"name": "city", "personal": False},
            ]
        },
    )

    manifest = parse_manifest(wpk.manifest_bytes(document, filename), filename)

    assert manifest.name == "hello"
    assert manifest.version == "2.1.0-rc.1+build.7"
    assert manifest.semver == semver.Version(2, 1, 0, "rc.1", "build.7")
    assert manifest.entrypoint == "main.py"
    assert manifest.description == "Says hello."
    assert manifest.capabilities == Capabilities(
        egress=("api.github.com", "*.slack.com:443"),
        secrets=("GITHUB_TOKEN",),
        filesystem_read=("/data/in",),
        filesystem_write=("/data/out",),
        shell=True,
        auto_run=True,
        models=("gpt-4o", "meta-llama/Llama-3.1-8B"),
    )
    assert manifest.inputs == {"type": "object", "properties": {"who": {"type": "string"}}}
    assert manifest.outputs == {"type": "object"}
    assert manifest.data_fields == (DataField("email", True, True), DataField("city", False, False))
    assert manifest.raw == document


def test_a_minimal_manifest_declares_nothing() -> None:
    manifest = parse_manifest(b"name: hi\nversion: 0.1.0\nentrypoint: run.py\n", "wpk.yaml")

    assert manifest.capabilities == Capabilities()
    assert (manifest.description, manifest.inputs, manifest.outputs, manifest.data_fields) == ("", {}, {}, ())


# --- schema errors name the JSON path -------------------------------------------------------------

SCHEMA_ERRORS = {
    "uppercase name": (
        {"name": "Hello"},
        "$.name: 'Hello' is not a package name without its namespace",
    ),
    "name too short": ({"name": "h"}, "$.name: 'h' is not a package name"),
    "name with a namespace": ({"name": "acme/hello"}, "$.name: 'acme/hello' is not a package name"),
    "unknown top-level key": (
        {"homepage": "x"},
        "$: Additional properties are not allowed ('homepage' was unexpected)",
    ),
    "missing entrypoint": ({"entrypoint": None}, "$: 'entrypoint' is a required property"),
    "escaping entrypoint": (
        {"entrypoint": "../run.py"},
        "$.entrypoint: '../run.py' is not a relative path inside",
    ),
    "absolute entrypoint": ({"entrypoint": "/bin/run"}, "$.entrypoint: '/bin/run' is not a relative path"),
    "uppercase egress host": (
        {"capabilities": {"network": {"egress": ["api.github.com", "API.example.com"]}}},
        "$.capabilities.network.egress[1]: 'API.example.com' is not a lowercase host name",
    ),
    "unknown capability": (
        {"capabilities": {"gpu": True}},
        "$.capabilities: Additional properties are not allowed ('gpu' was unexpected)",
    ),
    "shell not a boolean": (
        {"capabilities": {"shell": "yes"}},
        "$.capabilities.shell: 'yes' is not of type 'boolean'",
    ),
    "secret in lowercase": (
        {"capabilities": {"secrets": ["api_token"]}},
        "$.capabilities.secrets[0]: 'api_token' is not an environment variable name",
    ),
    "inputs not a JSON schema": (
        {"inputs": {"type": "objekt"}},
        "$.inputs.type: 'objekt' is not valid under any",
    ),
    "outputs not an object": ({"outputs": ["a"]}, "$.outputs: ['a'] is not of type 'object'"),
    "data field without personal": (
        {"data": {"fields": [{"name": "email", "personal": True}, {"name": "phone"}]}},
        "$.data.fields[1]: 'personal' is a required property",
    ),
    "duplicate data field": (
        {"data": {"fields": [{"name": "email", "personal": True}, {"name": "email", "personal": False}]}},
        "$.data.fields[1].name: 'email' is declared twice",
    ),
}


@pytest.mark.parametrize(("overrides", "message"), SCHEMA_ERRORS.values(), ids=SCHEMA_ERRORS.keys())
def test_a_schema_error_names_its_json_path(overrides: dict[str, Any], message: str) -> None:
    assert invalid(yaml_of(**overrides)).startswith(message)


def test_the_first_error_by_path_is_reported_and_the_others_counted() -> None:
    raw = yaml_of(name="Bad Name", capabilities={"shell": 1, "autoRun": "no"}, extra=True)

    assert invalid(raw) == "$: Additional properties are not allowed ('extra' was unexpected) (and 3 more)"
    assert invalid(yaml_of(name="Bad Name", capabilities={"shell": 1, "autoRun": "no"})) == (
        "$.capabilities.autoRun: 'no' is not of type 'boolean' (and 2 more)"
    )


def test_schema_errors_in_json_manifests_read_the_same() -> None:
    raw = json.dumps(wpk.default_manifest(capabilities={"network": {"egress": ["*", 7]}})).encode()

    assert invalid(raw, "wpk.json").startswith("$.capabilities.network.egress[1]: 7 is not of type 'string'")


@pytest.mark.parametrize(
    "version", ["1.0", "1", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0+", "1.0.0-01", "1.0.0.0", ""]
)
def test_an_invalid_semantic_version_is_refused(version: str) -> None:
    assert invalid(yaml_of(version=version)).startswith(
        f"$.version: {version!r} is not a Semantic Versioning 2.0.0"
    )


def test_a_version_yaml_reads_as_a_number_is_refused() -> None:
    assert (
        invalid(b"name: hello\nversion: 1.0\nentrypoint: main.py\n")
        == "$.version: 1.0 is not of type 'string'"
    )


# --- parsing without surprises ------------------------------------------------------------------

BILLION_LAUGHS = b"""\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""

PARSE_ERRORS = {
    "billion laughs": (BILLION_LAUGHS, "wpk.yaml", "the manifest uses YAML anchors or aliases"),
    "a single alias": (
        b"name: &n hello\nversion: 1.0.0\nentrypoint: *n\n",
        "wpk.yaml",
        "the manifest uses YAML anchors or aliases",
    ),
    "duplicate YAML key": (
        b"name: hello\nversion: 1.0.0\nentrypoint: a.py\nentrypoint: b.py\n",
        "wpk.yaml",
        "the manifest has the key 'entrypoint' twice",
    ),
    "python tag": (b"!!python/object/apply:os.system ['id']\n", "wpk.yaml", "the manifest uses the YAML tag"),
    "YAML syntax": (b"name: [hello\n", "wpk.yaml", "the manifest is not valid YAML"),
    "a YAML tag": (
        b"name: hello\ndescription: !!binary aGVsbG8=\n",
        "wpk.yaml",
        "the manifest uses the YAML tag",
    ),
    "a YAML set": (b"name: hello\ndescription: !!set {a, b}\n", "wpk.yaml", "the manifest uses the YAML tag"),
    "an impossible YAML date": (b"!!timestamp 2024-13-45\n", "wpk.yaml", "the manifest uses the YAML tag"),
    "a YAML merge key": (
        b"<<: {name: hello}\nversion: 1.0.0\n",
        "wpk.yaml",
        "the manifest uses a YAML merge key",
    ),
    "a 5000-digit YAML integer": (
        b"name: " + b"9" * 5000 + b"\n",
        "wpk.yaml",
        "the manifest has a value Python",
    ),
    "a 5000-digit JSON integer": (
        b'{"name": ' + b"9" * 5000 + b"}",
        "wpk.json",
        "the manifest is not valid JSON",
    ),
    "a non-string key": (b"name: hello\n1: one\n", "wpk.yaml", "$: the key 1 is not a string"),
    "YAML NaN": (
        b"name: hello\ninputs: {default: .nan}\n",
        "wpk.yaml",
        "$.inputs.default: nan is not a JSON number",
    ),
    "not a mapping": (b"- name: hello\n", "wpk.yaml", "$: [{'name': 'hello'}] is not of type 'object'"),
    "deep nesting": (
        b"[" * 3000 + b"]" * 3000,
        "wpk.yaml",
        "the manifest is nested more than 32 levels deep",
    ),
    "deep but parseable nesting": (
        b"inputs: " + b"{a: " * 40 + b"1" + b"}" * 40 + b"\n",
        "wpk.yaml",
        "$.inputs.a.a.a",
    ),
    "not UTF-8": (b"name: h\xe9llo\n", "wpk.yaml", "the manifest is not UTF-8 text"),
    "too large": (b"#" * (MAX_MANIFEST_BYTES + 1), "wpk.yaml", "the manifest is larger than"),
    "duplicate JSON key": (
        b'{"name": "a", "name": "b"}',
        "wpk.json",
        "the manifest has the key 'name' twice",
    ),
    "JSON NaN": (b'{"name": NaN}', "wpk.json", "the manifest has NaN, which JSON does not allow"),
    "JSON syntax": (b'{"name": "hello",}', "wpk.json", "the manifest is not valid JSON"),
    "deep JSON": (
        b"[" * 100_000 + b"]" * 100_000,
        "wpk.json",
        "the manifest is nested more than 32 levels deep",
    ),
    "YAML read as JSON": (yaml_of(), "wpk.json", "the manifest is not valid JSON"),
}


@pytest.mark.parametrize(("raw", "filename", "message"), PARSE_ERRORS.values(), ids=PARSE_ERRORS.keys())
def test_hostile_or_broken_documents_are_refused(raw: bytes, filename: str, message: str) -> None:
    assert invalid(raw, filename).startswith(message)


@pytest.mark.parametrize("date", ["2024-05-01", "2024-02-30", "2024-13-45"])
def test_yaml_dates_stay_strings(date: str) -> None:
    raw = f"name: hi\nversion: 1.0.0\nentrypoint: a\ndescription: {date}\n".encode()

    assert parse_manifest(raw, "wpk.yaml").description == date


def test_messages_stay_short_whatever_the_input() -> None:
    assert len(invalid(yaml_of(outputs=["x" * 5000]))) <= 300


# --- the manifest inside the artifact -------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_load_manifest_reads_and_checks_the_archive_manifest(tmp_path: Path, fmt: wpk.Format) -> None:
    archive = open_archive(wpk.build_wpk(tmp_path / f"a.{fmt}", fmt=fmt, prefix_dir="hello-1.0.0"))

    manifest = load_manifest(archive)

    assert (manifest.name, manifest.version, manifest.entrypoint) == ("hello", "1.0.0", "main.py")


def test_an_entrypoint_may_be_written_with_a_dot_segment(tmp_path: Path) -> None:
    path = wpk.build_wpk(
        tmp_path / "a.tar.gz",
        manifest=wpk.default_manifest(entrypoint="./src/run.py"),
        files={"src/run.py": b"1"},
    )

    assert load_manifest(open_archive(path)).entrypoint == "./src/run.py"


@pytest.mark.parametrize(
    ("entrypoint", "files"),
    [
        ("run.py", {"main.py": b"1"}),  # not there
        ("src", {"src/run.py": b"1"}),  # a folder
        ("Main.py", {"main.py": b"1"}),  # paths are case-sensitive
        ("main.py", {"sub/main.py": b"1"}),  # relative to the manifest, not found anywhere
    ],
)
def test_an_entrypoint_that_is_not_a_file_of_the_artifact_is_refused(
    tmp_path: Path, entrypoint: str, files: dict[str, bytes]
) -> None:
    path = wpk.build_wpk(
        tmp_path / "a.zip", fmt="zip", manifest=wpk.default_manifest(entrypoint=entrypoint), files=files
    )

    with pytest.raises(InvalidInput) as caught:
        load_manifest(open_archive(path))

    assert caught.value.code == Code.MANIFEST_INVALID
    assert caught.value.message == f"$.entrypoint: {entrypoint!r} is not a file of the artifact"


def test_an_oversized_manifest_in_an_archive_is_refused(tmp_path: Path) -> None:
    raw = yaml_of() + b"#" * MAX_MANIFEST_BYTES
    path = wpk.build_wpk(tmp_path / "a.tar.gz", manifest=raw)

    with pytest.raises(InvalidInput) as caught:
        load_manifest(open_archive(path))

    assert caught.value.code == Code.MANIFEST_INVALID
    assert caught.value.message.startswith("the manifest is larger than")
