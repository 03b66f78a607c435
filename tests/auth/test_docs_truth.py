"""docs/auth.md's permission matrix is the code's catalogue and built-in roles, cell for cell."""

from __future__ import annotations

from pathlib import Path

from domain.auth.permissions import BUILTIN_ROLES, PERMISSIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "auth.md"


def test_permission_matrix_matches_the_code() -> None:
    lines = [line for line in DOC.read_text().splitlines() if line.startswith("| ")]
    header = next(line for line in lines if line.startswith("| permission |"))
    roles = [cell.strip() for cell in header.strip("|").split("|")][1:]
    assert roles == list(BUILTIN_ROLES)
    documented: dict[str, set[str]] = {role: set() for role in roles}
    rows = [line for line in lines if line.split("|")[1].strip() in PERMISSIONS]
    assert sorted(line.split("|")[1].strip() for line in rows) == sorted(PERMISSIONS)
    for line in rows:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        for role, mark in zip(roles, cells[1:], strict=True):
            if mark == "✓":
                documented[role].add(cells[0])
    assert documented == {role: set(perms) for role, (_d, perms) in BUILTIN_ROLES.items()}
