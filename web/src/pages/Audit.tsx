// Audit: the organization's log with filters, new entries arriving live (auditEvents), the chain's
// verification with the last signed checkpoint, and an NDJSON export.
import {
  AuditCheckpointsDocument,
  AuditEventsDocument,
  AuditLogDocument,
  VerifyAuditChainDocument,
  ViewerDocument,
  type AuditEntryFieldsFragment,
  type AuditLogFilter,
  type AuditRisk,
} from "@atom-cloud/sdk";
import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { Badge, ErrorState, LiveBadge, Loaded, SelectField, TextField } from "../components/ui";
import { actorFilter, type ActorName } from "../lib/actors";
import { useActorNames } from "../lib/members";
import { errorMessage } from "../lib/errors";
import { plural } from "../lib/format";
import { useLive, useLoad } from "../lib/hooks";
import { useSession } from "../lib/session";
import { targetLabel } from "../lib/targets";

const RISKS: AuditRisk[] = ["NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

function riskTone(risk: AuditRisk): "good" | "bad" | "warn" | "neutral" {
  return risk === "HIGH" || risk === "CRITICAL" ? "bad" : risk === "MEDIUM" ? "warn" : "neutral";
}

/** The highest sequence number among `entries` (0: none). */
export function newestSequence(entries: ReadonlyArray<{ sequence: number }>): number {
  return entries.reduce((newest, entry) => Math.max(newest, entry.sequence), 0);
}

/** Merge live entries into the list, newest first, each entry once. */
export function mergeEntries(current: AuditEntryFieldsFragment[], incoming: AuditEntryFieldsFragment[], limit = 200): AuditEntryFieldsFragment[] {
  const seen = new Set(current.map((entry) => entry.id));
  const fresh = incoming.filter((entry) => !seen.has(entry.id));
  return [...fresh, ...current].sort((a, b) => b.sequence - a.sequence).slice(0, limit);
}

function Verification() {
  const { client } = useSession();
  const verification = useLoad(() => client.request(VerifyAuditChainDocument, {}), [client]);
  const checkpoints = useLoad(() => client.request(AuditCheckpointsDocument, { limit: 1 }), [client]);
  return (
    <section aria-labelledby="verify-heading" className="card">
      <h2 id="verify-heading">Chain verification</h2>
      <Loaded result={verification} what="Verifying the chain">
        {({ verifyAuditChain: result }) => (
          <p data-testid="chain-status">
            {result.ok ? <Badge tone="good">verified</Badge> : <Badge tone="bad">broken</Badge>} {plural(result.entriesChecked, "entry", "entries")} and{" "}
            {plural(result.checkpointsChecked, "checkpoint", "checkpoints")} checked (chain size {result.chainSize}).
            {result.firstProblem ? ` First problem: ${result.firstProblem.kind} at #${result.firstProblem.sequence}: ${result.firstProblem.detail}` : null}
          </p>
        )}
      </Loaded>
      <Loaded result={checkpoints} what="Loading the last checkpoint">
        {({ auditCheckpoints }) =>
          auditCheckpoints[0] ? (
            <p>
              Last checkpoint: size {auditCheckpoints[0].size} at {new Date(auditCheckpoints[0].time).toLocaleString()}, root{" "}
              <code>{auditCheckpoints[0].rootHash.slice(0, 16)}…</code> signed by key {auditCheckpoints[0].keyId}
            </p>
          ) : (
            <p>No checkpoint signed yet.</p>
          )
        }
      </Loaded>
      <button type="button" onClick={() => { verification.reload(); checkpoints.reload(); }}>Verify again</button>
    </section>
  );
}

function Actor({ actor, names }: { actor: string; names: ReadonlyMap<string, ActorName> }) {
  const name = names.get(actor);
  if (!name) return <>{actor}</>;
  return <span title={`${name.displayName} (${actor})`}>{name.email ?? name.displayName}</span>;
}

/** The object acted on, by name (its global ID in the tooltip); the raw ID when the server found
 * nothing the reader may see under it. */
function Target({ entry }: { entry: AuditEntryFieldsFragment }) {
  if (entry.target === null) return null;
  const label = targetLabel(entry.targetNode);
  if (label === null) return <span className="id">{entry.target}</span>;
  const title = `${label.kind} (${entry.target})`;
  return (
    <span title={title}>
      <span className="muted">{label.kind}</span> {label.href ? <Link to={label.href}>{label.name}</Link> : label.name}
    </span>
  );
}

export function AuditPage() {
  const { client } = useSession();
  const names = useActorNames();
  const [form, setForm] = useState({ action: "", actor: "", minimumRisk: "" as "" | AuditRisk });
  const [filter, setFilter] = useState<AuditLogFilter>({});
  const [entries, setEntries] = useState<AuditEntryFieldsFragment[]>([]);
  const [exportError, setExportError] = useState<string | null>(null);
  const initial = useLoad(async () => {
    const { auditLog } = await client.request(AuditLogDocument, { filter, last: 50 });
    setEntries((current) => mergeEntries(current, auditLog.nodes));
    return { filter, newest: newestSequence(auditLog.nodes) };
  }, [client, filter]);
  // Live from the newest entry loaded: the server sends what committed after it first, so an entry
  // made while the page loaded (or while the stream reconnects) is never missed.
  const since = initial.data && initial.data.filter === filter ? initial.data.newest : null;
  const live = useLive(
    () => (since === null ? null : client.subscribe(AuditEventsDocument, { filter, afterSequence: since })),
    ({ auditEvents }) => setEntries((current) => mergeEntries(current, [auditEvents])),
    [client, filter, since],
  );

  function apply(event: FormEvent) {
    event.preventDefault();
    setEntries([]);
    setFilter({ action: form.action || null, actor: actorFilter(form.actor, names) || null, minimumRisk: form.minimumRisk || null });
  }

  async function exportLog() {
    setExportError(null);
    try {
      await client.request(ViewerDocument); // refreshes the access token first when it is about to expire
      const params = new URLSearchParams();
      if (filter.action) params.set("action", filter.action);
      if (filter.actor) params.set("actor", filter.actor);
      if (filter.minimumRisk) params.set("minimumRisk", filter.minimumRisk);
      const response = await fetch(`/audit/export?${params}`, { headers: { Authorization: `Bearer ${client.session?.accessToken ?? ""}` } });
      if (!response.ok) throw new Error(`Export refused: ${response.status}`);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = "audit.ndjson";
      link.click();
      URL.revokeObjectURL(url);
    } catch (error) {
      setExportError(errorMessage(error));
    }
  }

  return (
    <section>
      <h1>Audit</h1>
      <Verification />
      <section aria-labelledby="log-heading">
        <h2 id="log-heading">
          Log <LiveBadge state={since === null && !initial.error ? "connecting" : live.state} label="Audit stream" />
        </h2>
        <form onSubmit={apply} aria-label="Filter the audit log" className="inline">
          <TextField label="Action" placeholder="e.g. auth.login" value={form.action} onChange={(e) => setForm({ ...form, action: e.target.value })} />
          <TextField label="Actor" hint="A member's e-mail, or user:…, apikey:…, system" value={form.actor} onChange={(e) => setForm({ ...form, actor: e.target.value })} />
          <SelectField label="Minimum risk" value={form.minimumRisk} onChange={(e) => setForm({ ...form, minimumRisk: e.target.value as "" | AuditRisk })}>
            <option value="">Any</option>
            {RISKS.map((risk) => <option key={risk} value={risk}>{risk}</option>)}
          </SelectField>
          <button type="submit">Apply filters</button>{" "}
          <button type="button" onClick={() => void exportLog()}>Export (NDJSON)</button>
        </form>
        {exportError ? <p className="field-error" role="alert">{exportError}</p> : null}
        {live.error ? <ErrorState error={live.error} /> : null}
        {initial.error ? <ErrorState error={initial.error} retry={initial.reload} /> : null}
        {initial.loading && entries.length === 0 ? <p role="status">Loading the log…</p> : null}
        <table aria-label="Audit entries">
          <thead>
            <tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">Risk</th></tr>
          </thead>
          <tbody aria-live="polite">
            {entries.map((entry) => (
              <tr key={entry.id}>
                <td>{entry.sequence}</td>
                <td>{new Date(entry.time).toLocaleTimeString()}</td>
                <td><Actor actor={entry.actor} names={names} /></td>
                <td><code>{entry.action}</code></td>
                <td><Target entry={entry} /></td>
                <td>{entry.decision} / {entry.outcome}{entry.reason ? ` (${entry.reason})` : ""}</td>
                <td><Badge tone={riskTone(entry.risk)}>{entry.risk}</Badge></td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </section>
  );
}
