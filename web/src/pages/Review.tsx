// The review queue (members of trusted reviewer organizations): findings by rule, approve or reject with a
// reason; high-risk versions need a second approval from another reviewer.
import { ApproveVersionDocument, RejectVersionDocument, ReviewQueueDocument, unwrap, type PackageVersionFieldsFragment } from "@atom-cloud/sdk";
import { useState, type FormEvent } from "react";
import { Findings } from "../components/Findings";
import { Badge, FormMessages, Loaded, TextArea, statusTone } from "../components/ui";
import { formErrors, NO_ERRORS, type FormErrors } from "../lib/errors";
import { useLoad } from "../lib/hooks";
import { useSession } from "../lib/session";
import { plural } from "../lib/format";

function ReviewCard({ version, done }: { version: PackageVersionFieldsFragment; done: (message: string) => void }) {
  const { client } = useSession();
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const title = `${version.package?.fullName} v${version.version}`;

  async function decide(event: FormEvent, decision: "approve" | "reject") {
    event.preventDefault();
    if (decision === "reject" && reason.trim() === "") {
      setErrors({ fields: { reason: ["Give a reason for the rejection."] }, general: [] });
      return;
    }
    setBusy(true);
    try {
      const input = { versionId: version.id, reason: reason || null };
      const updated =
        decision === "approve"
          ? unwrap((await client.request(ApproveVersionDocument, { input })).approveVersion, "version")
          : unwrap((await client.request(RejectVersionDocument, { input })).rejectVersion, "version");
      setErrors(NO_ERRORS);
      // Reported by the page: a decided version leaves the queue, and this card with it.
      done(
        updated.status === "IN_REVIEW"
          ? `${title}: approval recorded; ${updated.approvalsRequired} approvals are required, another reviewer must approve too.`
          : `${title}: now ${updated.status}.`,
      );
    } catch (error) {
      setErrors(formErrors(error, ["reason"]));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="card">
      <h2>
        {title} <Badge tone={statusTone(version.status)}>{version.status}</Badge>
      </h2>
      <p className="muted">
        sha256 <code>{version.sha256}</code> · signed by {version.verification.signingIdentity?.name ?? version.verification.identity}{" "}
        ({version.verification.method}) · approvals required: {version.approvalsRequired}
        {version.approvalsRequired > 1 ? <> · <Badge tone="warn">second approval needed</Badge></> : null}
      </p>
      <Findings analysis={version.analysis} />
      <form aria-label={`Review ${title}`} onSubmit={(e) => decide(e, "approve")} noValidate>
        <FormMessages errors={errors} />
        <TextArea label={`Reason for ${title}`} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} errors={errors.fields.reason} />
        <button type="submit" disabled={busy}>Approve</button>{" "}
        <button type="button" className="danger" disabled={busy} onClick={(e) => decide(e, "reject")}>Reject</button>
      </form>
    </li>
  );
}

export function ReviewPage() {
  const { client } = useSession();
  const queue = useLoad(() => client.request(ReviewQueueDocument, { first: 50 }), [client]);
  const [decisions, setDecisions] = useState<string[]>([]);
  return (
    <section>
      <h1>Review queue</h1>
      <ul className="plain" aria-label="Your decisions" aria-live="polite">
        {decisions.map((decision, index) => (
          <li key={index} role="status">{decision}</li>
        ))}
      </ul>
      <Loaded result={queue} what="Loading the review queue">
        {({ reviewQueue }) =>
          reviewQueue.nodes.length === 0 ? (
            <p>Nothing to review.</p>
          ) : (
            <>
              <p>{plural(reviewQueue.totalCount, "version", "versions")} waiting.</p>
              <ul className="plain">
                {reviewQueue.nodes.map((version) => (
                  <ReviewCard key={version.id} version={version} done={(message) => { setDecisions((d) => [message, ...d]); queue.reload(); }} />
                ))}
              </ul>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
