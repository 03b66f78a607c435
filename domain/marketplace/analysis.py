"""Governance analysis of a WPK: the manifest and the archive's members against the rules in
`policy/analysis-rules.v1.yaml`, giving a risk score, a risk level and the violations.

Deterministic: the same archive, manifest and rules give the same `Analysis`, field for field.
Members are read in archive order, at most `scan.max_bytes_per_member` bytes each (2 MiB in v1;
the oversized-member rule flags anything larger, so a partial reading is never silent). A member
is text, and searched with the rules' patterns, when its first 8 KiB hold no NUL byte; it is
decoded as UTF-8 with undecodable bytes replaced. Violations are sorted by severity (most severe
first), rule, path and message.

Scoring. Each rule has a weight w in [0, 1]; a rule counts once however often it fires:
    score = 1 - Π (1 - w_r) over the distinct rules r with a violation, rounded to 4 decimals
(so independent findings accumulate toward 1 without ever passing it, and a clean package scores 0).
The level is the higher of the most severe violation's severity and the level the score reaches
by itself (`levels` in the rules file: CRITICAL >= 0.9, HIGH >= 0.7, MEDIUM >= 0.4, LOW >= 0.01 in
v1); NONE when nothing fired. An analysis requires a manual review when the manifest declares
auto-run (policy P-3) or the level is HIGH or CRITICAL.

Message templates are `str.format` templates. Every kind offers {rule} and {path}; besides:
undeclared_capability {line} {match} {name} {capability}; credential_pattern {line} (never the
match: a message must not repeat a secret); personal_data_not_anonymized {name}; oversized_member
{size} {max_bytes}; suspicious_member {reason}; egress_wildcard {host}.
"""

from __future__ import annotations

import enum
import fnmatch
import math
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from domain.marketplace.archive import ArchiveMember, WpkArchive
from domain.marketplace.manifest import Manifest

DEFAULT_RULES_PATH = Path(__file__).with_name("policy") / "analysis-rules.v1.yaml"
_TEXT_SNIFF_BYTES = 8192
_MATCH_IN_MESSAGE = 60


class RiskLevel(enum.StrEnum):
    NONE = "NONE"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        return list(RiskLevel).index(self)


class RuleKind(enum.StrEnum):
    UNDECLARED_CAPABILITY = "undeclared_capability"
    CREDENTIAL_PATTERN = "credential_pattern"
    AUTO_RUN_REQUIRES_REVIEW = "auto_run_requires_review"
    PERSONAL_DATA_NOT_ANONYMIZED = "personal_data_not_anonymized"
    OVERSIZED_MEMBER = "oversized_member"
    SUSPICIOUS_MEMBER = "suspicious_member"
    EGRESS_WILDCARD = "egress_wildcard"


_TEMPLATE_NAMES: dict[RuleKind, frozenset[str]] = {
    RuleKind.UNDECLARED_CAPABILITY: frozenset({"line", "match", "name", "capability"}),
    RuleKind.CREDENTIAL_PATTERN: frozenset({"line"}),
    RuleKind.AUTO_RUN_REQUIRES_REVIEW: frozenset(),
    RuleKind.PERSONAL_DATA_NOT_ANONYMIZED: frozenset({"name"}),
    RuleKind.OVERSIZED_MEMBER: frozenset({"size", "max_bytes"}),
    RuleKind.SUSPICIOUS_MEMBER: frozenset({"reason"}),
    RuleKind.EGRESS_WILDCARD: frozenset({"host"}),
}


class RulesFileError(ValueError):
    """The rules file is malformed: a fault of the deployment, not of a package."""


@dataclass(frozen=True)
class Rule:
    id: str
    policy: str
    severity: RiskLevel
    weight: float
    kind: RuleKind
    message: str
    patterns: tuple[re.Pattern[str], ...] = ()
    capability: str | None = None
    ignore_names: frozenset[str] = frozenset()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    magic: tuple[bytes, ...] = ()
    path_patterns: tuple[re.Pattern[str], ...] = ()
    hidden: bool = False
    path_longer_than: int | None = None
    max_bytes: int | None = None

    def applies_to(self, relative_path: str) -> bool:
        if self.include and not any(fnmatch.fnmatchcase(relative_path, g) for g in self.include):
            return False
        return not any(fnmatch.fnmatchcase(relative_path, g) for g in self.exclude)


