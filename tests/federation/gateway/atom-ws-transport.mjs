// A Hive Gateway transport for ATOM's subscriptions: graphql-transport-ws to ATOM's /graphql, the caller's
// credential in `connection_init`, one upstream connection per distinct credential (so never one identity
// shared by several callers), and ATOM's refusals passed on to the client as GraphQL errors with a code.
//
// It stands in for @graphql-mesh/transport-ws 2.1.0, which is built on the same pieces (graphql-ws's client
// under @graphql-tools/executor-graphql-ws) but passes neither `retryAttempts` nor `shouldRetry` to the
// client. graphql-ws retries a 4403 close ("might grant access after retry") five times with exponential
// backoff, so a refused credential reached the client ~40 s later, as an error with neither message nor code,
// after ATOM had refused it six times; and an `error` answer to `subscribe` (ATOM's FORBIDDEN, NOT_FOUND, ...)
// was thrown as a bare array, which the gateway masked as INTERNAL_SERVER_ERROR.
//
// Use it as the `ws` kind (`transports: { http, ws: atomWebSocketTransport }`) with ATOM's transport entry
// `options.subscriptions = { kind: "ws", location: "/graphql" }`; each operation's context must hold
// `atomCredentials: { authorization, organization }` (serve.mjs's useAtomCredentials puts it there).
import { buildGraphQLWSExecutor } from "@graphql-tools/executor-graphql-ws";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

// An idle upstream connection is closed this long after its last subscription ended (graphql-ws `lazy`).
const LAZY_CLOSE_MS = 3_000;
// ATOM closes a `connection_init` it refuses (no, bad, expired or revoked credential) with 4403.
const FORBIDDEN_CLOSE = 4403;

/** ATOM's `connection_init` payload for the operation's caller: only what ATOM takes, nothing empty. */
function connectionParamsOf(context) {
  const { authorization, organization } = context?.atomCredentials ?? {};
  return {
    ...(authorization ? { authorization } : {}),
    ...(organization ? { organization } : {}),
  };
}

function isCloseEvent(value) {
  return typeof value === "object" && value !== null && "code" in value && "reason" in value;
}

/** GraphQL errors for what ended an upstream subscription before it produced a result. */
function errorsOf(failure) {
  if (Array.isArray(failure)) return failure; // ATOM's `error` answer to `subscribe`: its errors, as they are
  if (isCloseEvent(failure) && failure.code === FORBIDDEN_CLOSE) {
    return [
      {
        message: "ATOM refused the credential of the subscription (no, bad, expired or revoked credential).",
        extensions: { code: "UNAUTHENTICATED", closeCode: failure.code },
      },
    ];
  }
  const closed = isCloseEvent(failure) ? ` (${failure.code} ${failure.reason})`.trimEnd() : "";
  return [
    {
      message: `ATOM's subscription connection failed${closed}.`,
      extensions: {
        code: "SERVICE_UNAVAILABLE",
        ...(isCloseEvent(failure) ? { closeCode: failure.code, closeReason: failure.reason } : {}),
      },
    },
  ];
}

/** The upstream results, with a failure turned into one last result carrying errors (then the end). Not an
 * async generator: `return()` must reach the upstream iterator at once, even while it waits for an event. */
function withFailuresAsErrors(results) {
  let finished = false;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (finished) return { done: true, value: undefined };
      try {
        return await results.next();
      } catch (failure) {
        finished = true;
        return { done: false, value: { errors: errorsOf(failure) } };
      }
    },
    async return() {
      finished = true;
      return (await results.return?.()) ?? { done: true, value: undefined };
    },
  };
}

export const atomWebSocketTransport = {
  getSubgraphExecutor({ transportEntry, log }) {
    const url = transportEntry.location.replace(/^http(s?):\/\//, "ws$1://");
    const executors = new Map(); // JSON of the connectionParams -> the executor over that connection

    function executorFor(connectionParams) {
      const key = JSON.stringify(connectionParams);
      let executor = executors.get(key);
      if (!executor) {
        const client = createClient({
          url,
          webSocketImpl: WebSocket,
          connectionParams,
          lazy: true,
          lazyCloseTimeout: LAZY_CLOSE_MS,
          retryAttempts: 0, // a refusal is final; a client that lost its stream subscribes again
          on: {
            closed(event) {
              // Forget the client with its socket: credentials come and go (tokens last 15 minutes), so the
              // map holds only connections that are open; the next subscription opens a new one.
              if (executors.get(key) === executor) executors.delete(key);
              log?.debug?.({ code: event?.code, reason: event?.reason }, "ATOM subscription connection closed");
            },
          },
        });
        executor = buildGraphQLWSExecutor(client);
        executors.set(key, executor);
      }
      return executor;
    }

    async function execute(request) {
      const results = await executorFor(connectionParamsOf(request.context))(request);
      if (results && typeof results[Symbol.asyncIterator] === "function") {
        return withFailuresAsErrors(results[Symbol.asyncIterator]());
      }
      return results;
    }

    execute[Symbol.asyncDispose] = async () => {
      const all = [...executors.values()];
      executors.clear();
      await Promise.all(all.map((executor) => executor[Symbol.asyncDispose]?.()));
    };
    return execute;
  },
};
