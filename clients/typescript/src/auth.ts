/**
 * Credentials: an API key, or a signed-in session whose access token is refreshed ahead of its
 * expiry and once more when the server refuses it, one refresh at a time however many requests wait.
 *
 * @module
 */

import { SessionExpiredError } from "./errors.js";
import type { AuthSessionFieldsFragment } from "./generated/graphql.js";

/** A signed-in session as the server returns it (`logIn`, `signUp`, `refreshToken`). */
export type AtomSession = AuthSessionFieldsFragment;

/** What a client needs to resume a session, e.g. tokens kept from a previous run. */
export interface SessionTokens {
  accessToken: string;
  /** Single use: every refresh returns a new one, which replaces it. */
  refreshToken: string;
  /** ISO 8601. When missing, the access token's own `exp` claim is used. */
  accessTokenExpiresAt?: string | null;
  refreshTokenExpiresAt?: string | null;
  /** Present when the tokens came from the server. */
  user?: AtomSession["user"];
  organization?: AtomSession["organization"];
}

/** Called with the new session after each refresh: persist `refreshToken`, the old one is spent. */
export type RefreshListener = (session: AtomSession) => void | Promise<void>;

/** Exchanges a refresh token for a new session (the `refreshToken` mutation). */
export type Refresher = (refreshToken: string, organizationSlug?: string) => Promise<AtomSession>;

/**
 * Where the bearer of each request comes from. Internal to the client and the WebSocket
 * transport; exported for custom transports.
 */
export interface Credential {
  /** Whether a refused bearer can be replaced by another one. */
  readonly renewable: boolean;
  /** The bearer to send now, or null for an anonymous request. */
  bearer(): Promise<string | null>;
  /**
   * The server refused `refusedBearer`: get a new one unless that already happened (another
   * request saw the same refusal). Resolves to whether retrying makes sense.
   */
  renew(refusedBearer: string): Promise<boolean>;
}

/** No credential: public queries, `logIn`, `signUp`. */
export class AnonymousCredential implements Credential {
  readonly renewable = false;

  async bearer(): Promise<string | null> {
    return null;
  }

  async renew(): Promise<boolean> {
    return false;
  }
}

/** An API key (`atom_…`): sent as it is, never refreshed. */
export class ApiKeyCredential implements Credential {
  readonly renewable = false;

  constructor(private readonly apiKey: string) {
    if (!apiKey) throw new TypeError("An API key is required.");
  }

  async bearer(): Promise<string> {
    return this.apiKey;
  }

  async renew(): Promise<boolean> {
    return false;
  }
}

/** Options of a {@link SessionCredential}. */
export interface SessionCredentialOptions {
  refresh: Refresher;
  onRefresh?: RefreshListener | undefined;
  /** Refresh when the access token has less than this left (default 60 s). */
  refreshMarginSeconds?: number | undefined;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  now?: (() => number) | undefined;
}

/**
 * A session: access token + rotating refresh token. `bearer()` refreshes ahead of expiry;
 * `renew()` refreshes after a refusal. Concurrent callers share one refresh, since a refresh
 * token presented twice revokes its whole family on the server.
 */
export class SessionCredential implements Credential {
  readonly renewable = true;
  private tokens: SessionTokens;
  private expiresAt: number | null;
  private inflight: Promise<void> | null = null;
  private ended: SessionExpiredError | null = null;
  private readonly refresher: Refresher;
  private readonly onRefresh: RefreshListener | undefined;
  private readonly marginMs: number;
  private readonly now: () => number;

  constructor(tokens: SessionTokens, options: SessionCredentialOptions) {
    if (!tokens.accessToken || !tokens.refreshToken) {
      throw new TypeError("A session needs an access token and a refresh token.");
    }
    this.tokens = { ...tokens };
    this.expiresAt = expiryOf(tokens);
    this.refresher = options.refresh;
    this.onRefresh = options.onRefresh;
    this.marginMs = (options.refreshMarginSeconds ?? 60) * 1000;
    this.now = options.now ?? Date.now;
  }

  /** The current tokens (the refresh token changes with every refresh). */
  get session(): SessionTokens {
    return { ...this.tokens };
  }

  async bearer(): Promise<string> {
    if (this.inflight) await this.inflight;
    if (this.ended) throw this.ended;
    if (this.expiresAt !== null && this.expiresAt - this.marginMs <= this.now()) {
      await this.refresh(this.tokens.accessToken);
    }
    return this.tokens.accessToken;
  }

  async renew(refusedBearer: string): Promise<boolean> {
    await this.refresh(refusedBearer);
    return true;
  }

  /**
   * End the session: `revoke` gets the current refresh token (once no refresh is under way), and
   * from then on the credential refuses to give a bearer.
   */
  async end(revoke: (refreshToken: string) => Promise<void>): Promise<void> {
    while (this.inflight) await this.inflight;
    if (this.ended) return;
    this.ended = new SessionExpiredError("LOGGED_OUT", "The session was logged out: sign in again.");
    await revoke(this.tokens.refreshToken);
  }

  /**
   * Exchange the refresh token now, unless the access token is no longer `unless` (someone
   * refreshed meanwhile). With `organizationSlug`, the new session acts for that organization.
   */
  async refresh(unless?: string, organizationSlug?: string): Promise<void> {
    while (this.inflight) await this.inflight;
    if (this.ended) throw this.ended;
    if (unless !== undefined && unless !== this.tokens.accessToken) return;
    const refreshing = this.exchange(organizationSlug);
    this.inflight = refreshing.then(
      () => undefined,
      () => undefined,
    );
    try {
      await refreshing;
    } catch (error) {
      // A refused refresh token stays refused: later callers fail at once instead of retrying it.
      if (error instanceof SessionExpiredError) this.ended = error;
      throw error;
    } finally {
      this.inflight = null;
    }
  }

  private async exchange(organizationSlug?: string): Promise<void> {
    const refreshExpiresAt = this.tokens.refreshTokenExpiresAt ? Date.parse(this.tokens.refreshTokenExpiresAt) : NaN;
    if (refreshExpiresAt <= this.now()) {
      throw new SessionExpiredError("REFRESH_TOKEN_EXPIRED", "The session's refresh token has expired: sign in again.");
    }
    const session = await this.refresher(this.tokens.refreshToken, organizationSlug);
    this.tokens = { ...session };
    this.expiresAt = expiryOf(session);
    await this.onRefresh?.(session);
  }
}

/** Milliseconds since the epoch when the access token expires, or null when unknown. */
function expiryOf(tokens: SessionTokens): number | null {
  if (tokens.accessTokenExpiresAt) {
    const parsed = Date.parse(tokens.accessTokenExpiresAt);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return jwtExpiry(tokens.accessToken);
}

/** The `exp` claim of a JWT, read without verifying it (the server does that). */
export function jwtExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const json = JSON.parse(atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4))) as { exp?: unknown };
    return typeof json.exp === "number" ? json.exp * 1000 : null;
  } catch {
    return null;
  }
}
