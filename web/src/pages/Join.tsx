// Organizations: accept an invitation (its token, as the inviter received it) or create one, then act for it.
import { AcceptInvitationDocument, CreateOrganizationDocument, unwrap } from "@atom-cloud/sdk";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { FormMessages, TextField } from "../components/ui";
import { formErrors, NO_ERRORS, type FormErrors } from "../lib/errors";
import { useSession } from "../lib/session";

function CreateOrganization() {
  const { client, switchOrganization } = useSession();
  const navigate = useNavigate();
  const [form, setForm] = useState({ name: "", slug: "" });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const organization = unwrap((await client.request(CreateOrganizationDocument, { input: form })).createOrganization, "organization");
      await switchOrganization(organization.slug);
      navigate("/auth-studio");
    } catch (error) {
      setErrors(formErrors(error, ["name", "slug"]));
    }
  }
  return (
    <form onSubmit={submit} aria-label="Create an organization" noValidate>
      <h2>Create an organization</h2>
      <FormMessages errors={errors} />
      <TextField label="Organization name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} errors={errors.fields.name} />
      <TextField label="Organization slug" value={form.slug} onChange={(e) => setForm({ ...form, slug: e.target.value })} errors={errors.fields.slug} />
      <button type="submit">Create organization</button>
    </form>
  );
}

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
      <h1>Organizations</h1>
      <h2>Join an organization</h2>
      <form onSubmit={submit} aria-label="Accept an invitation" noValidate>
        <FormMessages errors={errors} />
        <TextField label="Invitation token" value={token} onChange={(e) => setToken(e.target.value)} errors={errors.fields.token} />
        <button type="submit" disabled={busy}>Accept invitation</button>
      </form>
      <CreateOrganization />
    </section>
  );
}
