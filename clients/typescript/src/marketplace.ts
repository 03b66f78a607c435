/**
 * Marketplace helpers behind `AtomClient`'s methods: publishing a signed WPK, browsing the catalog,
 * installing, approving.
 *
 * @module
 */

import type { AtomClient } from "./client.js";
import { AtomHttpError, IntegrityError, NotFoundError, unwrap } from "./errors.js";
import {
  ApproveVersionDocument,
  CreateUploadDocument,
  InstallPackageDocument,
  MarketplacePackagesDocument,
  PackageDocument,
  PublishVersionDocument,
  PublishVersionUploadDocument,
  type CatalogSort,
  type InstallFieldsFragment,
  type PackageFieldsFragment,
  type PackageVersionFieldsFragment,
  type PricingModel,
  type SignatureInput,
} from "./generated/graphql.js";
import { paginate } from "./pagination.js";
import { sha256Hex, signArtifact, toBytes, type BytesLike, type SigningKey } from "./signing.js";

/** What {@link AtomClient.publishWPK} publishes, and how. */
export interface PublishWPKOptions {
  /** The package, by full name (`namespace/name`)… */
  package?: string;
  /** …or by ID. */
  packageId?: string;
  /** The WPK archive (`.tar.gz` or `.zip`). */
  artifact: BytesLike;
  /** Its file name, e.g. `hello-1.2.0.tar.gz`. */
  filename: string;
  /** Sign with a registered key (Ed25519 or ECDSA P-256)… */
  signingKey?: SigningKey;
  /** …or send a Sigstore bundle (JSON text or object) made for this artifact. */
  sigstoreBundle?: string | object;
  /** Upload to a presigned URL, then publish (default), or send the bytes in the publishing request. */
  via?: "presigned" | "multipart";
}

/** Filters and order of {@link AtomClient.listWorkflows}. */
export interface ListWorkflowsOptions {
  /** Full-text search. */
  query?: string;
  /** Packages with all of these tags. */
  tags?: string[];
  /** A publisher's namespace. */
  publisher?: string;
  pricing?: PricingModel;
  /** Risk levels of the latest published version. */
  riskLevels?: string[];
  /** Only packages with a published, verified version. */
  verified?: boolean;
  sort?: CatalogSort;
  /** Packages per request (default 50; the server caps it). */
  pageSize?: number;
}

export async function publishWPK(
  client: AtomClient,
  options: PublishWPKOptions,
): Promise<PackageVersionFieldsFragment> {
  const packageId = await resolvePackageId(client, options.packageId ?? options.package);
  const bytes = await toBytes(options.artifact);
  const sha256 = await sha256Hex(bytes);
  const signature = await signatureFor(bytes, options);
  let version: PackageVersionFieldsFragment;
  if ((options.via ?? "presigned") === "multipart") {
    const file = new File([bytes as Uint8Array<ArrayBuffer>], options.filename, { type: "application/octet-stream" });
    const { publishVersionUpload } = await client.request(PublishVersionUploadDocument, {
      input: { packageId, file, signature },
    });
    version = unwrap(publishVersionUpload, "version");
  } else {
    const { createUpload } = await client.request(CreateUploadDocument, { input: { filename: options.filename } });
    const ticket = unwrap(createUpload, "upload");
    await putBytes(client, ticket.url, ticket.method, bytes, sha256);
    const { publishVersion } = await client.request(PublishVersionDocument, {
      input: { packageId, uploadId: ticket.uploadId, signature },
    });
    version = unwrap(publishVersion, "version");
  }
  if (version.sha256 !== sha256) {
    throw new IntegrityError(`The server published sha256 ${version.sha256}, not the artifact's ${sha256}.`, {
      expected: sha256,
      actual: version.sha256,
    });
  }
  return version;
}

