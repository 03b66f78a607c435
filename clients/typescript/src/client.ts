/**
 * `AtomClient`: typed GraphQL requests over `fetch` (multipart when the variables hold files),
 * subscriptions over WebSocket, the session it acts for, and the marketplace and usage helpers.
 *
 * @module
 */

import {
  AnonymousCredential,
  ApiKeyCredential,
  SessionCredential,
  type AtomSession,
  type Credential,
  type RefreshListener,
  type SessionTokens,
} from "./auth.js";
import {
  AtomError,
  AtomHttpError,
  graphQLError,
  SessionExpiredError,
  UnauthenticatedError,
  unwrap,
  type GraphQLErrorEntry,
} from "./errors.js";
import {
  AuditEventsDocument,
  LogInDocument,
  LogOutDocument,
  RefreshTokenDocument,
  SignUpDocument,
  type AuditEntryFieldsFragment,
  type AuditLogFilter,
  type InstallFieldsFragment,
  type LogInInput,
  type LogOutMutation,
  type PackageFieldsFragment,
  type PackageVersionFieldsFragment,
  type RefreshTokenMutation,
  type SignUpInput,
  type TypedDocumentString,
} from "./generated/graphql.js";
import {
  approve,
  install,
  listWorkflows,
  publishWPK,
  type ListWorkflowsOptions,
  type PublishWPKOptions,
} from "./marketplace.js";
import { mapSubscription, SubscriptionTransport, type AtomSubscription } from "./subscriptions.js";
import { reportUsage, type UsageEvent, type UsageReport } from "./usage.js";

/** The `fetch` function the client uses. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Options of an {@link AtomClient}. */
export interface AtomClientOptions {
  /** The server, e.g. `https://atom.example.com` (a URL ending in `/graphql` is taken as is). */
  url: string;
  /** Act with an API key (`atom_…`). */
  apiKey?: string | undefined;
  /** Act for a signed-in session (see {@link AtomClient.logIn}). */
  session?: SessionTokens | undefined;
  /** Called after each refresh with the new session: keep its `refreshToken`, the old one is spent. */
  onRefresh?: RefreshListener | undefined;
  /** Refresh the access token when it has less than this left (default 60). */
  refreshMarginSeconds?: number | undefined;
  /** The `fetch` to use (default: the global one). */
  fetch?: FetchLike | undefined;
  /** Extra headers for every GraphQL request. */
  headers?: Record<string, string> | undefined;
  /** A WebSocket class for subscriptions (default: the global `WebSocket`; on Node 20, `ws`'s). */
  webSocketImpl?: unknown;
  /** The subscriptions endpoint (default: the GraphQL URL with `ws:`/`wss:`). */
  webSocketUrl?: string | undefined;
}

/** Options of {@link AtomClient.logIn} and {@link AtomClient.signUp}: those of the client, but the credential. */
export type SessionClientOptions = Omit<AtomClientOptions, "url" | "apiKey" | "session">;

/** The variables argument of a document: optional when every variable is. */
export type VariablesOf<TVariables> = {} extends TVariables ? [variables?: TVariables] : [variables: TVariables];

interface GraphQLResponse {
  data?: unknown;
  errors?: GraphQLErrorEntry[];
}

/** Refusals of `refreshToken` after which the session cannot go on. */
const SESSION_ENDING_CODES = new Set(["INVALID_REFRESH_TOKEN", "REFRESH_TOKEN_EXPIRED", "REFRESH_TOKEN_REUSED"]);

/** A file found in variables, sent as a part of a multipart request. */
interface FilePart {
  path: string;
  file: Blob;
}

/**
 * A client of one ATOM Cloud server, acting anonymously, with an API key, or for a session whose
 * tokens it refreshes by itself.
 *
 * ```ts
 * const client = await AtomClient.logIn("https://atom.example.com", { email, password });
 * const { viewer } = await client.request(ViewerDocument);
 * ```
 */
export class AtomClient {
  /** The GraphQL endpoint. */
  readonly graphqlUrl: string;
  /** The server's base URL (the GraphQL endpoint without `/graphql`). */
  readonly baseUrl: string;
  private readonly credential: Credential;
  private readonly fetchImpl: FetchLike;
  private readonly headers: Record<string, string>;
  private readonly options: AtomClientOptions;
  private transport: SubscriptionTransport | null = null;

  constructor(options: AtomClientOptions) {
    if (options.apiKey && options.session) throw new TypeError("Give an API key or a session, not both.");
    this.options = options;
    const trimmed = options.url.replace(/\/+$/, "");
    this.graphqlUrl = /\/graphql$/.test(trimmed) ? trimmed : `${trimmed}/graphql`;
    this.baseUrl = this.graphqlUrl.replace(/\/graphql$/, "");
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") throw new AtomError("No fetch: pass the `fetch` option.");
    // A global fetch called as a method of another object throws "Illegal invocation" in browsers.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.headers = { ...options.headers };
    if (options.apiKey) {
      this.credential = new ApiKeyCredential(options.apiKey);
    } else if (options.session) {
      this.credential = new SessionCredential(options.session, {
        refresh: (refreshToken, organizationSlug) => this.exchangeRefreshToken(refreshToken, organizationSlug),
        onRefresh: options.onRefresh,
        refreshMarginSeconds: options.refreshMarginSeconds,
      });
    } else {
      this.credential = new AnonymousCredential();
    }
  }

