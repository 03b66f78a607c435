/**
 * Subscriptions over WebSocket (graphql-transport-ws, through `graphql-ws`), as async iterables.
 *
 * The credential goes in `connection_init`, read fresh for each connection. A WebSocket cannot
 * refresh its credential: when the server refuses it (close 4403 on connecting, or a stream ended
 * with `UNAUTHENTICATED` when an access token expires) a session is refreshed and the streams
 * subscribe again on a new connection. Events committed in between are not replayed (delivery is
 * live only, docs/subscriptions.md). The streams share one connection: when one of them has it
 * replaced, the others move to the new one too.
 *
 * @module
 */

import { createClient, type Client, type FormattedExecutionResult } from "graphql-ws/client";

import type { Credential } from "./auth.js";
import { AtomError, AtomWebSocketError, graphQLError, UnauthenticatedError, type GraphQLErrorEntry } from "./errors.js";
import { randomUUID } from "./uuid.js";

/** A running subscription: iterate it for its events; `close()` (or `break`) ends it. */
export interface AtomSubscription<TEvent> extends AsyncIterableIterator<TEvent> {
  /**
   * Resolves once the `subscribe` message is on the wire, the connection and its credential
   * accepted; rejects if the subscription fails, or ends (`close()`), first. The protocol has no acknowledgement of a
   * subscription: the server delivers from the moment it has authorized it, a few milliseconds
   * later. To be sure to see an event you cause, use a topic that sends a first value at once
   * (`usageUpdates`), or cause it again until it arrives.
   */
  readonly sent: Promise<void>;
  /** Stop receiving; what was already received but not read is dropped. */
  close(): Promise<void>;
}

/** Options of a {@link SubscriptionTransport}. */
export interface SubscriptionTransportOptions {
  /** `ws://…/graphql` or `wss://…/graphql`. */
  url: string;
  credential: Credential;
  /** A WebSocket class; the global `WebSocket` by default (Node 20 has none: pass `ws`'s). */
  webSocketImpl?: unknown;
}

/** One WebSocket connection's client; replaced when its credential is refused. */
interface Connection {
  client: Client;
  /** The bearer sent in the last `connection_init` of this connection. */
  bearer: string | null;
  /** Subscription ids waiting for their `subscribe` message to be sent. */
  waiting: Map<string, () => void>;
  /** The id for the subscription being started (graphql-ws asks for it). */
  nextId: string | null;
  /**
   * Closed because its credential was refused, for a new connection: its other streams, which
   * graphql-ws completes as if they were over, subscribe again on the new one.
   */
  replaced: boolean;
}

type WebSocketClass = new (url: string, protocol: string) => { send(data: unknown): void };

/** The close code of a refused credential. */
const FORBIDDEN = 4403;

/** The WebSocket side of an {@link AtomClient}: opened lazily, closed when no stream is left. */
export class SubscriptionTransport {
  readonly credential: Credential;
  /** Set by {@link dispose}: the streams end rather than subscribe again. */
  disposed = false;
  private connection: Connection | null = null;
  private readonly options: SubscriptionTransportOptions;

  constructor(options: SubscriptionTransportOptions) {
    this.options = options;
    this.credential = options.credential;
  }

  /** Start a subscription to `query` (a `subscription` operation). */
  subscribe<TEvent>(query: string, variables: Record<string, unknown> | undefined): AtomSubscription<TEvent> {
    return new LiveSubscription<TEvent>(this, query, variables);
  }

  /** Close the connection, ending every stream. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const connection = this.connection;
    this.connection = null;
    await connection?.client.dispose();
  }

  /** @internal The current connection, made if needed. */
  current(): Connection {
    this.connection ??= this.connect();
    return this.connection;
  }

  /** @internal Replace `connection` (if it still is the current one) with a new one on next use. */
  replace(connection: Connection): void {
    if (this.connection !== connection) return;
    this.connection = null;
    connection.replaced = true; // before graphql-ws completes its streams
    void connection.client.dispose();
  }

  private connect(): Connection {
    const Base = (this.options.webSocketImpl ?? globalThis.WebSocket) as WebSocketClass | undefined;
    if (typeof Base !== "function") {
      throw new AtomError(
        'No WebSocket implementation: pass `webSocketImpl` (on Node 20: `import WebSocket from "ws"`).',
      );
    }
    const credential = this.credential;
    const connection: Connection = {
      client: undefined as unknown as Client,
      bearer: null,
      waiting: new Map(),
      nextId: null,
      replaced: false,
    };
    // The same class, telling which subscriptions have been sent: that is what `sent` waits for.
    const Tracked = class extends Base {
      override send(data: unknown): void {
        super.send(data);
        if (typeof data !== "string" || !data.includes('"subscribe"')) return;
        const message = JSON.parse(data) as { id?: string; type?: string };
        if (message.type === "subscribe" && message.id) connection.waiting.get(message.id)?.();
      }
    };
    connection.client = createClient({
      url: this.options.url,
      webSocketImpl: Tracked,
      connectionParams: async () => {
        connection.bearer = await credential.bearer();
        return connection.bearer ? { authorization: `Bearer ${connection.bearer}` } : {};
      },
      // A refused credential is not retried on the same terms: the subscription renews it.
      shouldRetry: (event) => isCloseEvent(event) && event.code !== FORBIDDEN,
      generateID: () => connection.nextId ?? randomUUID(),
    });
    return connection;
  }
}

/**
 * One subscription. A pump reads graphql-ws's results from the start, renews the credential when
 * it is refused, and queues the events for `next()`: so a refusal is handled (and `sent` settles)
 * whether or not anyone is reading yet.
 */
