/** Chart data: the API's values (decimal strings, minor units) mapped to the numbers recharts plots. */
import type { MoneyFieldsFragment, UsageUpdatesSubscription } from "@atom-cloud/sdk";

export interface UsagePoint {
  /** Milliseconds since the epoch. */
  time: number;
  total: number;
}

type UsageUpdate = UsageUpdatesSubscription["usageUpdates"];

/** The points of a live usage chart: one per update, ordered by `asOf`, a repeated `asOf` replaced, the
 * series restarted when the period changes, at most `limit` points kept. */
export function addUsagePoint(points: UsagePoint[], update: UsageUpdate, period: { current: string | null }, limit = 120): UsagePoint[] {
  const point = { time: Date.parse(update.asOf), total: Number(update.total) };
  let base = points;
  if (period.current !== null && period.current !== update.period) base = [];
  period.current = update.period;
  const next = base.filter((existing) => existing.time !== point.time);
  next.push(point);
  next.sort((a, b) => a.time - b.time);
  return next.slice(-limit);
}

/** Usage buckets (start, decimal value) as points. */
export function bucketPoints(buckets: ReadonlyArray<{ start: string; value: string }>): UsagePoint[] {
  return buckets.map((bucket) => ({ time: Date.parse(bucket.start), total: Number(bucket.value) }));
}

/** Minor units → a display amount: 12345 USD → "$123.45". */
export function formatMoney(money: MoneyFieldsFragment | null | undefined): string {
  if (!money) return "—";
  const digits = ["JPY", "KRW"].includes(money.currency.toUpperCase()) ? 0 : 2;
  const major = money.amount / 10 ** digits;
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: money.currency.toUpperCase() }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${money.currency}`;
  }
}

/** Minor units → major units, for chart axes. */
export function major(money: MoneyFieldsFragment): number {
  return money.amount / 100;
}
