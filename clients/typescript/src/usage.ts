/**
 * Usage reporting behind `AtomClient.reportUsage`: idempotency keys and timestamps filled in,
 * batches of at most 1,000 events (the server's limit; each batch is all or nothing), totals.
 *
 * @module
 */

import type { AtomClient } from "./client.js";
import { unwrap, UserErrorsError, type UserError } from "./errors.js";
import { ReportUsageDocument, type BillingErrorCode, type UsageEventInput } from "./generated/graphql.js";
import { randomUUID } from "./uuid.js";

/** The most events one `reportUsage` call takes. */
export const MAX_USAGE_BATCH = 1000;

/** One usage event. */
export interface UsageEvent {
  /** A meter key, e.g. `tokens` or `package_runs` (see the `meters` query). */
  meter: string;
  /** Non-negative, at most 6 decimal places; a string keeps decimals exact. */
  quantity: number | string;
  /** When it happened (default: now). */
  timestamp?: Date | string;
  /** Makes sending it again harmless (default: a random UUID). */
  idempotencyKey?: string;
  /** String values, e.g. `{ package: "acme/hello" }` for `package_runs`. */
  properties?: Record<string, string>;
}

/** What {@link AtomClient.reportUsage} did. */
export interface UsageReport {
  /** Events stored now. */
  accepted: number;
  /** Events the server already had (same idempotency key and content): counted once. */
  duplicates: number;
  /** All the events with their keys and timestamps: to send again, send these (they count once), never rebuilt ones. */
  events: UsageEventInput[];
}

/**
 * A batch was refused. Batches before it were stored (`report` says what they did); neither it
 * nor those after it were. Fields name events by their index in the whole call.
 */
export class UsageReportError extends UserErrorsError<BillingErrorCode> {
  readonly report: UsageReport;

  constructor(userErrors: ReadonlyArray<UserError<BillingErrorCode>>, report: UsageReport) {
    super(userErrors);
    this.report = report;
  }
}

export async function reportUsage(client: AtomClient, events: ReadonlyArray<UsageEvent>): Promise<UsageReport> {
  const inputs = events.map(toInput);
  const report: UsageReport = { accepted: 0, duplicates: 0, events: inputs };
  for (let offset = 0; offset < inputs.length; offset += MAX_USAGE_BATCH) {
    const batch = inputs.slice(offset, offset + MAX_USAGE_BATCH);
    const { reportUsage: payload } = await client.request(ReportUsageDocument, { input: { events: batch } });
    try {
      unwrap(payload);
    } catch (error) {
      if (!(error instanceof UserErrorsError)) throw error;
      const shifted = payload.userErrors.map((userError) => ({
        ...userError,
        field:
          userError.field?.replace(/^events\[(\d+)\]/, (_, index: string) => `events[${offset + Number(index)}]`) ??
          null,
      }));
      throw new UsageReportError(shifted, report);
    }
    report.accepted += payload.accepted;
    report.duplicates += payload.duplicates;
  }
  return report;
}

function toInput(event: UsageEvent): UsageEventInput {
  const timestamp = event.timestamp ?? new Date();
  return {
    meter: event.meter,
    quantity: String(event.quantity),
    timestamp: timestamp instanceof Date ? timestamp.toISOString() : timestamp,
    idempotencyKey: event.idempotencyKey ?? randomUUID(),
    ...(event.properties ? { properties: event.properties } : {}),
  };
}
