// Publishing: become a publisher, register signing keys, create packages, upload a signed version with
// a progress bar, and watch its review status live (packageStatus).
import {
  BecomePublisherDocument,
  CreatePackageDocument,
  CreateUploadDocument,
  MarketplacePackagesDocument,
  MyPublisherDocument,
  PackageStatusDocument,
  PublishVersionDocument,
  RegisterPublicKeyDocument,
  RegisterSigstoreIdentityDocument,
  RevokeSigningIdentityDocument,
  sha256Hex,
  signDigest,
  unwrap,
  type PackageStatusSubscription,
  type PublisherFieldsFragment,
  type Visibility,
} from "@atom-cloud/sdk";
import { useCallback, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { Badge, FormMessages, LiveBadge, Loaded, SelectField, TextArea, TextField, statusTone } from "../components/ui";
import { formErrors, NO_ERRORS, type FormErrors } from "../lib/errors";
import { useLive, useLoad } from "../lib/hooks";
import { useSession } from "../lib/session";
import { putWithProgress } from "../lib/upload";
import { packagePath } from "../lib/routes";

function BecomePublisher({ done }: { done: () => void }) {
  const { client, viewer } = useSession();
  const [form, setForm] = useState({ namespace: viewer?.organization?.slug ?? "", displayName: viewer?.organization?.name ?? "" });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const { becomePublisher } = await client.request(BecomePublisherDocument, { input: form });
      unwrap(becomePublisher);
      done();
    } catch (error) {
      setErrors(formErrors(error, ["namespace", "displayName"]));
    }
  }
  return (
    <form onSubmit={submit} aria-label="Become a publisher" noValidate>
      <h2>Become a publisher</h2>
      <FormMessages errors={errors} />
      <TextField label="Namespace" value={form.namespace} onChange={(e) => setForm({ ...form, namespace: e.target.value })} errors={errors.fields.namespace} />
      <TextField label="Display name" value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} errors={errors.fields.displayName} />
      <button type="submit">Become a publisher</button>
    </form>
  );
}

