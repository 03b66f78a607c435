"""The committed GraphQL contract (schema/schema.graphql) is what the code serves, and the drift check
behind `atom schema export --check` passes on it and fails on a stale copy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from schema import export_sdl
from server.cli import SCHEMA_FILE

ATOM = Path(sys.executable).parent / "atom"
COMMITTED = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def run_atom(*args: str) -> subprocess.CompletedProcess[str]:
    assert ATOM.is_file(), f"console script not found next to {sys.executable}; install the package"
    return subprocess.run(
        [str(ATOM), *args], capture_output=True, text=True, timeout=120, check=False, stdin=subprocess.DEVNULL
    )


def test_committed_schema_equals_the_sdl_exported_from_code() -> None:
    assert COMMITTED.samefile(SCHEMA_FILE), "atom schema export writes somewhere else"
    assert COMMITTED.read_text() == export_sdl(), "schema/schema.graphql is stale: run `atom schema export`"


@pytest.mark.parametrize(
    "fragment",
    ["_service", "_entities", "interface Node", "node(id: ID!)"],
)
def test_committed_schema_has_federation_and_relay_entry_points(fragment: str) -> None:
    assert fragment in COMMITTED.read_text()


def test_atom_schema_export_check_passes_on_the_committed_schema() -> None:
    result = run_atom("schema", "export", "--check")
    assert result.returncode == 0, result.stderr
    assert "is current" in result.stdout


def test_atom_schema_export_check_fails_on_a_stale_schema_file(tmp_path: Path) -> None:
    stale = tmp_path / "schema.graphql"
    stale.write_text(export_sdl().replace("interface Node", "interface StaleNode", 1))
    result = run_atom("schema", "export", "--check", "--output", str(stale))
    assert result.returncode == 1
    assert "out of date" in result.stderr

    missing = tmp_path / "missing.graphql"
    result = run_atom("schema", "export", "--check", "--output", str(missing))
    assert result.returncode == 1
    assert not missing.exists()
