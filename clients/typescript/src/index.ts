/**
 * `@atom-cloud/sdk`: the TypeScript SDK of ATOM Cloud. Typed documents generated from the GraphQL
 * schema, a client over `fetch` with API keys or self-refreshing sessions, subscriptions over
 * WebSocket, pagination, and helpers to publish signed packages, review, install and report usage.
 *
 * @module
 */

export {
  AtomClient,
  type AtomClientOptions,
  type FetchLike,
  type SessionClientOptions,
  type VariablesOf,
} from "./client.js";
export type { AtomSession, RefreshListener, SessionTokens } from "./auth.js";
export {
  AtomError,
  AtomGraphQLError,
  AtomHttpError,
  AtomWebSocketError,
  BadUserInputError,
  ForbiddenError,
  IntegrityError,
  NotFoundError,
  SessionExpiredError,
  UnauthenticatedError,
  UserErrorsError,
  graphQLError,
  unwrap,
  type GraphQLErrorCode,
  type GraphQLErrorEntry,
  type UserError,
} from "./errors.js";
export type { ListWorkflowsOptions, PublishWPKOptions } from "./marketplace.js";
export { paginate, type Connection, type PageCursor } from "./pagination.js";
export {
  exportPublicKeyPem,
  keyAlgorithm,
  sha256Hex,
  signArtifact,
  signDigest,
  toBytes,
  type BytesLike,
  type KeyAlgorithm,
  type SigningKey,
  type WebCryptoKey,
} from "./signing.js";
export { mapSubscription, type AtomSubscription } from "./subscriptions.js";
export { MAX_USAGE_BATCH, UsageReportError, type UsageEvent, type UsageReport } from "./usage.js";
export * from "./generated/graphql.js";
