/**
 * The errors the SDK throws: transport failures ({@link AtomHttpError}), top-level GraphQL errors
 * ({@link AtomGraphQLError} and its subclasses, by `extensions.code`), refused mutations
 * ({@link UserErrorsError}, thrown by {@link unwrap}) and sessions that cannot be refreshed.
 *
 * @module
 */

/** The base class of every error the SDK throws on purpose. */
export class AtomError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An HTTP answer that is not a GraphQL response (a proxy's 502, an upload refused by storage…). */
export class AtomHttpError extends AtomError {
  /** The HTTP status; 0 when the request never got an answer (network error). */
  readonly status: number;
  readonly url: string;
  /** The start of the response body, for diagnostics. */
  readonly body: string;

  constructor(message: string, init: { status: number; url: string; body?: string; cause?: unknown }) {
    super(message, { cause: init.cause });
    this.status = init.status;
    this.url = init.url;
    this.body = init.body ?? "";
  }
}

/** One error of a GraphQL response, as the server sends it. */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  extensions?: { code?: string; reason?: string; [key: string]: unknown };
}

/** The codes of `extensions.code` the server uses for top-level errors. */
export type GraphQLErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "BAD_USER_INPUT"
  | "GRAPHQL_VALIDATION_FAILED"
  | "INTERNAL_SERVER_ERROR"
  | (string & {});

/**
 * Top-level GraphQL errors (`errors` of the response). `code`, `reason`, `path` and `message`
 * describe the first one; `errors` holds all of them and `data` whatever partial data came along.
 * The common codes have their own subclasses: {@link UnauthenticatedError}, {@link ForbiddenError},
 * {@link NotFoundError} and {@link BadUserInputError}.
 */
export class AtomGraphQLError extends AtomError {
  /** `extensions.code` of the first error (`"UNKNOWN"` when it has none). */
  readonly code: GraphQLErrorCode;
  /** `extensions.reason`, when the server gives one (e.g. `TOKEN_EXPIRED`, `INVALID_API_KEY`). */
  readonly reason: string | undefined;
  /** The response path of the first error, if it belongs to a field. */
  readonly path: ReadonlyArray<string | number> | undefined;
  readonly errors: readonly GraphQLErrorEntry[];
  /** Partial data sent with the errors, if any. */
  readonly data: unknown;
  /** The HTTP status of the response (0 for a WebSocket). */
  readonly status: number;

  constructor(errors: readonly GraphQLErrorEntry[], init: { data?: unknown; status?: number } = {}) {
    const first = errors[0] ?? { message: "Unknown GraphQL error." };
    super(first.message);
    this.errors = errors;
    this.code = first.extensions?.code ?? "UNKNOWN";
    this.reason = first.extensions?.reason;
    this.path = first.path;
    this.data = init.data ?? null;
    this.status = init.status ?? 0;
  }
}

/** No credential, or a bad, expired or revoked one (`UNAUTHENTICATED`). */
export class UnauthenticatedError extends AtomGraphQLError {}
/** Signed in, but without the permission (`FORBIDDEN`). */
export class ForbiddenError extends AtomGraphQLError {}
/** Nothing there, or nothing you may see (`NOT_FOUND`). */
export class NotFoundError extends AtomGraphQLError {}
/** An argument the server refuses before running anything (`BAD_USER_INPUT`). */
export class BadUserInputError extends AtomGraphQLError {}

const ERROR_CLASSES: Record<string, typeof AtomGraphQLError> = {
  UNAUTHENTICATED: UnauthenticatedError,
  FORBIDDEN: ForbiddenError,
  NOT_FOUND: NotFoundError,
  BAD_USER_INPUT: BadUserInputError,
};

/** The {@link AtomGraphQLError} (subclass chosen by the first error's code) for these errors. */
export function graphQLError(
  errors: readonly GraphQLErrorEntry[],
  init: { data?: unknown; status?: number } = {},
): AtomGraphQLError {
  const code = errors[0]?.extensions?.code;
  const ErrorClass = (code && ERROR_CLASSES[code]) || AtomGraphQLError;
  return new ErrorClass(errors, init);
}

/** One entry of a mutation payload's `userErrors`. */
export interface UserError<TCode extends string = string> {
  field: string | null;
  message: string;
  code: TCode;
}

/**
 * A mutation answered with `userErrors`: nothing was changed. `code`, `field` and `message` are the
 * first error's; `userErrors` holds them all.
 */
export class UserErrorsError<TCode extends string = string> extends AtomError {
  readonly code: TCode;
  readonly field: string | null;
  readonly userErrors: ReadonlyArray<UserError<TCode>>;

  constructor(userErrors: ReadonlyArray<UserError<TCode>>) {
    const first = userErrors[0];
    if (first === undefined) throw new TypeError("UserErrorsError needs at least one user error.");
    const more = userErrors.length > 1 ? ` (and ${userErrors.length - 1} more)` : "";
    super(`${first.code}${first.field ? ` on ${first.field}` : ""}: ${first.message}${more}`);
    this.code = first.code;
    this.field = first.field;
    this.userErrors = userErrors;
  }
}

/** A refresh token the server would not exchange: the session is over, sign in again. */
export class SessionExpiredError extends AtomError {
  /** The refusal's code, e.g. `REFRESH_TOKEN_EXPIRED` or `REFRESH_TOKEN_REUSED`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Bytes that are not what was expected: the server stored something else than what was sent. */
export class IntegrityError extends AtomError {
  readonly expected: string;
  readonly actual: string;

  constructor(message: string, init: { expected: string; actual: string }) {
    super(message);
    this.expected = init.expected;
    this.actual = init.actual;
  }
}

/** The WebSocket closed with an error code (e.g. 4403 for a refused credential, 4429 for too many connections). */
export class AtomWebSocketError extends AtomError {
  readonly closeCode: number;
  readonly reason: string;

  constructor(closeCode: number, reason: string) {
    super(`The WebSocket closed with ${closeCode}${reason ? ` ${reason}` : ""}.`);
    this.closeCode = closeCode;
    this.reason = reason;
  }
}

type Payload = { userErrors: ReadonlyArray<UserError> };
type CodeOf<TPayload extends Payload> = TPayload["userErrors"][number]["code"];

/**
 * Check a mutation payload: throw a {@link UserErrorsError} when its `userErrors` is not empty,
 * else return the payload, or with `key`, that field of it (which must then be present).
 *
 * ```ts
 * const created = unwrap((await client.request(CreatePackageDocument, { input })).createPackage, "package");
 * ```
 */
export function unwrap<TPayload extends Payload>(payload: TPayload): TPayload;
export function unwrap<TPayload extends Payload, TKey extends Exclude<keyof TPayload, "userErrors">>(
  payload: TPayload,
  key: TKey,
): NonNullable<TPayload[TKey]>;
export function unwrap<TPayload extends Payload>(payload: TPayload, key?: keyof TPayload): unknown {
  if (payload.userErrors.length > 0) {
    throw new UserErrorsError<CodeOf<TPayload>>(payload.userErrors as ReadonlyArray<UserError<CodeOf<TPayload>>>);
  }
  if (key === undefined) return payload;
  const value = payload[key];
  if (value === null || value === undefined) {
    throw new AtomError(`The server answered without ${String(key)} and without userErrors.`);
  }
  return value;
}
