// Composes subgraphs into a supergraph and serves it with Hive Gateway, on 127.0.0.1 only.
//
//   node serve.mjs --subgraph atom=http://127.0.0.1:8000/graphql --subgraph reviews=http://127.0.0.1:8001/graphql \
//     --supergraph /tmp/supergraph.graphql --port 4000
//   node serve.mjs --compose-only --subgraph ... --supergraph /tmp/supergraph.graphql
//
// Each subgraph's SDL is read from its `_service { sdl }`. Composition errors are printed, one a line, and the
// script exits 1; a subgraph that cannot be read exits 3. When serving, it prints "gateway ready on URL" once
// it listens. The caller's credential goes to every subgraph as `Authorization` and `X-Atom-Organization`
// headers; nothing else is sent anywhere (no usage reporting, no schema polling: the supergraph is a fixed
// string).
//
// Subscriptions: clients subscribe over graphql-transport-ws (a WebSocket at the same /graphql) or SSE (a POST
// with `Accept: text/event-stream`); the gateway subscribes to ATOM over graphql-transport-ws
// (atom-ws-transport.mjs), the caller's credential in ATOM's `connection_init` payload, one upstream
// connection per credential. A WebSocket client gives its credential as it would give it to ATOM, in its
// own `connection_init` payload (`{"authorization": "Bearer <token or API key>", "organization": "<slug>"}`);
// an HTTP client in its `Authorization` and `X-Atom-Organization` headers.
//
// Composition is @apollo/composition's. ATOM's SDL links federation v2.9, a version the MIT
// @theguild/federation-composition 0.27 accepts as well (it knows v2.0 to v2.9).
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import { composeServices } from "@apollo/composition";
import { createGatewayRuntime, getGraphQLWSOptions } from "@graphql-hive/gateway-runtime";
import httpTransport from "@graphql-mesh/transport-http";
import { parse } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";

import { atomWebSocketTransport } from "./atom-ws-transport.mjs";

const HOST = "127.0.0.1";
// The subgraph whose subscriptions go over WebSocket (the others' queries stay on HTTP).
const ATOM = "atom";

function usage(message) {
  console.error(`serve.mjs: ${message}`);
  console.error(
    "usage: node serve.mjs --subgraph NAME=URL [--subgraph NAME=URL ...] --supergraph PATH (--port N | --compose-only)",
  );
  process.exit(2);
}

function parseSubgraphs(values) {
  return values.map((value) => {
    const at = value.indexOf("=");
    if (at < 1) usage(`--subgraph ${value}: expected NAME=URL`);
    const name = value.slice(0, at);
    const url = new URL(value.slice(at + 1));
    if (url.hostname !== HOST) usage(`--subgraph ${value}: subgraphs must be on ${HOST}`);
    return { name, url: url.href };
  });
}

async function fetchSdl({ name, url }) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: "{ _service { sdl } }" }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new Error(`subgraph ${name} (${url}): ${error.message}`);
  }
  const body = await response.json().catch(() => null);
  const sdl = body?.data?._service?.sdl;
  if (!response.ok || typeof sdl !== "string") {
    throw new Error(`subgraph ${name} (${url}): no _service.sdl (HTTP ${response.status}): ${JSON.stringify(body)}`);
  }
  return sdl;
}

/** The supergraph SDL, or the composition errors as "CODE: message" lines. */
function compose(subgraphs) {
  const result = composeServices(
    subgraphs.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
  );
  if (result.errors) {
    return { errors: result.errors.map((error) => `${error.extensions?.code ?? "ERROR"}: ${error.message}`) };
  }
  return { supergraphSdl: result.supergraphSdl };
}

/** The caller's credential for ATOM: a WebSocket client's `connection_init` payload in the shapes ATOM takes
 * (`authorization` or `Authorization`: "Bearer <secret>", `token` or `apiKey`: "<secret>", and `organization`);
 * else the `Authorization` and `X-Atom-Organization` headers of the HTTP request (or of the WebSocket's
 * upgrade). Passed on as they came: ATOM judges them, the gateway decides nothing. */
