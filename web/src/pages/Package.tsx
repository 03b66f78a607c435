// A package: its versions, newest first, with verification details and risk analysis; install, upgrade,
// uninstall; download.
import {
  CreateDownloadDocument,
  InstallPackageDocument,
  InstallsDocument,
  PackageDocument,
  PackageVersionsDocument,
  UninstallPackageDocument,
  unwrap,
  type PackageVersionFieldsFragment,
} from "@atom-cloud/sdk";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { Findings } from "../components/Findings";
import { Badge, ErrorState, Loaded, statusTone } from "../components/ui";
import { errorMessage } from "../lib/errors";
import { useLoad, usePagedList } from "../lib/hooks";
import { useSession } from "../lib/session";
import { plural } from "../lib/format";

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / 1024 / 1024).toFixed(1)} MiB`;
}

function Verification({ version }: { version: PackageVersionFieldsFragment }) {
  const v = version.verification;
  return (
    <dl className="details">
      <dt>Verification</dt>
      <dd>
        <Badge tone={v.method ? "good" : "bad"}>✓ {v.method}</Badge>
      </dd>
      {v.identity ? (<><dt>Identity</dt><dd>{v.identity}</dd></>) : null}
      {v.issuer ? (<><dt>Issuer</dt><dd>{v.issuer}</dd></>) : null}
      {v.transparencyLogIndex !== null ? (<><dt>Log index</dt><dd>{v.transparencyLogIndex}</dd></>) : null}
      {v.keyFingerprint ? (<><dt>Key fingerprint</dt><dd><code>{v.keyFingerprint}</code></dd></>) : null}
      {v.signingIdentity ? (<><dt>Signing identity</dt><dd>{v.signingIdentity.name} ({v.signingIdentity.kind})</dd></>) : null}
      <dt>sha256</dt>
      <dd><code>{version.sha256}</code></dd>
      <dt>Size</dt>
      <dd>{formatBytes(version.size)}</dd>
    </dl>
  );
}

function Download({ version }: { version: PackageVersionFieldsFragment }) {
  const { client } = useSession();
  const [state, setState] = useState<{ sha256: string; filename: string; url: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div>
      <button
        type="button"
        onClick={async () => {
          setError(null);
          try {
            const { createDownload } = await client.request(CreateDownloadDocument, { input: { versionId: version.id } });
            const download = unwrap(createDownload, "download");
            setState(download);
          } catch (reason) {
            setError(errorMessage(reason));
          }
        }}
      >
        Download v{version.version}
      </button>
      {state ? (
        <p>
          <a href={state.url} download={state.filename}>{state.filename}</a> · sha256 <code data-testid="download-digest">{state.sha256}</code>
        </p>
      ) : null}
      {error ? <p className="field-error" role="alert">{error}</p> : null}
    </div>
  );
}

/** Versions a page: the newest first, older ones on request. */
export const VERSIONS_PAGE = 10;

/** The versions the caller may see, newest first: the connection lists them oldest first, so its
 * pages are asked from the end (`last`, then `before` the oldest one shown). */
function Versions({ fullName }: { fullName: string }) {
  const { client, signedIn } = useSession();
  const { items: versions, total, hasMore: hasOlder, loading, error, load } = usePagedList(async (before) => {
    const { package: found } = await client.request(PackageVersionsDocument, { fullName, last: VERSIONS_PAGE, before });
    const page = found?.versions;
    return {
      nodes: [...(page?.nodes ?? [])].reverse(),
      totalCount: page?.totalCount ?? 0,
      cursor: page?.pageInfo.startCursor ?? null,
      more: page?.pageInfo.hasPreviousPage ?? false,
    };
  }, [client, fullName]);

  return (
    <section aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions{total !== null ? ` (${total})` : ""}</h2>
      <ol className="versions" aria-label="Versions">
        {versions.map((version) => (
          <li key={version.id} className="card">
            <h3>
              v{version.version} <Badge tone={statusTone(version.status)}>{version.status}</Badge>
            </h3>
            {version.statusReason ? <p>{version.statusReason}</p> : null}
            <Verification version={version} />
            <h4>Risk analysis</h4>
            <Findings analysis={version.analysis} />
            {signedIn ? <Download version={version} /> : null}
          </li>
        ))}
      </ol>
      {loading ? <p role="status">Loading versions…</p> : null}
      {error ? <ErrorState error={error} retry={() => void load(versions.length === 0)} /> : null}
      {total === 0 ? <p>No versions yet.</p> : null}
      {hasOlder && !loading ? (
        <button type="button" onClick={() => void load(false)}>
          Show older versions
        </button>
      ) : null}
    </section>
  );
}

export function PackagePage() {
  const { namespace, name } = useParams();
  const fullName = `${namespace}/${name}`;
  const { client, signedIn, can } = useSession();
  const pkg = useLoad(() => client.request(PackageDocument, { fullName }), [client, fullName]);
  const installs = useLoad(async () => (signedIn ? (await client.request(InstallsDocument)).installs : []), [client, signedIn]);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const installed = installs.data?.find((install) => install.active && install.package?.fullName === fullName);

  async function act(run: () => Promise<unknown>) {
    setBusy(true);
    setActionError(null);
    try {
      await run();
      installs.reload();
      pkg.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Loaded result={pkg} what="Loading the package">
      {({ package: found }) =>
        found === null ? (
          <p>No package {fullName}.</p>
        ) : (
          <section>
            <h1>{found.title || found.fullName}</h1>
            <p className="muted">
              {found.fullName} · by {found.publisher?.displayName} · {plural(found.installCount, "install", "installs")} · {found.license ?? "no license"}
            </p>
            <p>{found.description}</p>
            {signedIn && can("packages:install") ? (
              <div className="actions" aria-label="Install">
                {installed ? (
                  <>
                    <p>
                      Installed: <Badge tone="good">v{installed.version?.version}</Badge>
                    </p>
                    {found.latestVersion && installed.version?.id !== found.latestVersion.id && found.latestVersion.status === "PUBLISHED" ? (
                      <button type="button" disabled={busy} onClick={() => act(async () => {
                        const { installPackage } = await client.request(InstallPackageDocument, { input: { packageId: found.id, versionId: found.latestVersion!.id } });
                        unwrap(installPackage);
                      })}>
                        Upgrade to v{found.latestVersion.version}
                      </button>
                    ) : null}
                    <button type="button" disabled={busy} onClick={() => act(async () => {
                      const { uninstallPackage } = await client.request(UninstallPackageDocument, { input: { packageId: found.id } });
                      unwrap(uninstallPackage);
                    })}>
                      Uninstall
                    </button>
                  </>
                ) : (
                  <button type="button" disabled={busy || !found.latestVersion} onClick={() => act(async () => {
                    const { installPackage } = await client.request(InstallPackageDocument, { input: { packageId: found.id } });
                    unwrap(installPackage);
                  })}>
                    Install
                  </button>
                )}
                {actionError ? <ErrorState error={actionError} /> : null}
              </div>
            ) : null}
            <Versions fullName={fullName} />
          </section>
        )
      }
    </Loaded>
  );
}