  /** Sign in with e-mail and password; the client then acts for that session. */
  static async logIn(url: string, input: LogInInput, options: SessionClientOptions = {}): Promise<AtomClient> {
    const anonymous = new AtomClient({ ...options, url });
    const { logIn } = await anonymous.request(LogInDocument, { input });
    return new AtomClient({ ...options, url, session: unwrap(logIn, "session") });
  }

  /** Create an account (and, with `organizationName` and `organizationSlug`, its organization) and sign in. */
  static async signUp(url: string, input: SignUpInput, options: SessionClientOptions = {}): Promise<AtomClient> {
    const anonymous = new AtomClient({ ...options, url });
    const { signUp } = await anonymous.request(SignUpDocument, { input });
    return new AtomClient({ ...options, url, session: unwrap(signUp, "session") });
  }

  /** The session's current tokens (null for API key and anonymous clients). */
  get session(): SessionTokens | null {
    return this.credential instanceof SessionCredential ? this.credential.session : null;
  }

  /**
   * Run a query or mutation. Throws {@link AtomGraphQLError} (by code: {@link UnauthenticatedError},
   * `ForbiddenError`, `NotFoundError`, `BadUserInputError`) for top-level errors and
   * {@link AtomHttpError} for answers that are not GraphQL. `userErrors` are data: check them with
   * {@link unwrap}. Blobs in the variables are sent as a multipart request.
   */
  async request<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    ...[variables]: VariablesOf<TVariables>
  ): Promise<TResult> {
    const query = document.toString();
    let bearer = await this.credential.bearer();
    try {
      return (await this.send(query, variables ?? {}, bearer)) as TResult;
    } catch (error) {
      // An access token refused (expired early, keys rotated…): refresh once and try again.
      if (!(error instanceof UnauthenticatedError) || bearer === null || !this.credential.renewable) throw error;
      await this.credential.renew(bearer);
      bearer = await this.credential.bearer();
      return (await this.send(query, variables ?? {}, bearer)) as TResult;
    }
  }

  /**
   * Start a subscription (over WebSocket, opened on first use). Iterate the result; results with
   * errors end it with an {@link AtomGraphQLError}.
   *
   * ```ts
   * const events = client.subscribe(PackageStatusDocument, { packageId });
   * for await (const { packageStatus } of events) console.log(packageStatus.toStatus);
   * ```
   */
  subscribe<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    ...[variables]: VariablesOf<TVariables>
  ): AtomSubscription<TResult> {
    this.transport ??= new SubscriptionTransport({
      url: this.options.webSocketUrl ?? this.graphqlUrl.replace(/^http/, "ws"),
      credential: this.credential,
      webSocketImpl: this.options.webSocketImpl,
    });
    return this.transport.subscribe<TResult>(document.toString(), variables as Record<string, unknown> | undefined);
  }

  /**
   * Refresh the session now; with `organizationSlug`, switch it to another of your organizations.
   * Resolves to the new session.
   */
  async refreshSession(organizationSlug?: string): Promise<SessionTokens> {
    if (!(this.credential instanceof SessionCredential)) throw new AtomError("This client has no session to refresh.");
    await this.credential.refresh(undefined, organizationSlug);
    return this.credential.session;
  }

  /**
   * End the session on the server (its refresh tokens are revoked) and close subscriptions. The
   * client cannot act for it any more: requests then throw {@link SessionExpiredError}.
   */
  async logOut(): Promise<void> {
    await this.close();
    if (!(this.credential instanceof SessionCredential)) return;
    await this.credential.end(async (refreshToken) => {
      const data = (await this.send(LogOutDocument.toString(), { input: { refreshToken } }, null)) as LogOutMutation;
      unwrap(data.logOut);
    });
  }

  /** Close the WebSocket, ending every subscription. HTTP requests keep working. */
  async close(): Promise<void> {
    const transport = this.transport;
    this.transport = null;
    await transport?.dispose();
  }

  // --- helpers ----------------------------------------------------------------------------------

  /**
   * Publish a version of a package: sha256 and signature computed here, the bytes uploaded to a
   * presigned URL (default) or in a multipart request, and the server's sha256 checked against ours.
   * Resolves to the new version (SUBMITTED, waiting for review).
   */
  publishWPK(options: PublishWPKOptions): Promise<PackageVersionFieldsFragment> {
    return publishWPK(this, options);
  }

  /** The marketplace catalog, page by page as it is read. */
  listWorkflows(options: ListWorkflowsOptions = {}): AsyncGenerator<PackageFieldsFragment, void, undefined> {
    return listWorkflows(this, options);
  }

  /** Install a package (by `namespace/name` or ID) for your organization: a version, or the latest published. */
  install(packageNameOrId: string, versionId?: string): Promise<InstallFieldsFragment> {
    return install(this, packageNameOrId, versionId);
  }

  /**
   * Approve a version as a reviewer (a SUBMITTED version goes into review on the way). Resolves to
   * the version after approval: PUBLISHED once it has the approvals it needs.
   */
  approve(versionId: string, reason?: string): Promise<PackageVersionFieldsFragment> {
    return approve(this, versionId, reason);
  }

  /**
   * Report usage events, in batches of at most 1,000 (each all or nothing). Missing idempotency
   * keys are generated and missing timestamps set to now; the report's `events` are what was sent,
   * to send again safely (they count once).
   */
  reportUsage(events: ReadonlyArray<UsageEvent>): Promise<UsageReport> {
    return reportUsage(this, events);
  }

  /**
   * New entries of your organization's audit log as they commit (needs `audit:read`). With
   * `afterSequence` (the newest `sequence` read, from `auditLog` or an earlier stream), the ones
   * committed after it come first, so none is missed in between.
   */
  streamAudit(filter?: AuditLogFilter, afterSequence?: number): AtomSubscription<AuditEntryFieldsFragment> {
    return mapSubscription(
      this.subscribe(AuditEventsDocument, { filter: filter ?? null, afterSequence: afterSequence ?? null }),
      (event) => event.auditEvents,
    );
  }

  /** @internal `fetch` as configured, for the helpers' uploads. */
  fetch(url: string, init: RequestInit): Promise<Response> {
    return this.fetchImpl(url, init);
  }

  // --- transport --------------------------------------------------------------------------------

  private async send(query: string, variables: unknown, bearer: string | null): Promise<unknown> {
    const headers: Record<string, string> = { Accept: "application/json", ...this.headers };
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const files: FilePart[] = [];
    const extracted = extractFiles(variables, "variables", files);
    let body: BodyInit;
    if (files.length === 0) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify({ query, variables });
    } else {
      // The GraphQL multipart request spec; the server wants a preflight header against CSRF.
      headers["Apollo-Require-Preflight"] = "true";
      const form = new FormData();
      form.append("operations", JSON.stringify({ query, variables: extracted }));
      form.append("map", JSON.stringify(Object.fromEntries(files.map((part, i) => [String(i), [part.path]]))));
      files.forEach((part, i) => form.append(String(i), part.file, fileName(part.file)));
      body = form;
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.graphqlUrl, { method: "POST", headers, body });
    } catch (error) {
      throw new AtomHttpError(`The request to ${this.graphqlUrl} failed: ${String(error)}`, {
        status: 0,
        url: this.graphqlUrl,
        cause: error,
      });
    }
    const text = await response.text();
    let parsed: GraphQLResponse | null = null;
    try {
      const json: unknown = JSON.parse(text);
      if (typeof json === "object" && json !== null && ("data" in json || "errors" in json))
        parsed = json as GraphQLResponse;
    } catch {
      parsed = null;
    }
    if (parsed?.errors?.length) throw graphQLError(parsed.errors, { data: parsed.data, status: response.status });
    if (!response.ok || !parsed || parsed.data === undefined || parsed.data === null) {
      throw new AtomHttpError(`${this.graphqlUrl} answered ${response.status} ${response.statusText}`.trim(), {
        status: response.status,
        url: this.graphqlUrl,
        body: text.slice(0, 2000),
      });
    }
    return parsed.data;
  }

  private async exchangeRefreshToken(refreshToken: string, organizationSlug?: string): Promise<AtomSession> {
    const input = { refreshToken, organizationSlug: organizationSlug ?? null };
    const data = await this.send(RefreshTokenDocument.toString(), { input }, null);
    const payload = (data as RefreshTokenMutation).refreshToken;
    const refused = payload.userErrors[0];
    // A refresh token refused is the end of the session; other refusals (an organization that is
    // not yours) leave it as it was, the server having rolled back.
    if (refused && SESSION_ENDING_CODES.has(refused.code)) throw new SessionExpiredError(refused.code, refused.message);
    return unwrap(payload, "session");
  }
}

/** `value` with its Blobs replaced by null, each recorded in `files` under its object path. */
function extractFiles(value: unknown, path: string, files: FilePart[]): unknown {
  if (typeof Blob !== "undefined" && value instanceof Blob) {
    files.push({ path, file: value });
    return null;
  }
  if (Array.isArray(value)) return value.map((item, i) => extractFiles(item, `${path}.${i}`, files));
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, extractFiles(item, `${path}.${key}`, files)]),
    );
  }
  return value;
}

function fileName(file: Blob): string {
  return typeof File !== "undefined" && file instanceof File && file.name ? file.name : "upload";
}