function SigningKeys({ publisher, changed }: { publisher: PublisherFieldsFragment & { signingIdentities: Array<{ id: string; name: string; kind: string; keyAlgorithm: string | null; keyFingerprint: string | null; identity: string | null; revokedAt: string | null }> }; changed: () => void }) {
  const { client } = useSession();
  const [form, setForm] = useState({ name: "", publicKey: "" });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const { registerPublicKey } = await client.request(RegisterPublicKeyDocument, { input: form });
      unwrap(registerPublicKey);
      setForm({ name: "", publicKey: "" });
      setErrors(NO_ERRORS);
      changed();
    } catch (error) {
      setErrors(formErrors(error, ["name", "publicKey"]));
    }
  }
  const [sigstore, setSigstore] = useState({ name: "", issuer: "https://token.actions.githubusercontent.com", identity: "" });
  const [sigstoreErrors, setSigstoreErrors] = useState<FormErrors>(NO_ERRORS);
  async function submitSigstore(event: FormEvent) {
    event.preventDefault();
    try {
      unwrap((await client.request(RegisterSigstoreIdentityDocument, { input: sigstore })).registerSigstoreIdentity);
      setSigstore({ ...sigstore, name: "", identity: "" });
      setSigstoreErrors(NO_ERRORS);
      changed();
    } catch (error) {
      setSigstoreErrors(formErrors(error, ["name", "issuer", "identity"]));
    }
  }
  return (
    <section aria-labelledby="keys-heading">
      <h2 id="keys-heading">Signing identities</h2>
      <table>
        <thead>
          <tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Fingerprint / identity</th><th scope="col">State</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
        </thead>
        <tbody>
          {publisher.signingIdentities.map((identity) => (
            <tr key={identity.id}>
              <td>{identity.name}</td>
              <td>{identity.kind} {identity.keyAlgorithm}</td>
              <td><code>{identity.keyFingerprint ?? identity.identity}</code></td>
              <td>{identity.revokedAt ? <Badge tone="bad">revoked</Badge> : <Badge tone="good">active</Badge>}</td>
              <td>
                {identity.revokedAt ? null : (
                  <button type="button" aria-label={`Revoke ${identity.name}`} onClick={async () => {
                    const { revokeSigningIdentity } = await client.request(RevokeSigningIdentityDocument, { input: { identityId: identity.id, reason: "Revoked in the Launchpad" } });
                    unwrap(revokeSigningIdentity);
                    changed();
                  }}>Revoke</button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={submit} aria-label="Register a public key" noValidate>
        <h3>Register a public key</h3>
        <FormMessages errors={errors} />
        <TextField label="Key name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} errors={errors.fields.name} />
        <TextArea label="Public key (PEM)" rows={5} value={form.publicKey} onChange={(e) => setForm({ ...form, publicKey: e.target.value })}
          errors={errors.fields.publicKey} hint="Ed25519 or ECDSA P-256, -----BEGIN PUBLIC KEY-----" />
        <button type="submit">Register key</button>
      </form>
      <form onSubmit={submitSigstore} aria-label="Register a Sigstore identity" noValidate>
        <h3>Register a Sigstore identity</h3>
        <FormMessages errors={sigstoreErrors} />
        <TextField label="Identity name" value={sigstore.name} onChange={(e) => setSigstore({ ...sigstore, name: e.target.value })} errors={sigstoreErrors.fields.name} />
        <TextField label="OIDC issuer" value={sigstore.issuer} onChange={(e) => setSigstore({ ...sigstore, issuer: e.target.value })} errors={sigstoreErrors.fields.issuer} />
        <TextField label="Certificate identity" hint="A workflow URI or an e-mail address." value={sigstore.identity}
          onChange={(e) => setSigstore({ ...sigstore, identity: e.target.value })} errors={sigstoreErrors.fields.identity} />
        <button type="submit">Register identity</button>
      </form>
    </section>
  );
}

function CreatePackage({ created }: { created: () => void }) {
  const { client } = useSession();
  const [form, setForm] = useState({ name: "", title: "", description: "", tags: "", visibility: "PUBLIC" as Visibility });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const tags = form.tags.split(",").map((tag) => tag.trim()).filter(Boolean);
      const { createPackage } = await client.request(CreatePackageDocument, {
        input: { name: form.name, title: form.title, description: form.description, tags, visibility: form.visibility },
      });
      unwrap(createPackage);
      setForm({ name: "", title: "", description: "", tags: "", visibility: "PUBLIC" });
      setErrors(NO_ERRORS);
      created();
    } catch (error) {
      setErrors(formErrors(error, ["name", "title", "description", "tags", "visibility"]));
    }
  }
  return (
    <form onSubmit={submit} aria-label="Create a package" noValidate>
      <h2>Create a package</h2>
      <FormMessages errors={errors} />
      <TextField label="Package name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} errors={errors.fields.name} />
      <TextField label="Title" value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} errors={errors.fields.title} />
      <TextArea label="Description" value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} errors={errors.fields.description} />
      <TextField label="Tags" hint="Comma separated." value={form.tags} onChange={(e) => setForm({ ...form, tags: e.target.value })} errors={errors.fields.tags} />
      <SelectField label="Visibility" value={form.visibility} onChange={(e) => setForm({ ...form, visibility: e.target.value as Visibility })} errors={errors.fields.visibility}>
        <option value="PUBLIC">Public</option>
        <option value="PRIVATE">Private</option>
      </SelectField>
      <button type="submit">Create package</button>
    </form>
  );
}

type StatusEvent = PackageStatusSubscription["packageStatus"];

