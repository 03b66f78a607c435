/**
 * The signed-in session: one AtomClient per session (the SDK refreshes its tokens by itself), its
 * tokens kept in localStorage so a reload resumes it, and the viewer (user, organization, permissions).
 */
import {
  AtomClient,
  SessionExpiredError,
  UnauthenticatedError,
  ViewerDocument,
  type AtomSession,
  type SessionTokens,
  type SignUpInput,
  type ViewerQuery,
} from "@atom-cloud/sdk";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

export const STORAGE_KEY = "atom.launchpad.session";
export type Viewer = ViewerQuery["viewer"];

export interface SessionValue {
  /** Acting for the session, or anonymous (the public catalog) when signed out. */
  client: AtomClient;
  signedIn: boolean;
  viewer: Viewer | null;
  /** Loading the viewer after a sign-in, a reload or an organization switch. */
  loading: boolean;
  error: unknown;
  signIn(email: string, password: string): Promise<void>;
  signUp(input: SignUpInput): Promise<void>;
  signOut(): Promise<void>;
  switchOrganization(slug: string): Promise<void>;
  /** The current access token (GraphiQL link). */
  accessToken(): string | null;
  can(permission: string): boolean;
}

const SessionContext = createContext<SessionValue | null>(null);

export function serverUrl(): string {
  return window.location.origin;
}

function saved(): SessionTokens | null {
  try {
    const text = window.localStorage.getItem(STORAGE_KEY);
    return text ? (JSON.parse(text) as SessionTokens) : null;
  } catch {
    return null;
  }
}

function save(session: SessionTokens | null): void {
  if (session === null) window.localStorage.removeItem(STORAGE_KEY);
  else window.localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

/** A client for these tokens that saves every refreshed session (refresh tokens are single use). */
function sessionClient(session: SessionTokens): AtomClient {
  return new AtomClient({ url: serverUrl(), session, onRefresh: (next: AtomSession) => save(next) });
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [client, setClient] = useState<AtomClient>(() => {
    const tokens = saved();
    return tokens ? sessionClient(tokens) : new AtomClient({ url: serverUrl() });
  });
  const [viewer, setViewer] = useState<Viewer | null>(null);
  const [loading, setLoading] = useState<boolean>(() => saved() !== null);
  const [error, setError] = useState<unknown>(null);
  const signedIn = client.session !== null;

  const forget = useCallback(() => {
    save(null);
    setViewer(null);
    setClient(new AtomClient({ url: serverUrl() }));
  }, []);

  useEffect(() => {
    if (!signedIn) {
      setLoading(false);
      return;
    }
    let current = true;
    setLoading(true);
    client
      .request(ViewerDocument)
      .then(({ viewer: next }) => {
        if (!current) return;
        setViewer(next);
        setError(null);
      })
      .catch((reason: unknown) => {
        if (!current) return;
        if (reason instanceof SessionExpiredError || reason instanceof UnauthenticatedError) forget();
        else setError(reason);
      })
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [client, signedIn, forget]);

  // Subscriptions of a replaced client must end with it.
  useEffect(() => () => void client.close(), [client]);

  const value = useMemo<SessionValue>(
    () => ({
      client,
      signedIn,
      viewer,
      loading,
      error,
      async signIn(email, password) {
        const next = await AtomClient.logIn(serverUrl(), { email, password }, { onRefresh: (s: AtomSession) => save(s) });
        save(next.session);
        setClient(next);
      },
      async signUp(input) {
        const next = await AtomClient.signUp(serverUrl(), input, { onRefresh: (s: AtomSession) => save(s) });
        save(next.session);
        setClient(next);
      },
      async signOut() {
        try {
          await client.logOut();
        } finally {
          forget();
        }
      },
      async switchOrganization(slug) {
        const tokens = await client.refreshSession(slug);
        save(tokens);
        // A new client: every page reloads its data for the new organization, old subscriptions end.
        await client.close();
        setViewer(null);
        setClient(sessionClient(tokens));
      },
      accessToken: () => client.session?.accessToken ?? null,
      can: (permission) => viewer?.permissions.includes(permission) ?? false,
    }),
    [client, signedIn, viewer, loading, error, forget],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error("useSession outside of SessionProvider");
  return value;
}
