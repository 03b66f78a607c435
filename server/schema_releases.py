"""Schema releases and the breaking-change guard.

`schema/releases/<version>.graphql` keeps the SDL of every release. The committed SDL is compared
with the latest release by graphql-core's `find_breaking_changes` and `find_dangerous_changes`, so
each change is classified as breaking, dangerous or safe. A breaking change must be recorded under
`## Unreleased` in docs/CHANGELOG.md, by the description graphql-core gives it (`atom schema
changes` prints it), or the check fails. `atom schema release VERSION` keeps the current SDL as a
release and dates the changelog's Unreleased section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from graphql import GraphQLSchema, build_schema, find_breaking_changes, find_dangerous_changes

ROOT = Path(__file__).resolve().parent.parent
RELEASES = ROOT / "schema" / "releases"
CHANGELOG = ROOT / "docs" / "CHANGELOG.md"
UNRELEASED = "## Unreleased"
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass(frozen=True, slots=True)
class Change:
    kind: str  # BREAKING | DANGEROUS
    type: str  # graphql-core's change type, e.g. FIELD_REMOVED
    description: str


def load(sdl: str) -> GraphQLSchema:
    # The federation directives (@link, @key) are not declared in a subgraph's SDL: skip SDL validation.
    return build_schema(sdl, assume_valid_sdl=True)


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def latest_release(releases: Path = RELEASES) -> tuple[str, Path] | None:
    found = [(p.stem, p) for p in releases.glob("*.graphql") if _VERSION.match(p.stem)]
    return max(found, key=lambda item: version_key(item[0])) if found else None


def changes(old_sdl: str, new_sdl: str) -> list[Change]:
    old, new = load(old_sdl), load(new_sdl)
    breaking = [Change("BREAKING", c.type.name, c.description) for c in find_breaking_changes(old, new)]
    dangerous = [Change("DANGEROUS", c.type.name, c.description) for c in find_dangerous_changes(old, new)]
    return breaking + dangerous


def classify(found: list[Change], *, changed: bool) -> str:
    if any(c.kind == "BREAKING" for c in found):
        return "breaking"
    if found:
        return "dangerous"
    return "safe" if changed else "none"


def unreleased_notes(changelog: str) -> str:
    """The text of the changelog's `## Unreleased` section ('' when there is none)."""
    start = changelog.find(UNRELEASED)
    if start < 0:
        return ""
    rest = changelog[start + len(UNRELEASED) :]
    following = re.search(r"^## ", rest, flags=re.MULTILINE)
    return rest[: following.start()] if following else rest


def unrecorded(found: list[Change], changelog: str) -> list[Change]:
    """Breaking changes the changelog's Unreleased section does not name."""
    notes = unreleased_notes(changelog)
    return [c for c in found if c.kind == "BREAKING" and c.description not in notes]


def release(version: str, sdl: str, *, releases: Path = RELEASES, changelog: Path = CHANGELOG) -> Path:
    """Keep `sdl` as release `version` and date the changelog's Unreleased section."""
    if not _VERSION.match(version):
        raise ValueError(f"{version!r} is not a version like 1.2.3")
    latest = latest_release(releases)
    if latest is not None and version_key(version) <= version_key(latest[0]):
        raise ValueError(f"{version} is not after the latest release, {latest[0]}")
    releases.mkdir(parents=True, exist_ok=True)
    target = releases / f"{version}.graphql"
    target.write_text(sdl)
    text = changelog.read_text() if changelog.exists() else "# Changelog\n\n"
    dated = f"{UNRELEASED}\n\n## {version} ({date.today().isoformat()})"
    text = text.replace(UNRELEASED, dated, 1) if UNRELEASED in text else text + f"\n{dated}\n"
    changelog.write_text(text)
    return target
