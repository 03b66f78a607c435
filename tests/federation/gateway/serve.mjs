// Composes subgraphs into a supergraph and serves it with Hive Gateway, on 127.0.0.1 only.
//
//   node serve.mjs --subgraph atom=http://127.0.0.1:8000/graphql --subgraph reviews=http://127.0.0.1:8001/graphql \
//     --supergraph /tmp/supergraph.graphql --port 4000
//   node serve.mjs --compose-only --subgraph ... --supergraph /tmp/supergraph.graphql
//
// Each subgraph's SDL is read from its `_service { sdl }`. Composition errors are printed, one a line, and the
// script exits 1; a subgraph that cannot be read exits 3. When serving, it prints "gateway ready on URL" once
// it listens. The caller's Authorization and X-Atom-Organization headers go to every subgraph; nothing else
// is sent anywhere (no usage reporting, no schema polling: the supergraph is a fixed string).
//
// Composition is @apollo/composition's: ATOM's SDL (strawberry's) links federation v2.11, which the MIT
// @theguild/federation-composition refuses up to its newest release, 0.27.0 ("Invalid version v2.11 for the
// federation feature in @link directive on schema"; it knows v2.0 to v2.9).
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import { composeServices } from "@apollo/composition";
import { createGatewayRuntime } from "@graphql-hive/gateway-runtime";
import { parse } from "graphql";

const PROPAGATED_HEADERS = ["authorization", "x-atom-organization"];
const HOST = "127.0.0.1";

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

function propagatedHeaders(request) {
  const headers = {};
  for (const name of PROPAGATED_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return headers;
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
    propagateHeaders: { fromClientToSubgraphs: ({ request }) => propagatedHeaders(request) },
    landingPage: false,
    graphiql: false,
    logging: "warn",
  });
  const server = createServer(gateway);
  const stop = () => {
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
