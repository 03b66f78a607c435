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
import { coordinatedFetch, readSession, sameAccount, STORAGE_KEY, writeSession } from "./tabs";
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
  return readSession(window.localStorage);
}

function save(session: SessionTokens | null): void {
  writeSession(window.localStorage, session);
}

/** A client for these tokens that saves every refreshed session (refresh tokens are single use) and
 * refreshes in turn with the other tabs (lib/tabs.ts). */
function sessionClient(session: SessionTokens): AtomClient {
  return new AtomClient({
    url: serverUrl(),
    session,
    onRefresh: (next: AtomSession) => save(next),
    fetch: coordinatedFetch({ storage: window.localStorage, account: session }),
  });
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

  // Another tab signed in, out, or switched organization: follow it whole (a new client, every page
  // reloads), never mixing its tokens into this tab's data. Its refreshes need nothing here (tabs.ts).
  useEffect(() => {
    const follow = (event: StorageEvent) => {
      if (event.key !== null && event.key !== STORAGE_KEY) return;
      const next = saved();
      if (next === null) {
        if (client.session !== null) {
          setViewer(null);
          setClient(new AtomClient({ url: serverUrl() }));
        }
      } else if (!sameAccount(next, client.session)) {
        setViewer(null);
        setClient(sessionClient(next));
      }
    };
    window.addEventListener("storage", follow);
    return () => window.removeEventListener("storage", follow);
  }, [client]);

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
        const signedIn = await AtomClient.logIn(serverUrl(), { email, password });
        save(signedIn.session);
        setClient(sessionClient(signedIn.session!));
      },
      async signUp(input) {
        const signedUp = await AtomClient.signUp(serverUrl(), input);
        save(signedUp.session);
        setClient(sessionClient(signedUp.session!));
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
