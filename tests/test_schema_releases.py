"""The breaking-change guard: the committed SDL against the latest release, and a deliberately
breaking change in a scratch copy caught unless the changelog records it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server import schema_releases as releases

ROOT = Path(__file__).resolve().parents[1]
SDL = (ROOT / "schema" / "schema.graphql").read_text()
FIELD = "  prevHash: String!\n"  # AuditEntry.prevHash: one line, no description
CHANGELOG = "# Changelog\n\n## Unreleased\n\n{notes}\n\n## 0.5.0 (2026-11-23)\n\nFirst.\n"


def atom(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_the_committed_schema_has_no_unrecorded_breaking_change() -> None:
    result = atom("schema", "changes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert releases.latest_release() is not None


def test_a_removed_field_in_a_scratch_copy_is_breaking_until_the_changelog_records_it(tmp_path: Path) -> None:
    assert FIELD in SDL
    scratch = tmp_path / "schema.graphql"
    scratch.write_text(SDL.replace(FIELD, ""))
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(CHANGELOG.format(notes="- Nothing yet."))
    args = ("schema", "changes", "--schema-file", str(scratch), "--changelog", str(changelog))
    refused = atom(*args)
    assert refused.returncode == 1
    assert "changes since 0.5.0: breaking" in refused.stdout
    assert "BREAKING FIELD_REMOVED: Field AuditEntry.prevHash was removed." in refused.stdout
    assert "Field AuditEntry.prevHash was removed." in refused.stderr
    # Recorded in the Unreleased section, it may ship; recorded under an old release, it may not.
    changelog.write_text(CHANGELOG.format(notes="- Field AuditEntry.prevHash was removed."))
    assert atom(*args).returncode == 0
    changelog.write_text(
        CHANGELOG.format(notes="-").replace("First.", "Field AuditEntry.prevHash was removed.")
    )
    assert atom(*args).returncode == 1


def test_changes_are_classified() -> None:
    added = SDL.replace(FIELD, FIELD + "  somethingNew: String\n")
    assert releases.classify(releases.changes(SDL, added), changed=True) == "safe"
    enum_value = SDL.replace("enum AuditDecision {\n  ALLOW\n", "enum AuditDecision {\n  ALLOW\n  MAYBE\n")
    assert enum_value != SDL
    found = releases.changes(SDL, enum_value)
    assert releases.classify(found, changed=True) == "dangerous"
    assert [c.type for c in found] == ["VALUE_ADDED_TO_ENUM"]
    assert releases.classify(releases.changes(SDL, SDL), changed=False) == "none"


def test_a_release_keeps_the_sdl_and_dates_the_changelog(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(CHANGELOG.format(notes="- Field AuditEntry.prevHash was removed."))
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "0.5.0.graphql").write_text(SDL)
    target = releases.release("0.6.0", SDL, releases=tmp_path / "releases", changelog=changelog)
    assert target.read_text() == SDL
    text = changelog.read_text()
    assert text.index("## Unreleased") < text.index("## 0.6.0 (") < text.index("prevHash was removed")
    assert releases.unreleased_notes(text).strip() == ""
    with pytest.raises(ValueError, match="not after"):
        releases.release("0.5.9", SDL, releases=tmp_path / "releases", changelog=changelog)
    with pytest.raises(ValueError, match="not a version"):
        releases.release("next", SDL, releases=tmp_path / "releases", changelog=changelog)