async function signatureFor(bytes: Uint8Array, options: PublishWPKOptions): Promise<SignatureInput> {
  if (options.signingKey !== undefined && options.sigstoreBundle !== undefined) {
    throw new TypeError("Give signingKey or sigstoreBundle, not both.");
  }
  if (options.signingKey !== undefined) return { keySignature: await signArtifact(bytes, options.signingKey) };
  if (options.sigstoreBundle !== undefined) {
    const bundle = options.sigstoreBundle;
    return { sigstoreBundle: typeof bundle === "string" ? bundle : JSON.stringify(bundle) };
  }
  throw new TypeError("A version must be signed: give signingKey or sigstoreBundle.");
}

/** PUT the bytes where the upload ticket says; our own server answers with the sha256 it stored. */
async function putBytes(
  client: AtomClient,
  url: string,
  method: string,
  bytes: Uint8Array,
  sha256: string,
): Promise<void> {
  let response: Response;
  try {
    // No Authorization header: the URL carries its own short-lived grant, and may be another host.
    response = await client.fetch(url, { method, body: bytes as Uint8Array<ArrayBuffer> });
  } catch (error) {
    throw new AtomHttpError(`The upload failed: ${String(error)}`, { status: 0, url: redact(url), cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    throw new AtomHttpError(`The upload was refused: ${response.status} ${response.statusText}`.trim(), {
      status: response.status,
      url: redact(url),
      body: text.slice(0, 2000),
    });
  }
  let stored: { sha256?: unknown } = {};
  try {
    stored = JSON.parse(text) as { sha256?: unknown };
  } catch {
    // Object storage (a presigned URL) answers without a body: publishVersion's sha256 is checked instead.
  }
  if (typeof stored.sha256 === "string" && stored.sha256 !== sha256) {
    throw new IntegrityError(`The server stored sha256 ${stored.sha256}, not the artifact's ${sha256}.`, {
      expected: sha256,
      actual: stored.sha256,
    });
  }
}

function redact(url: string): string {
  return url.replace(/\?.*$/, "?…");
}

export function listWorkflows(
  client: AtomClient,
  options: ListWorkflowsOptions,
): AsyncGenerator<PackageFieldsFragment, void, undefined> {
  const filter = {
    tags: options.tags ?? [],
    publisher: options.publisher ?? null,
    pricing: options.pricing ?? null,
    riskLevels: options.riskLevels ?? [],
    verified: options.verified ?? false,
  };
  return paginate(async (after) => {
    const { marketplacePackages } = await client.request(MarketplacePackagesDocument, {
      query: options.query ?? null,
      filter,
      // `sort` is non-null with a default on the server: left out rather than sent as null.
      sort: options.sort,
      first: options.pageSize ?? 50,
      after,
    });
    return marketplacePackages;
  });
}

export async function install(
  client: AtomClient,
  packageNameOrId: string,
  versionId?: string,
): Promise<InstallFieldsFragment> {
  const packageId = await resolvePackageId(client, packageNameOrId);
  const { installPackage } = await client.request(InstallPackageDocument, {
    input: { packageId, versionId: versionId ?? null },
  });
  return unwrap(installPackage, "install");
}

export async function approve(
  client: AtomClient,
  versionId: string,
  reason?: string,
): Promise<PackageVersionFieldsFragment> {
  // approveVersion puts a SUBMITTED version in review itself (domain/marketplace/service.py), in
  // the same transaction as the approval: no separate startReview.
  const { approveVersion } = await client.request(ApproveVersionDocument, { input: { versionId, reason: reason ?? null } });
  return unwrap(approveVersion, "version");
}

/** A package ID from an ID or a full name (`namespace/name`: IDs have no slash). */
async function resolvePackageId(client: AtomClient, packageNameOrId: string | undefined): Promise<string> {
  if (!packageNameOrId) throw new TypeError("Name the package: its full name (namespace/name) or its ID.");
  if (!packageNameOrId.includes("/")) return packageNameOrId;
  const { package: found } = await client.request(PackageDocument, { fullName: packageNameOrId });
  if (!found) {
    throw new NotFoundError([
      { message: `No package ${packageNameOrId} (or none you may see).`, extensions: { code: "NOT_FOUND" } },
    ]);
  }
  return found.id;
}
