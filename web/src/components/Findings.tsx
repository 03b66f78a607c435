// A version's risk analysis: score, level and its findings grouped by rule.
import type { PackageVersionFieldsFragment } from "@atom-cloud/sdk";
import { Badge } from "./ui";

type Analysis = PackageVersionFieldsFragment["analysis"];
type Violation = Analysis["violations"][number];

export function groupByRule(violations: ReadonlyArray<Violation>): Array<[string, Violation[]]> {
  const groups = new Map<string, Violation[]>();
  for (const violation of violations) {
    const list = groups.get(violation.rule) ?? [];
    list.push(violation);
    groups.set(violation.rule, list);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

export function levelTone(level: string): "good" | "bad" | "warn" | "neutral" {
  const normal = level.toUpperCase();
  if (normal === "LOW" || normal === "NONE") return "good";
  if (normal === "HIGH" || normal === "CRITICAL") return "bad";
  if (normal === "MEDIUM") return "warn";
  return "neutral";
}

export function Findings({ analysis }: { analysis: Analysis }) {
  const groups = groupByRule(analysis.violations);
  return (
    <div className="findings">
      <p>
        Risk <Badge tone={levelTone(analysis.level)}>{analysis.level}</Badge> score {analysis.score} (rules {analysis.rulesVersion})
        {analysis.requiresManualReview ? <> · <Badge tone="warn">manual review required</Badge></> : null}
      </p>
      {groups.length === 0 ? (
        <p>No findings.</p>
      ) : (
        <ul aria-label="Findings by rule">
          {groups.map(([rule, violations]) => (
            <li key={rule}>
              <strong>{rule}</strong> ({violations.length})
              <ul>
                {violations.map((violation, index) => (
                  <li key={index}>
                    <Badge tone={levelTone(violation.severity)}>{violation.severity}</Badge> {violation.message}
                    {violation.path ? <code> {violation.path}</code> : null} <span className="muted">[{violation.policy}]</span>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