/** The live review status of one package's versions; `onChange` hears each transition. */
function LiveStatus({ packageId, onChange }: { packageId: string; onChange: (event: StatusEvent) => void }) {
  const { client } = useSession();
  const [events, setEvents] = useState<StatusEvent[]>([]);
  const live = useLive(
    () => client.subscribe(PackageStatusDocument, { packageId }),
    ({ packageStatus }) => {
      setEvents((previous) => [packageStatus, ...previous]);
      onChange(packageStatus);
    },
    [client, packageId],
  );
  const latest = events[0];
  return (
    <section aria-labelledby="status-heading" className="card">
      <h2 id="status-heading">
        Review status <LiveBadge state={live.state} label="Status updates" />
      </h2>
      {latest ? (
        <p data-testid="live-status">
          v{latest.versionNumber}: <Badge tone={statusTone(latest.toStatus)}>{latest.toStatus}</Badge>
          {latest.reason ? ` — ${latest.reason}` : null}
        </p>
      ) : (
        <p>Waiting for status changes…</p>
      )}
      <ol aria-label="Status history" aria-live="polite">
        {events.map((event, index) => (
          <li key={index}>
            {new Date(event.occurredAt).toLocaleTimeString()} v{event.versionNumber}: {event.fromStatus ?? "—"} → {event.toStatus}
            {event.reason ? ` (${event.reason})` : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

async function readText(file: File): Promise<string> {
  return await file.text();
}

/** The review status of versions as last heard, by `packageId@version`: from publishing (the
 * mutation's answer) or live (packageStatus). */
export type Heard = Record<string, { status: string; live: boolean }>;

const versionKey = (packageId: string, version: string) => `${packageId}@${version}`;

/** A status heard. The live stream may overtake the mutation's answer (events are released at its
 * commit): a live status is never replaced by the answer, which is older. */
export function hear(heard: Heard, packageId: string, version: string, status: string, live: boolean): Heard {
  const key = versionKey(packageId, version);
  if (!live && heard[key]?.live) return heard;
  return { ...heard, [key]: { status, live } };
}

interface UploadProps {
  packages: Array<{ id: string; fullName: string }>;
  heard: Heard;
  onPublished: (packageId: string, version: string, status: string) => void;
  onLive: (event: StatusEvent) => void;
}

function UploadVersion({ packages, heard, onPublished, onLive }: UploadProps) {
  const { client } = useSession();
  const [packageId, setPackageId] = useState(packages[0]?.id ?? "");
  const [artifact, setArtifact] = useState<File | null>(null);
  const [keyFile, setKeyFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [step, setStep] = useState<string>("");
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [published, setPublished] = useState<{ packageId: string; version: string; status: string; sha256: string } | null>(null);
  const publishedStatus = published ? (heard[versionKey(published.packageId, published.version)]?.status ?? published.status) : null;
  const [watching, setWatching] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local: Record<string, string[]> = {};
    if (!packageId) local.packageId = ["Choose a package."];
    if (!artifact) local.file = ["Choose a WPK archive (.tar.gz or .zip)."];
    if (!keyFile) local.signingKey = ["Choose the private key (PKCS #8 PEM) of a registered signing key."];
    if (Object.keys(local).length > 0 || !artifact || !keyFile) {
      setErrors({ fields: local, general: [] });
      return;
    }
    setErrors(NO_ERRORS);
    setPublished(null);
    setWatching(packageId);
    try {
      setStep("Hashing and signing");
      setProgress(0);
      const bytes = new Uint8Array(await artifact.arrayBuffer());
      const sha256 = await sha256Hex(bytes);
      const keySignature = await signDigest(sha256, await readText(keyFile));
      setStep("Uploading");
      const { createUpload } = await client.request(CreateUploadDocument, { input: { filename: artifact.name } });
      const ticket = unwrap(createUpload, "upload");
      // The bytes that were hashed, as an untyped Blob: no Content-Type the presigned URL did not sign.
      await putWithProgress(ticket.url, ticket.method, new Blob([bytes]), setProgress);
      setStep("Publishing");
      const { publishVersion } = await client.request(PublishVersionDocument, {
        input: { packageId, uploadId: ticket.uploadId, signature: { keySignature } },
      });
      const version = unwrap(publishVersion, "version");
      if (version.sha256 !== sha256) throw new Error(`The server stored sha256 ${version.sha256}, not ${sha256}.`);
      setPublished({ packageId, version: version.version, status: version.status, sha256: version.sha256 });
      onPublished(packageId, version.version, version.status);
      setStep("Submitted");
    } catch (error) {
      setStep("");
      setProgress(null);
      setErrors(formErrors(error, ["packageId", "file", "signingKey", "signature", "uploadId"]));
    }
  }

  return (
    <>
      <form onSubmit={submit} aria-label="Upload a signed version" noValidate>
        <h2>Upload a signed version</h2>
        <FormMessages errors={errors} />
        <SelectField label="Package" value={packageId} onChange={(e) => setPackageId(e.target.value)} errors={errors.fields.packageId}>
          {packages.map((pkg) => (
            <option key={pkg.id} value={pkg.id}>{pkg.fullName}</option>
          ))}
        </SelectField>
        <TextField label="WPK archive" type="file" accept=".gz,.tgz,.zip" onChange={(e) => setArtifact(e.target.files?.[0] ?? null)} errors={errors.fields.file} />
        <TextField label="Signing key (private, PEM)" type="file" accept=".pem,.key" onChange={(e) => setKeyFile(e.target.files?.[0] ?? null)}
          errors={[...(errors.fields.signingKey ?? []), ...(errors.fields.signature ?? [])]} hint="Signed in this browser; the key never leaves it." />
        <button type="submit" disabled={step !== "" && step !== "Submitted"}>Sign and upload</button>
        {progress !== null ? (
          <div className="progress">
            <label>
              {step} <progress max={1} value={progress} aria-label="Upload progress">{Math.round(progress * 100)}%</progress> {Math.round(progress * 100)}%
            </label>
          </div>
        ) : null}
        {published && publishedStatus ? (
          <p role="status" data-testid="submitted">
            v{published.version} submitted, now <Badge tone={statusTone(publishedStatus)}>{publishedStatus}</Badge> · sha256 <code>{published.sha256}</code>
          </p>
        ) : null}
      </form>
      {watching ? <LiveStatus packageId={watching} onChange={onLive} /> : null}
    </>
  );
}

export function PublishPage() {
  const { client, viewer } = useSession();
  const publisher = useLoad(() => client.request(MyPublisherDocument), [client]);
  const namespace = publisher.data?.myPublisher?.namespace;
  const packages = useLoad(
    async () =>
      namespace
        ? (await client.request(MarketplacePackagesDocument, { filter: { publisher: namespace }, sort: "NEWEST", first: 100 })).marketplacePackages.nodes
        : [],
    [client, namespace],
  );
  // The version last uploaded here per package, and every status heard: the catalog's latestVersion
  // is the newest *published* one, so a version in review shows only through these.
  const [uploaded, setUploaded] = useState<Record<string, string>>({});
  const [heard, setHeard] = useState<Heard>({});
  const { reload: reloadPackages } = packages;
  const onPublished = useCallback((packageId: string, version: string, status: string) => {
    setUploaded((current) => ({ ...current, [packageId]: version }));
    setHeard((current) => hear(current, packageId, version, status, false));
  }, []);
  const onLive = useCallback(
    (event: StatusEvent) => {
      setHeard((current) => hear(current, event.packageId, event.versionNumber, event.toStatus, true));
      // A transition may publish a version: the list's latest published version and counts come anew.
      reloadPackages();
    },
    [reloadPackages],
  );
  return (
    <section>
      <h1>Publish</h1>
      <Loaded result={publisher} what="Loading your publisher">
        {({ myPublisher }) =>
          myPublisher === null ? (
            <BecomePublisher done={publisher.reload} />
          ) : (
            <>
              <p>
                Publishing as <strong>{myPublisher.displayName}</strong> ({myPublisher.namespace}) for {viewer?.organization?.name}.
              </p>
              <SigningKeys publisher={myPublisher} changed={publisher.reload} />
              <CreatePackage created={packages.reload} />
              <Loaded result={packages} what="Loading your packages">
                {(list) => (
                  <>
                    <h2 id="packages-heading">Your packages</h2>
                    <ul aria-labelledby="packages-heading">
                      {list.map((pkg) => {
                        const version = uploaded[pkg.id];
                        const status = version ? heard[versionKey(pkg.id, version)]?.status : undefined;
                        const upload = version && status ? { version, status } : null;
                        return (
                          <li key={pkg.id}>
                            <Link to={packagePath(pkg.fullName)}>{pkg.fullName}</Link>{" "}
                            {pkg.latestVersion ? (
                              <Badge tone={statusTone(pkg.latestVersion.status)}>v{pkg.latestVersion.version} {pkg.latestVersion.status}</Badge>
                            ) : upload ? null : (
                              <Badge>no published version</Badge>
                            )}{" "}
                            {upload && upload.version !== pkg.latestVersion?.version ? (
                              <Badge tone={statusTone(upload.status)}>v{upload.version} {upload.status}</Badge>
                            ) : null}
                          </li>
                        );
                      })}
                    </ul>
                    {list.length > 0 ? (
                      <UploadVersion key={list.map((p) => p.id).join()} packages={list} heard={heard} onPublished={onPublished} onLive={onLive} />
                    ) : (
                      <p>Create a package to upload a version.</p>
                    )}
                  </>
                )}
              </Loaded>
            </>
          )
        }
      </Loaded>
    </section>
  );
}