@dataclass(frozen=True)
class RuleSet:
    version: str
    max_bytes_per_member: int
    levels: tuple[tuple[RiskLevel, float], ...]  # (level, minimum score), highest level first
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Violation:
    rule: str
    policy: str
    severity: RiskLevel
    message: str
    path: str


@dataclass(frozen=True)
class Analysis:
    score: float
    level: RiskLevel
    violations: tuple[Violation, ...]
    rules_version: str
    requires_manual_review: bool


# --- the rules file -------------------------------------------------------------------------------

_PATTERNS = {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}
_GLOBS = {"type": "array", "items": {"type": "string", "minLength": 1}}


def _params(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "required": required or [],
    }


_PARAMS_SCHEMAS: dict[RuleKind, dict[str, Any]] = {
    RuleKind.UNDECLARED_CAPABILITY: _params(
        {
            "capability": {"enum": ["network", "shell", "secrets"]},
            "patterns": _PATTERNS,
            "ignore_names": {"type": "array", "items": {"type": "string"}},
            "include": _GLOBS,
            "exclude": _GLOBS,
        },
        ["capability", "patterns"],
    ),
    RuleKind.CREDENTIAL_PATTERN: _params(
        {"patterns": _PATTERNS, "include": _GLOBS, "exclude": _GLOBS}, ["patterns"]
    ),
    RuleKind.AUTO_RUN_REQUIRES_REVIEW: _params({}),
    RuleKind.PERSONAL_DATA_NOT_ANONYMIZED: _params({}),
    RuleKind.OVERSIZED_MEMBER: _params({"max_bytes": {"type": "integer", "minimum": 1}}, ["max_bytes"]),
    RuleKind.SUSPICIOUS_MEMBER: {
        **_params(
            {
                "magic": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "pattern": "^([0-9a-f]{2})+$"},
                },
                "path_patterns": _PATTERNS,
                "hidden": {"const": True},
                "path_longer_than": {"type": "integer", "minimum": 1},
            }
        ),
        "minProperties": 1,
    },
    RuleKind.EGRESS_WILDCARD: _params({"patterns": _PATTERNS}, ["patterns"]),
}

_RULES_FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "scan", "levels", "rules"],
    "properties": {
        "version": {"type": "string", "minLength": 1},
        "scan": _params(
            {"max_bytes_per_member": {"type": "integer", "minimum": 1}}, ["max_bytes_per_member"]
        ),
        "levels": {
            "type": "object",
            "additionalProperties": False,
            "required": ["LOW", "MEDIUM", "HIGH", "CRITICAL"],
            "properties": {
                level: {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
                for level in ("LOW", "MEDIUM", "HIGH", "CRITICAL")
            },
        },
        "rules": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "policy", "severity", "weight", "kind", "message"],
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                    "policy": {"type": "string", "pattern": "^P-([1-9]|10)$"},
                    "severity": {"enum": [level.value for level in RiskLevel]},
                    "weight": {"type": "number", "minimum": 0, "maximum": 1},
                    "kind": {"enum": [kind.value for kind in RuleKind]},
                    "message": {"type": "string", "minLength": 1},
                    "params": {"type": "object"},
                },
            },
        },
    },
}