class LiveSubscription<TEvent> implements AtomSubscription<TEvent> {
  readonly sent: Promise<void>;
  private readonly markSent: () => void;
  private readonly markFailed: (error: unknown) => void;
  private sentSettled = false;
  private results: AsyncIterableIterator<FormattedExecutionResult<TEvent, unknown>>;
  private connection: Connection;
  private readonly queue: TEvent[] = [];
  private readonly waiters: Array<() => void> = [];
  private ended: { error?: unknown } | null = null;
  private closed = false;

  constructor(
    private readonly transport: SubscriptionTransport,
    private readonly query: string,
    private readonly variables: Record<string, unknown> | undefined,
  ) {
    let markSent!: () => void;
    let markFailed!: (error: unknown) => void;
    this.sent = new Promise<void>((resolve, reject) => {
      markSent = resolve;
      markFailed = reject;
    });
    this.sent.catch(() => undefined); // nobody has to await it
    this.markSent = () => {
      this.sentSettled = true;
      markSent();
    };
    this.markFailed = (error) => {
      this.sentSettled = true;
      markFailed(error);
    };
    this.connection = transport.current();
    this.results = this.start();
    void this.pump();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<TEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<TEvent>> {
    for (;;) {
      if (this.queue.length > 0) return { done: false, value: this.queue.shift() as TEvent };
      const ended = this.ended;
      if (ended) {
        if ("error" in ended) {
          this.ended = {}; // thrown once; then the iterator is done
          throw ended.error;
        }
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async return(): Promise<IteratorResult<TEvent>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.ended ??= {};
    this.wake();
    await this.results.return?.();
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private async pump(): Promise<void> {
    try {
      for await (const event of this.run()) {
        if (this.closed) break;
        this.queue.push(event);
        this.wake();
      }
      this.ended ??= {};
    } catch (error) {
      this.markFailed(error);
      this.ended ??= { error };
    } finally {
      // Ended before its `subscribe` went out (closed at once, or its connection disposed).
      if (!this.sentSettled) this.markFailed(new AtomError("The subscription ended before it was sent."));
      this.wake();
    }
  }

  private start(): AsyncIterableIterator<FormattedExecutionResult<TEvent, unknown>> {
    const connection = this.connection;
    // graphql-ws asks for the id synchronously in `iterate`, and sends `subscribe` later.
    const id = randomUUID();
    connection.nextId = id;
    try {
      const results = connection.client.iterate<TEvent>({ query: this.query, variables: this.variables ?? {} });
      connection.waiting.set(id, () => {
        connection.waiting.delete(id);
        this.markSent();
      });
      return results;
    } finally {
      connection.nextId = null;
    }
  }

  /** The events, across renewals of the credential. */
  private async *run(): AsyncGenerator<TEvent, void, undefined> {
    let renewed = false;
    for (;;) {
      let refused: AtomError | null = null;
      try {
        for await (const result of this.results) {
          if (result.errors?.length) {
            const error = graphQLError(result.errors as GraphQLErrorEntry[], { data: result.data });
            if (!(error instanceof UnauthenticatedError)) throw error;
            refused = error;
            break;
          }
          renewed = false;
          yield result.data as TEvent;
        }
      } catch (error) {
        const converted = toAtomError(error);
        const credentialRefused =
          converted instanceof UnauthenticatedError ||
          (converted instanceof AtomWebSocketError && converted.closeCode === FORBIDDEN);
        if (!credentialRefused) throw converted;
        refused = converted;
      }
      if (this.closed || this.transport.disposed) return;
      if (refused === null) {
        // Over without an error: graphql-ws completes every stream of a disposed client. If another
        // stream had the connection replaced, this one goes on on the new connection.
        if (!this.connection.replaced) return;
        this.connection = this.transport.current();
        this.results = this.start();
        continue;
      }
      // The credential was refused: renew it (once in a row) and subscribe again on a new connection.
      const bearer = this.connection.bearer;
      const credential = this.transport.credential;
      if (renewed || bearer === null || !credential.renewable) throw refused;
      await credential.renew(bearer);
      if (this.closed || this.transport.disposed) return;
      renewed = true;
      this.transport.replace(this.connection);
      this.connection = this.transport.current();
      this.results = this.start();
    }
  }
}

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === "object" && value !== null && "code" in value && "reason" in value;
}

/** What graphql-ws rejects with, as an SDK error. */
function toAtomError(error: unknown): AtomError {
  if (error instanceof AtomError) return error;
  if (Array.isArray(error)) return graphQLError(error as GraphQLErrorEntry[]);
  if (isCloseEvent(error)) return new AtomWebSocketError(error.code, error.reason);
  if (error instanceof Error) return new AtomError(error.message, { cause: error });
  // A WebSocket `error` event (browsers tell nothing more about it; `ws` gives an `error`).
  if (typeof error === "object" && error !== null && (error as { type?: unknown }).type === "error") {
    const detail = (error as { error?: unknown; message?: unknown }).error ?? (error as { message?: unknown }).message;
    return new AtomError(`The WebSocket connection failed${detail ? `: ${String(detail)}` : "."}`, { cause: error });
  }
  return new AtomError(String(error));
}

/** `subscription` with each event passed through `project` (same `sent` and `close`). */
export function mapSubscription<TEvent, TProjected>(
  subscription: AtomSubscription<TEvent>,
  project: (event: TEvent) => TProjected,
): AtomSubscription<TProjected> {
  const mapped: AtomSubscription<TProjected> = {
    sent: subscription.sent,
    close: () => subscription.close(),
    async next() {
      const result = await subscription.next();
      return result.done ? result : { done: false, value: project(result.value) };
    },
    async return() {
      await subscription.close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}
