import { describe, expect, it } from "vitest";
import { addUsagePoint, bucketPoints, formatMoney, major } from "./charts";

const meter = { id: "m", key: "tokens", name: "Tokens", unit: "token", aggregation: "SUM" as const, property: null, filter: null, builtin: true };
const update = (asOf: string, total: string, period = "2026-12") => ({ meter, period, periodStart: "", periodEnd: "", total, asOf });

describe("usage chart data", () => {
  it("adds one point per update, in time order, numbers from decimal strings", () => {
    const period = { current: null };
    let points = addUsagePoint([], update("2026-12-05T10:00:02Z", "15.5"), period);
    points = addUsagePoint(points, update("2026-12-05T10:00:01Z", "10"), period);
    expect(points).toEqual([
      { time: Date.parse("2026-12-05T10:00:01Z"), total: 10 },
      { time: Date.parse("2026-12-05T10:00:02Z"), total: 15.5 },
    ]);
  });

  it("replaces a point of the same instant and restarts with a new period", () => {
    const period = { current: null };
    let points = addUsagePoint([], update("2026-12-31T23:59:59Z", "5"), period);
    points = addUsagePoint(points, update("2026-12-31T23:59:59Z", "7"), period);
    expect(points).toEqual([{ time: Date.parse("2026-12-31T23:59:59Z"), total: 7 }]);
    points = addUsagePoint(points, update("2027-01-01T00:00:01Z", "1", "2027-01"), period);
    expect(points).toEqual([{ time: Date.parse("2027-01-01T00:00:01Z"), total: 1 }]);
  });

  it("keeps at most the limit of points", () => {
    const period = { current: null };
    let points: ReturnType<typeof addUsagePoint> = [];
    for (let second = 0; second < 10; second++) {
      points = addUsagePoint(points, update(`2026-12-05T10:00:0${second}Z`, String(second)), period, 3);
    }
    expect(points.map((p) => p.total)).toEqual([7, 8, 9]);
  });

  it("maps buckets and money", () => {
    expect(bucketPoints([{ start: "2026-12-01T00:00:00Z", value: "1520" }])).toEqual([{ time: Date.parse("2026-12-01T00:00:00Z"), total: 1520 }]);
    expect(formatMoney({ amount: 12345, currency: "usd" })).toBe("$123.45");
    expect(formatMoney(null)).toBe("—");
    expect(major({ amount: 250, currency: "EUR" })).toBe(2.5);
  });
});