def load_rules(path: Path = DEFAULT_RULES_PATH) -> RuleSet:
    """Read and check a rules file; `RulesFileError` says what is wrong with it."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RulesFileError(f"{path}: not valid YAML: {exc}") from None
    _check(_RULES_FILE_SCHEMA, document, str(path))
    levels = tuple(
        sorted(
            ((RiskLevel(name), float(score)) for name, score in document["levels"].items()),
            key=lambda x: -x[0].rank,
        )
    )
    if [score for _, score in levels] != sorted((score for _, score in levels), reverse=True):
        raise RulesFileError(f"{path}: levels must need higher scores for higher levels")
    rules = tuple(_rule(entry, f"{path}: rule {entry['id']}") for entry in document["rules"])
    ids = [rule.id for rule in rules]
    if len(set(ids)) != len(ids):
        raise RulesFileError(f"{path}: rule ids must be unique")
    return RuleSet(
        version=document["version"],
        max_bytes_per_member=document["scan"]["max_bytes_per_member"],
        levels=levels,
        rules=rules,
    )


def _check(schema: dict[str, Any], document: Any, where: str) -> None:
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(document))
    if error is not None:
        location = "/".join(str(part) for part in error.absolute_path)
        raise RulesFileError(f"{where}: {location}: {error.message}")


def _compile(patterns: list[str], where: str) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(pattern) for pattern in patterns)
    except re.error as exc:
        raise RulesFileError(f"{where}: bad pattern: {exc}") from None


def _rule(entry: dict[str, Any], where: str) -> Rule:
    kind = RuleKind(entry["kind"])
    params = entry.get("params", {})
    _check(_PARAMS_SCHEMAS[kind], params, f"{where}: params")
    offered = _TEMPLATE_NAMES[kind] | {"rule", "path"}
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(entry["message"]) if name is not None]
    except ValueError as exc:
        raise RulesFileError(f"{where}: the message is not a format template: {exc}") from None
    for name in names:
        if name not in offered:
            raise RulesFileError(
                f"{where}: the message uses {{{name}}}; a {kind} rule offers {sorted(offered)}"
            )
    patterns = _compile(params.get("patterns", []), where)
    capability = params.get("capability")
    named = ["name" in p.groupindex for p in patterns]
    if capability == "secrets" and not all(named):
        raise RulesFileError(
            f"{where}: every secrets pattern must capture the secret's name in a group `name`"
        )
    if any(named) and capability not in ("network", "secrets"):
        raise RulesFileError(f"{where}: only network and secrets patterns may capture a name")
    return Rule(
        id=entry["id"],
        policy=entry["policy"],
        severity=RiskLevel(entry["severity"]),
        weight=float(entry["weight"]),
        kind=kind,
        message=entry["message"],
        patterns=patterns,
        capability=capability,
        ignore_names=frozenset(name.lower() for name in params.get("ignore_names", [])),
        include=tuple(params.get("include", [])),
        exclude=tuple(params.get("exclude", [])),
        magic=tuple(bytes.fromhex(m) for m in params.get("magic", [])),
        path_patterns=_compile(params.get("path_patterns", []), where),
        hidden=params.get("hidden", False),
        path_longer_than=params.get("path_longer_than"),
        max_bytes=params.get("max_bytes"),
    )


# --- the analysis ---------------------------------------------------------------------------------


def analyze(archive: WpkArchive, manifest: Manifest, rules: RuleSet) -> Analysis:
    violations = list(_manifest_violations(archive, manifest, rules))
    root = archive.package_root
    for member, data in archive.iter_files(rules.max_bytes_per_member):
        relative = member.path[len(root) + 1 :] if root else member.path
        text = data.decode("utf-8", errors="replace") if b"\x00" not in data[:_TEXT_SNIFF_BYTES] else None
        for rule in rules.rules:
            if rule.applies_to(relative):
                violations.extend(_member_violations(rule, member, relative, data, text, archive, manifest))
    distinct = {v.rule for v in violations}
    weights = {rule.id: rule.weight for rule in rules.rules}
    score = round(min(1.0, max(0.0, 1.0 - math.prod(1.0 - weights[rule] for rule in distinct))), 4)
    level = RiskLevel.NONE
    if violations:
        level = max([v.severity for v in violations] + [_score_level(score, rules)], key=lambda lv: lv.rank)
    return Analysis(
        score=score,
        level=level,
        violations=tuple(sorted(violations, key=lambda v: (-v.severity.rank, v.rule, v.path, v.message))),
        rules_version=rules.version,
        requires_manual_review=manifest.capabilities.auto_run or level.rank >= RiskLevel.HIGH.rank,
    )


def _score_level(score: float, rules: RuleSet) -> RiskLevel:
    return next((level for level, minimum in rules.levels if score >= minimum), RiskLevel.NONE)


def _violation(rule: Rule, path: str, **values: object) -> Violation:
    message = rule.message.format(rule=rule.id, path=path, **values)
    return Violation(rule=rule.id, policy=rule.policy, severity=rule.severity, message=message, path=path)


def _manifest_violations(archive: WpkArchive, manifest: Manifest, rules: RuleSet) -> Iterator[Violation]:
    path = archive.manifest_path
    for rule in rules.rules:
        if rule.kind is RuleKind.AUTO_RUN_REQUIRES_REVIEW and manifest.capabilities.auto_run:
            yield _violation(rule, path)
        elif rule.kind is RuleKind.PERSONAL_DATA_NOT_ANONYMIZED:
            for data_field in manifest.data_fields:
                if data_field.personal and not data_field.anonymized:
                    yield _violation(rule, path, name=data_field.name)
        elif rule.kind is RuleKind.EGRESS_WILDCARD:
            for host in manifest.capabilities.egress:
                if any(p.search(host) for p in rule.patterns):
                    yield _violation(rule, path, host=host)


def _member_violations(
    rule: Rule,
    member: ArchiveMember,
    relative: str,
    data: bytes,
    text: str | None,
    archive: WpkArchive,
    manifest: Manifest,
) -> Iterator[Violation]:
    if rule.kind is RuleKind.OVERSIZED_MEMBER and rule.max_bytes is not None and member.size > rule.max_bytes:
        yield _violation(rule, member.path, size=member.size, max_bytes=rule.max_bytes)
    elif rule.kind is RuleKind.SUSPICIOUS_MEMBER:
        reason = _suspicion(rule, relative, data)
        if reason:
            yield _violation(rule, member.path, reason=reason)
    elif rule.kind is RuleKind.CREDENTIAL_PATTERN and text is not None:
        found = _first_match(rule.patterns, text, lambda _: True)
        if found:
            yield _violation(rule, member.path, line=_line(text, found))
    elif (
        rule.kind is RuleKind.UNDECLARED_CAPABILITY
        and text is not None
        and member.path != archive.manifest_path
    ):
        found = _first_match(rule.patterns, text, lambda match: _undeclared(rule, match, manifest))
        if found:
            name = found.groupdict().get("name") or ""
            shown = found.group(0).strip()[:_MATCH_IN_MESSAGE]
            yield _violation(
                rule, member.path, line=_line(text, found), match=shown, name=name, capability=rule.capability
            )


def _first_match(
    patterns: tuple[re.Pattern[str], ...], text: str, counts: Callable[[re.Match[str]], bool]
) -> re.Match[str] | None:
    """The earliest match in the text that `counts`, over all the patterns."""
    best: re.Match[str] | None = None
    for pattern in patterns:
        for match in pattern.finditer(text):
            if best is not None and match.start() >= best.start():
                break
            if counts(match):
                best = match
                break
    return best


def _line(text: str, match: re.Match[str]) -> int:
    return text.count("\n", 0, match.start()) + 1


def _undeclared(rule: Rule, match: re.Match[str], manifest: Manifest) -> bool:
    declared = manifest.capabilities
    name = match.groupdict().get("name")
    if rule.capability == "shell":
        return not declared.shell
    if rule.capability == "secrets":
        return name is not None and name not in declared.secrets
    # network: a host must be allowed by an egress entry; a bare use needs some egress at all
    if name is None:
        return not declared.egress
    host = name.lower().rstrip(".")
    return host not in rule.ignore_names and not any(_egress_allows(entry, host) for entry in declared.egress)


def _egress_allows(entry: str, host: str) -> bool:
    allowed = entry.split(":")[0]
    if allowed == "*":
        return True
    if allowed.startswith("*."):
        return host.endswith(allowed[1:])
    return host == allowed


def _suspicion(rule: Rule, relative: str, data: bytes) -> str | None:
    magic = next((m for m in rule.magic if data.startswith(m)), None)
    if magic is not None:
        return f"it starts with the bytes {magic.hex()}"
    named = next((m for p in rule.path_patterns if (m := p.search(relative))), None)
    if named is not None:
        return f"{named.group(0)!r} in its name"
    hidden = (
        next((part for part in relative.split("/") if part.startswith(".")), None) if rule.hidden else None
    )
    if hidden is not None:
        return f"{hidden!r} starts with a dot"
    if rule.path_longer_than is not None and len(relative) > rule.path_longer_than:
        return f"{len(relative)} characters, over {rule.path_longer_than}"
    return None
