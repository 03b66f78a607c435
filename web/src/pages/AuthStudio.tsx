// Auth Studio: members and their roles, invitations, roles with a permission matrix, API keys (the
// secret shown once), the policy tester, and policy versions with a diff.
import {
  AssignRoleDocument,
  AuthorizeDocument,
  CreateApiKeyDocument,
  CreateRoleDocument,
  GrantPermissionDocument,
  InviteMemberDocument,
  OrganizationApiKeysDocument,
  OrganizationDocument,
  OrganizationInvitationsDocument,
  OrganizationMembersDocument,
  OrganizationPolicyVersionsDocument,
  PermissionsDocument,
  PolicyDiffDocument,
  RemoveMemberDocument,
  RevokeApiKeyDocument,
  RevokePermissionDocument,
  UnassignRoleDocument,
  unwrap,
  type AuthorizeQuery,
  type PolicyDiffQuery,
  type RoleFieldsFragment,
} from "@atom-cloud/sdk";
import { useState, type FormEvent } from "react";
import { PermissionMatrix } from "../components/PermissionMatrix";
import { Requires } from "../components/Requires";
import { Badge, ErrorState, FormMessages, Loaded, SelectField, TextField } from "../components/ui";
import { nameActorsIn, type ActorName } from "../lib/actors";
import { errorMessage, formErrors, NO_ERRORS, type FormErrors } from "../lib/errors";
import { useLoad } from "../lib/hooks";
import { useActorNames } from "../lib/members";
import { useSession } from "../lib/session";

