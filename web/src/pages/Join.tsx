// Accept an invitation (its token, as the inviter received it) and act for that organization.
import { AcceptInvitationDocument, unwrap } from "@atom-cloud/sdk";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { FormMessages, TextField } from "../components/ui";
import { formErrors, NO_ERRORS, type FormErrors } from "../lib/errors";
import { useSession } from "../lib/session";

export function JoinPage() {
  const { client, switchOrganization } = useSession();
  const navigate = useNavigate();
  const [token, setToken] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get("token") ?? "");
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!token.trim()) {
      setErrors({ fields: { token: ["Paste the invitation token."] }, general: [] });
      return;
    }
    setBusy(true);
    try {
      const membership = unwrap((await client.request(AcceptInvitationDocument, { input: { token: token.trim() } })).acceptInvitation, "membership");
      if (membership.organization) await switchOrganization(membership.organization.slug);
      navigate("/marketplace");
    } catch (error) {
      setErrors(formErrors(error, ["token"]));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="narrow">
      <h1>Join an organization</h1>
      <form onSubmit={submit} aria-label="Accept an invitation" noValidate>
        <FormMessages errors={errors} />
        <TextField label="Invitation token" value={token} onChange={(e) => setToken(e.target.value)} errors={errors.fields.token} />
        <button type="submit" disabled={busy}>Accept invitation</button>
      </form>
    </section>
  );
}