function credentialsOf(context) {
  const params = context.connectionParams ?? {};
  const secret =
    text(params.authorization) ?? text(params.Authorization) ?? bearer(params.token) ?? bearer(params.apiKey);
  if (secret !== undefined) return { authorization: secret, organization: text(params.organization) };
  const headers = context.request?.headers;
  return {
    authorization: text(headers?.get("authorization")),
    organization: text(headers?.get("x-atom-organization")),
  };
}

function bearer(value) {
  return typeof value === "string" && value !== "" ? `Bearer ${value}` : undefined;
}

function text(value) {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Puts `credentialsOf` on every operation's context, where the transports read it. */
const useAtomCredentials = () => ({
  onContextBuilding({ context, extendContext }) {
    extendContext({ atomCredentials: credentialsOf(context) });
  },
});

// Templates of @graphql-mesh/string-interpolation, filled from each operation's context; an empty value leaves
// the header out.
const HEADERS = [
  ["authorization", "{context.atomCredentials.authorization}"],
  ["x-atom-organization", "{context.atomCredentials.organization}"],
];

function transportEntries() {
  return {
    // Every subgraph's HTTP calls (queries, mutations, `_entities`) carry the caller's headers.
    "*.http": { headers: HEADERS },
    // ATOM's subscriptions go over graphql-transport-ws to its /graphql (atom-ws-transport.mjs), the caller's
    // credential in `connection_init`.
    [ATOM]: { options: { subscriptions: { kind: "ws", location: "/graphql" } } },
  };
}

/** A WHATWG Request of a WebSocket upgrade, for the operation's context (its headers, its URL). */
function upgradeRequest(incoming) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (typeof value === "string") headers.set(name, value);
  }
  return new Request(`http://${HOST}${incoming.url}`, { headers });
}

async function main() {
  const { values } = parseArgs({
    options: {
      subgraph: { type: "string", multiple: true, default: [] },
      supergraph: { type: "string" },
      port: { type: "string" },
      "compose-only": { type: "boolean", default: false },
    },
  });
  const subgraphs = parseSubgraphs(values.subgraph);
  if (subgraphs.length === 0) usage("at least one --subgraph is needed");
  if (!values.supergraph) usage("--supergraph PATH is needed");
  const port = Number(values.port);
  if (!values["compose-only"] && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    usage("--port N is needed to serve (or --compose-only)");
  }

  let withSdl;
  try {
    withSdl = await Promise.all(subgraphs.map(async (subgraph) => ({ ...subgraph, sdl: await fetchSdl(subgraph) })));
  } catch (error) {
    console.error(`serve.mjs: ${error.message}`);
    process.exit(3);
  }
  const { errors, supergraphSdl } = compose(withSdl);
  if (errors) {
    console.error(`serve.mjs: composition failed with ${errors.length} error(s):`);
    for (const line of errors) console.error(line);
    process.exit(1);
  }
  writeFileSync(values.supergraph, supergraphSdl);
  console.log(`composed ${subgraphs.map((s) => s.name).join(", ")} into ${values.supergraph}`);
  if (values["compose-only"]) return;

  const gateway = createGatewayRuntime({
    supergraph: supergraphSdl,
    transportEntries: transportEntries(),
    transports: { http: httpTransport, ws: atomWebSocketTransport },
    plugins: () => [useAtomCredentials()],
    landingPage: false,
    graphiql: false,
    logging: "warn",
  });
  // The unified schema is made on the first HTTP request; a WebSocket's operations would find none yet.
  await gateway.getSchema();
  const server = createServer(gateway);
  // graphql-transport-ws for clients, on the same path; each connection's operations run through the gateway
  // with its `connection_init` payload as `connectionParams`.
  const webSockets = new WebSocketServer({ server, path: gateway.graphqlEndpoint });
  useServer(
    getGraphQLWSOptions(gateway, (ctx) => ({
      req: ctx.extra.request,
      socket: ctx.extra.socket,
      request: upgradeRequest(ctx.extra.request),
    })),
    webSockets,
  );
  const stop = () => {
    for (const client of webSockets.clients) client.terminate();
    server.close();
    Promise.resolve(gateway.dispose()).finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  server.listen(port, HOST, () => {
    console.log(`gateway ready on http://${HOST}:${port}/graphql`);
  });
}

await main();