function Members({ slug, roles, changed }: { slug: string; roles: RoleFieldsFragment[]; changed: () => void }) {
  const { client } = useSession();
  const members = useLoad(() => client.request(OrganizationMembersDocument, { slug, first: 100 }), [client, slug]);
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  async function run(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
      members.reload();
      changed(); // a role given or taken is a new policy version
    } catch (reason) {
      setError(reason);
    }
  }
  return (
    <section aria-labelledby="members-heading" className="card">
      <h2 id="members-heading">Members</h2>
      {error ? <ErrorState error={error} /> : null}
      <Loaded result={members} what="Loading members">
        {({ organization }) => (
          <table>
            <thead>
              <tr><th scope="col">Member</th><th scope="col">Roles</th><th scope="col">Add a role</th><th scope="col"><span className="visually-hidden">Remove</span></th></tr>
            </thead>
            <tbody>
              {(organization?.members.nodes ?? []).map((member) => {
                const who = member.user?.email ?? member.id;
                const selected = choice[member.id] ?? "";
                return (
                  <tr key={member.id}>
                    <td>{member.user?.displayName ? `${member.user.displayName} <${who}>` : who}</td>
                    <td>
                      {member.roles.map((role) => (
                        <span key={role} className="chip">
                          {role}{" "}
                          <button type="button" aria-label={`Remove role ${role} from ${who}`}
                            onClick={() => run(async () => unwrap((await client.request(UnassignRoleDocument, { input: { role, subjectId: member.id } })).unassignRole))}>
                            ×
                          </button>
                        </span>
                      ))}
                    </td>
                    <td>
                      <select aria-label={`Role to add to ${who}`} value={selected} onChange={(e) => setChoice({ ...choice, [member.id]: e.target.value })}>
                        <option value="">Choose…</option>
                        {roles.filter((role) => !member.roles.includes(role.name)).map((role) => <option key={role.id} value={role.name}>{role.name}</option>)}
                      </select>{" "}
                      <button type="button" disabled={!selected} aria-label={`Add role to ${who}`}
                        onClick={() => run(async () => {
                          unwrap((await client.request(AssignRoleDocument, { input: { role: selected, subjectId: member.id } })).assignRole);
                          setChoice({ ...choice, [member.id]: "" });
                        })}>
                        Add
                      </button>
                    </td>
                    <td>
                      <button type="button" className="danger" aria-label={`Remove ${who} from the organization`}
                        onClick={() => run(async () => unwrap((await client.request(RemoveMemberDocument, { input: { membershipId: member.id } })).removeMember))}>
                        Remove
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}

function Invitations({ slug, roles }: { slug: string; roles: RoleFieldsFragment[] }) {
  const { client } = useSession();
  const invitations = useLoad(() => client.request(OrganizationInvitationsDocument, { slug, first: 50 }), [client, slug]);
  const [form, setForm] = useState({ email: "", role: "member" });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [token, setToken] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const payload = (await client.request(InviteMemberDocument, { input: form })).inviteMember;
      unwrap(payload);
      setToken(payload.token ?? null);
      setErrors(NO_ERRORS);
      setForm({ ...form, email: "" });
      invitations.reload();
    } catch (error) {
      setErrors(formErrors(error, ["email", "role"]));
    }
  }
  return (
    <section aria-labelledby="invitations-heading" className="card">
      <h2 id="invitations-heading">Invitations</h2>
      <form onSubmit={submit} aria-label="Invite a member" noValidate>
        <FormMessages errors={errors} />
        <TextField label="E-mail to invite" type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} errors={errors.fields.email} />
        <SelectField label="Role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })} errors={errors.fields.role}>
          {roles.map((role) => <option key={role.id} value={role.name}>{role.name}</option>)}
        </SelectField>
        <button type="submit">Invite</button>
      </form>
      {token ? <p role="status">Invitation token (send it to the invitee; shown once): <code>{token}</code></p> : null}
      <Loaded result={invitations} what="Loading invitations">
        {({ organization }) => (
          <ul className="plain">
            {(organization?.invitations.nodes ?? []).map((invitation) => (
              <li key={invitation.id}>
                {invitation.email} as {invitation.role} <Badge>{invitation.status}</Badge>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
    </section>
  );
}

function Roles({ roles, changed }: { roles: RoleFieldsFragment[]; changed: () => void }) {
  const { client } = useSession();
  const permissions = useLoad(() => client.request(PermissionsDocument), [client]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState({ name: "", description: "" });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  async function toggle(role: string, permission: string, grant: boolean) {
    setBusy(`${role}:${permission}`);
    setError(null);
    try {
      const input = { role, permission };
      if (grant) unwrap((await client.request(GrantPermissionDocument, { input })).grantPermission);
      else unwrap((await client.request(RevokePermissionDocument, { input })).revokePermission);
      changed();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(null);
    }
  }
  async function create(event: FormEvent) {
    event.preventDefault();
    try {
      unwrap((await client.request(CreateRoleDocument, { input: form })).createRole);
      setForm({ name: "", description: "" });
      setErrors(NO_ERRORS);
      changed();
    } catch (reason) {
      setErrors(formErrors(reason, ["name", "description", "permissions"]));
    }
  }
  return (
    <section aria-labelledby="roles-heading" className="card">
      <h2 id="roles-heading">Roles</h2>
      {error ? <ErrorState error={error} /> : null}
      <Loaded result={permissions} what="Loading permissions">
        {({ permissions: list }) => (
          <PermissionMatrix roles={roles} permissions={list.map((p) => p.name)} busy={busy} onToggle={toggle} />
        )}
      </Loaded>
      <form onSubmit={create} aria-label="Create a role" noValidate>
        <FormMessages errors={errors} />
        <TextField label="Role name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} errors={errors.fields.name} />
        <TextField label="Role description" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} errors={errors.fields.description} />
        <button type="submit">Create role</button>
      </form>
    </section>
  );
}

function ApiKeys({ slug, roles }: { slug: string; roles: RoleFieldsFragment[] }) {
  const { client } = useSession();
  const keys = useLoad(() => client.request(OrganizationApiKeysDocument, { slug, first: 50 }), [client, slug]);
  const [form, setForm] = useState({ name: "", scopes: "", role: "" });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [secret, setSecret] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const scopes = form.scopes.split(/[\s,]+/).filter(Boolean);
      const payload = (await client.request(CreateApiKeyDocument, { input: { name: form.name, scopes, roles: form.role ? [form.role] : [] } })).createApiKey;
      const { secret: shown } = unwrap(payload);
      setSecret(shown ?? null);
      setErrors(NO_ERRORS);
      setForm({ name: "", scopes: "", role: "" });
      keys.reload();
    } catch (error) {
      setErrors(formErrors(error, ["name", "scopes", "roles"]));
    }
  }
  return (
    <section aria-labelledby="keys-heading" className="card">
      <h2 id="keys-heading">API keys</h2>
      {secret ? (
        <div role="status" className="secret">
          <p>Copy this secret now: it is shown only once.</p>
          <code data-testid="api-key-secret">{secret}</code>{" "}
          <button type="button" onClick={() => void navigator.clipboard?.writeText(secret)}>Copy</button>{" "}
          <button type="button" onClick={() => setSecret(null)}>I have stored it</button>
        </div>
      ) : null}
      <form onSubmit={submit} aria-label="Create an API key" noValidate>
        <FormMessages errors={errors} />
        <TextField label="Key name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} errors={errors.fields.name} />
        <TextField label="Scopes" hint="Permissions, comma separated, e.g. packages:read" value={form.scopes}
          onChange={(e) => setForm({ ...form, scopes: e.target.value })} errors={errors.fields.scopes} />
        <SelectField label="Key role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value })} errors={errors.fields.roles}>
          <option value="">Default</option>
          {roles.map((role) => <option key={role.id} value={role.name}>{role.name}</option>)}
        </SelectField>
        <button type="submit">Create API key</button>
      </form>
      <Loaded result={keys} what="Loading API keys">
        {({ organization }) => (
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">State</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {(organization?.apiKeys.nodes ?? []).map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td><code>{key.prefix}</code></td>
                  <td>{key.scopes.join(", ")}</td>
                  <td>{key.revokedAt ? <Badge tone="bad">revoked</Badge> : <Badge tone="good">active</Badge>}</td>
                  <td>
                    {key.revokedAt ? null : (
                      <button type="button" aria-label={`Revoke key ${key.name}`} onClick={async () => {
                        unwrap((await client.request(RevokeApiKeyDocument, { input: { apiKeyId: key.id } })).revokeApiKey);
                        keys.reload();
                      }}>Revoke</button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </section>
  );
}

function PolicyTester({ slug }: { slug: string }) {
  const { client } = useSession();
  const members = useLoad(() => client.request(OrganizationMembersDocument, { slug, first: 100 }), [client, slug]);
  const [form, setForm] = useState({ subjectId: "", resource: "", action: "" });
  const [result, setResult] = useState<AuthorizeQuery["authorize"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      setResult((await client.request(AuthorizeDocument, form)).authorize);
    } catch (reason) {
      setResult(null);
      setError(errorMessage(reason));
    }
  }
  return (
    <section aria-labelledby="tester-heading" className="card">
      <h2 id="tester-heading">Policy tester</h2>
      <form onSubmit={submit} aria-label="Test a policy decision">
        <SelectField label="Subject" value={form.subjectId} onChange={(e) => setForm({ ...form, subjectId: e.target.value })}>
          <option value="">Choose a member…</option>
          {(members.data?.organization?.members.nodes ?? []).map((m) => <option key={m.id} value={m.id}>{m.user?.email}</option>)}
        </SelectField>
        <TextField label="Resource" placeholder="packages" value={form.resource} onChange={(e) => setForm({ ...form, resource: e.target.value })} />
        <TextField label="Action" placeholder="read" value={form.action} onChange={(e) => setForm({ ...form, action: e.target.value })} />
        <button type="submit">Test</button>
      </form>
      {error ? <p className="field-error" role="alert">{error}</p> : null}
      {result ? (
        <p role="status">
          {result.allowed ? <Badge tone="good">allowed</Badge> : <Badge tone="bad">denied</Badge>} {result.permission} — {result.reason}
          {result.rule ? <> · rule <code>{[result.rule.ptype, result.rule.subject, result.rule.domain, result.rule.resource, result.rule.action, result.rule.role].filter(Boolean).join(", ")}</code></> : null}
          {" "}(policy v{result.policyVersion})
        </p>
      ) : null}
    </section>
  );
}

type Rule = PolicyDiffQuery["policyDiff"]["added"][number];
const ruleText = (rule: Rule, names: ReadonlyMap<string, ActorName>) =>
  nameActorsIn([rule.ptype, rule.subject, rule.domain, rule.resource, rule.action, rule.role].filter(Boolean).join(", "), names);

/** `current`: the organization's policy version as last loaded; the list reloads when it changes. */
function PolicyVersions({ slug, current }: { slug: string; current: number | null }) {
  const { client } = useSession();
  const names = useActorNames();
  const versions = useLoad(() => client.request(OrganizationPolicyVersionsDocument, { slug, first: 50 }), [client, slug, current]);
  const [range, setRange] = useState({ from: "", to: "" });
  const [diff, setDiff] = useState<{ from: number; to: number; changes: PolicyDiffQuery["policyDiff"] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const [from, to] = [Number(range.from), Number(range.to)];
      setDiff({ from, to, changes: (await client.request(PolicyDiffDocument, { from, to })).policyDiff });
    } catch (reason) {
      setDiff(null);
      setError(errorMessage(reason));
    }
  }
  return (
    <section aria-labelledby="versions-heading" className="card">
      <h2 id="versions-heading">Policy versions</h2>
      <Loaded result={versions} what="Loading policy versions">
        {({ organization }) => {
          const list = organization?.policyVersions.nodes ?? [];
          return (
            <>
              <ol className="plain">
                {list.map((version) => (
                  <li key={version.id}>
                    v{version.number} · {new Date(version.createdAt).toLocaleString()} · {nameActorsIn(version.summary, names)}
                  </li>
                ))}
              </ol>
              <form onSubmit={submit} aria-label="Compare policy versions" className="inline">
                <SelectField label="From version" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })}>
                  <option value="">…</option>
                  {list.map((v) => <option key={v.id} value={v.number}>v{v.number}</option>)}
                </SelectField>
                <SelectField label="To version" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })}>
                  <option value="">…</option>
                  {list.map((v) => <option key={v.id} value={v.number}>v{v.number}</option>)}
                </SelectField>
                <button type="submit" disabled={!range.from || !range.to}>Show diff</button>
              </form>
            </>
          );
        }}
      </Loaded>
      {error ? <p className="field-error" role="alert">{error}</p> : null}
      {diff ? (
        <>
          <h3 id="diff-heading">
            Policy diff v{diff.from} → v{diff.to}
          </h3>
          <pre className="diff" aria-labelledby="diff-heading">
            {diff.changes.removed.map((rule) => <div key={`-${ruleText(rule, names)}`} className="removed">- {ruleText(rule, names)}</div>)}
            {diff.changes.added.map((rule) => <div key={`+${ruleText(rule, names)}`} className="added">+ {ruleText(rule, names)}</div>)}
            {diff.changes.added.length + diff.changes.removed.length === 0 ? "No changes." : null}
          </pre>
        </>
      ) : null}
    </section>
  );
}

export function AuthStudioPage() {
  const { client, viewer, can } = useSession();
  const slug = viewer?.organization?.slug ?? "";
  const readsRoles = can("roles:read");
  // The organization with its roles and policy needs roles:read; without it, members only.
  const organization = useLoad(
    async () =>
      readsRoles
        ? await client.request(OrganizationDocument, { slug })
        : { organization: viewer?.organization ? { ...viewer.organization, roles: [], policyVersion: null, viewerPermissions: viewer.permissions } : null },
    [client, slug, readsRoles],
  );
  return (
    <section>
      <h1>Auth Studio</h1>
      <Loaded result={organization} what="Loading the organization">
        {({ organization: org }) =>
          org === null ? (
            <p>No organization.</p>
          ) : (
            <>
              <p>
                {org.name} ({org.slug}) · policy v{org.policyVersion?.number ?? "—"} · your permissions: {org.viewerPermissions.length}
              </p>
              <Members slug={slug} roles={org.roles} changed={organization.reload} />
              <Requires permission="members:invite" what="Inviting members">
                <Invitations slug={slug} roles={org.roles} />
              </Requires>
              <Requires permission="roles:read" what="Roles, the policy tester and policy versions">
                <Roles roles={org.roles} changed={organization.reload} />
              </Requires>
              <Requires permission="api_keys:read" what="API keys">
                <ApiKeys slug={slug} roles={org.roles} />
              </Requires>
              <Requires permission="roles:read" what="The policy tester">
                <PolicyTester slug={slug} />
              </Requires>
              <Requires permission="roles:read" what="Policy versions">
                <PolicyVersions slug={slug} current={org.policyVersion?.number ?? null} />
              </Requires>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
