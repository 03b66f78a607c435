// Billing: the plan, live usage per meter (usageUpdates), the upcoming invoice, invoices, budgets and
// their alerts, and revenue for publishers and the platform.
import {
  BudgetAlertsDocument,
  BudgetsDocument,
  CreateBudgetDocument,
  DeleteBudgetDocument,
  ForbiddenError,
  InvoicesDocument,
  MetersDocument,
  MyPublisherDocument,
  PlansDocument,
  RevenueByMonthDocument,
  RevenueByPackageDocument,
  RevenueByPublisherDocument,
  SubscribeDocument,
  SubscriptionDocument,
  UpcomingInvoiceDocument,
  UsageSummaryDocument,
  UsageUpdatesDocument,
  unwrap,
  type InvoiceFieldsFragment,
  type MeterFieldsFragment,
} from "@atom-cloud/sdk";
import { useCallback, useRef, useState, type FormEvent } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Badge, ErrorState, FormMessages, LiveBadge, Loaded, SelectField, TextField } from "../components/ui";
import { addUsagePoint, bucketPoints, formatMoney, major, type UsagePoint } from "../lib/charts";
import { formErrors, NO_ERRORS, type FormErrors } from "../lib/errors";
import { useLive, useLoad, useReloadAfter } from "../lib/hooks";
import { useSession } from "../lib/session";

const time = (ms: number) => new Date(ms).toLocaleTimeString();

function Plan({ changed }: { changed: () => void }) {
  const { client, can } = useSession();
  const subscription = useLoad(() => client.request(SubscriptionDocument), [client]);
  const plans = useLoad(() => client.request(PlansDocument, {}), [client]);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  return (
    <section aria-labelledby="plan-heading" className="card">
      <h2 id="plan-heading">Plan</h2>
      <Loaded result={subscription} what="Loading your plan">
        {({ subscription: current }) =>
          current ? (
            <p>
              <strong>{current.plan.name}</strong> <Badge tone="good">{current.status}</Badge> · {formatMoney(current.plan.monthlyFee)} a month
              · since {new Date(current.startedAt).toLocaleDateString()}
            </p>
          ) : (
            <Loaded result={plans} what="Loading plans">
              {({ plans: available }) => (
                <div>
                  <p>No plan yet. Choose one:</p>
                  <FormMessages errors={errors} />
                  <ul className="plain">
                    {available.map((plan) => (
                      <li key={plan.id}>
                        {plan.name} ({formatMoney(plan.monthlyFee)} a month){" "}
                        <button type="button" aria-label={`Subscribe to ${plan.name} (${plan.key})`} disabled={!can("billing:write")} onClick={async () => {
                          try {
                            unwrap((await client.request(SubscribeDocument, { input: { plan: plan.key } })).subscribe);
                            subscription.reload();
                            changed();
                          } catch (error) {
                            setErrors(formErrors(error));
                          }
                        }}>Subscribe</button>
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </Loaded>
          )
        }
      </Loaded>
    </section>
  );
}

/** An axis tick that fits the axis: 1,000,000 → 1M. */
const compact = (value: number) => new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 }).format(value);

function UsageChart({ meter, changed }: { meter: MeterFieldsFragment; changed: () => void }) {
  const { client } = useSession();
  const [points, setPoints] = useState<UsagePoint[]>([]);
  const [total, setTotal] = useState<string | null>(null);
  const [updates, setUpdates] = useState(0);
  const period = useRef<string | null>(null);
  const last = useRef<string | null>(null);
  const live = useLive(
    () => client.subscribe(UsageUpdatesDocument, { meter: meter.key }),
    ({ usageUpdates }) => {
      setTotal(usageUpdates.total);
      setPoints((previous) => addUsagePoint(previous, usageUpdates, period));
      // the first update is the total as it stood; a different one is new usage
      if (last.current !== null && last.current !== String(usageUpdates.total)) {
        setUpdates((n) => n + 1);
        changed();
      }
      last.current = String(usageUpdates.total);
    },
    [client, meter.key],
  );
  const daily = useLoad(() => client.request(UsageSummaryDocument, { meter: meter.key, granularity: "DAY" }), [client, meter.key]);
  useReloadAfter(updates, daily.reload); // the day's bar follows the live total
  return (
    <figure className="card chart" aria-labelledby={`usage-${meter.key}`}>
      <figcaption id={`usage-${meter.key}`}>
        <strong>{meter.name}</strong> ({meter.unit}) <LiveBadge state={live.state} label={`${meter.name} usage`} /> — this period:{" "}
        <span data-testid={`usage-total-${meter.key}`}>{total ?? "…"}</span>
      </figcaption>
      {live.error ? <ErrorState error={live.error} /> : null}
      <div className="chart-box" data-testid={`usage-chart-${meter.key}`} data-points={points.length}>
        <ResponsiveContainer width="100%" height={180}>
          <LineChart data={points}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="time" type="number" domain={["dataMin", "dataMax"]} tickFormatter={time} scale="time" />
            <YAxis allowDecimals tickFormatter={compact} />
            <Tooltip labelFormatter={(value) => time(Number(value))} />
            <Line type="stepAfter" dataKey="total" name={`${meter.name} this period`} stroke="#2454d6" isAnimationActive={false} dot />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <Loaded result={daily} what="Loading daily usage">
        {({ usageSummary }) => (
          <ResponsiveContainer width="100%" height={120}>
            <BarChart data={bucketPoints(usageSummary.buckets)}>
              <XAxis dataKey="time" tickFormatter={(ms: number) => new Date(ms).toLocaleDateString()} />
              <YAxis tickFormatter={compact} />
              <Tooltip labelFormatter={(value) => new Date(Number(value)).toLocaleDateString()} />
              <Bar dataKey="total" name="per day" fill="#7a8fd6" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </Loaded>
    </figure>
  );
}

function Usage({ changed }: { changed: () => void }) {
  const { client } = useSession();
  const meters = useLoad(() => client.request(MetersDocument), [client]);
  return (
    <section aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage</h2>
      <Loaded result={meters} what="Loading meters">
        {({ meters: list }) => (
          <div className="grid">
            {list.map((meter) => (
              <UsageChart key={meter.id} meter={meter} changed={changed} />
            ))}
          </div>
        )}
      </Loaded>
    </section>
  );
}

/** `usage` counts live usage changes: the invoice so far is asked for again once they pause. */
function Upcoming({ usage }: { usage: number }) {
  const { client } = useSession();
  const upcoming = useLoad(() => client.request(UpcomingInvoiceDocument, {}), [client]);
  useReloadAfter(usage, upcoming.reload);
  return (
    <section aria-labelledby="upcoming-heading" className="card">
      <h2 id="upcoming-heading">Upcoming invoice</h2>
      <Loaded result={upcoming} what="Loading the upcoming invoice">
        {({ upcomingInvoice }) =>
          upcomingInvoice ? (
            <>
              <p>
                {upcomingInvoice.period}: <strong>{formatMoney(upcomingInvoice.total)}</strong>
              </p>
              <InvoiceLines lines={upcomingInvoice.lines} label="Lines of the upcoming invoice" />
            </>
          ) : (
            <p>No upcoming invoice (no plan).</p>
          )
        }
      </Loaded>
    </section>
  );
}

function InvoiceLines({ lines, label }: { lines: InvoiceFieldsFragment["lines"]; label: string }) {
  return (
    <table aria-label={label}>
      <thead>
        <tr><th scope="col">Line</th><th scope="col">Quantity</th><th scope="col">Amount</th></tr>
      </thead>
      <tbody>
        {lines.map((line, index) => (
          <tr key={index}>
            <td>{line.description}</td>
            <td>{line.quantity}</td>
            <td>{formatMoney(line.amount)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Invoices() {
  const { client } = useSession();
  const invoices = useLoad(() => client.request(InvoicesDocument, { first: 24 }), [client]);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section aria-labelledby="invoices-heading" className="card">
      <h2 id="invoices-heading">Invoices</h2>
      <Loaded result={invoices} what="Loading invoices">
        {({ invoices: page }) =>
          page.nodes.length === 0 ? (
            <p>No invoices yet.</p>
          ) : (
            <ul className="plain">
              {page.nodes.map((invoice) => {
                const name = invoice.number ?? invoice.period;
                const detail = `invoice-${invoice.id}`;
                return (
                  <li key={invoice.id}>
                    <button type="button" aria-expanded={open === invoice.id} aria-controls={detail} onClick={() => setOpen(open === invoice.id ? null : invoice.id)}>
                      {name} · {formatMoney(invoice.total)} · {invoice.status}
                    </button>
                    {open === invoice.id ? (
                      <div id={detail}>
                        <p>
                          Period {invoice.period}
                          {invoice.finalizedAt ? ` · finalized ${new Date(invoice.finalizedAt).toLocaleDateString()}` : null}
                          {invoice.paidAt ? ` · paid ${new Date(invoice.paidAt).toLocaleDateString()}` : null}
                          {invoice.voidedAt ? ` · void${invoice.voidReason ? `: ${invoice.voidReason}` : ""}` : null}
                        </p>
                        <InvoiceLines lines={invoice.lines} label={`Lines of ${name}`} />
                        <p>
                          Subtotal {formatMoney(invoice.subtotal)} · <strong>Total {formatMoney(invoice.total)}</strong>
                        </p>
                      </div>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )
        }
      </Loaded>
    </section>
  );
}

/** An alert as the page lists it: from a budget's history or just arrived live. */
type Alert = { key: string; name: string; target: string; threshold: string; value: string; period: string; hardLimit: boolean; unit?: string; live: boolean };

/** This billing period (UTC), as budget alerts name it: YYYY-MM. */
function currentPeriod(): string {
  return new Date().toISOString().slice(0, 7);
}

/** A budget's threshold or an alert's value in its own units: money for the amount due, meter units otherwise. */
function amount(value: string, target: string, currency: string | undefined, unit: string | undefined): string {
  if (target === "AMOUNT_DUE") return currency ? formatMoney({ amount: Number(value), currency }) : `${value} (minor units)`;
  return `${Number(value).toLocaleString("en-US")}${unit ? ` ${unit}` : ""}`;
}

/** `usage` counts live usage changes: the budgets (and the alerts they fired) are asked for again
 * once they pause, so an alert is shown even when its live event was missed (a stream reconnecting,
 * or usage recorded before the server had taken the subscription). */
function Budgets({ usage }: { usage: number }) {
  const { client, can } = useSession();
  const budgets = useLoad(() => client.request(BudgetsDocument), [client]);
  useReloadAfter(usage, budgets.reload);
  // The alerts the page opened with: any other one fired while it was open, and is announced.
  const opened = useRef<Set<string> | null>(null);
  if (opened.current === null && budgets.data) {
    opened.current = new Set(budgets.data.budgets.flatMap((b) => b.alerts.map((a) => `${b.id}:${a.period}`)));
  }
  const meters = useLoad(() => client.request(MetersDocument), [client]);
  const subscription = useLoad(() => client.request(SubscriptionDocument), [client]);
  const currency = subscription.data?.subscription?.plan.currency;
  const [arrived, setArrived] = useState<Alert[]>([]);
  const live = useLive(
    () => client.subscribe(BudgetAlertsDocument),
    ({ budgetAlerts: a }) =>
      setArrived((list) => [
        { key: `${a.budgetId}:${a.period}`, name: a.name, target: a.target, threshold: String(a.threshold), value: String(a.value), period: a.period, hardLimit: a.hardLimit, unit: a.budget?.meter?.unit, live: true },
        ...list,
      ]),
    [client],
  );
  // The budgets' own history (newest first), after what arrived live since the page opened; one per budget and period.
  const history: Alert[] = (budgets.data?.budgets ?? []).flatMap((b) =>
    b.alerts.map((a) => {
      const key = `${b.id}:${a.period}`;
      const live = opened.current !== null && !opened.current.has(key);
      return { key, name: b.name, target: b.target, threshold: String(a.threshold), value: String(a.value), period: a.period, hardLimit: b.hardLimit, unit: b.meter?.unit, live };
    }),
  );
  const seen = new Set(arrived.map((a) => a.key));
  const alerts = [...arrived, ...history.filter((a) => !seen.has(a.key)).sort((x, y) => y.period.localeCompare(x.period))];
  const [form, setForm] = useState({ name: "", meter: "", threshold: "", hardLimit: false });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const { createBudget } = await client.request(CreateBudgetDocument, {
        input: { name: form.name, meter: form.meter || null, threshold: form.threshold, hardLimit: form.hardLimit },
      });
      unwrap(createBudget);
      setForm({ name: "", meter: "", threshold: "", hardLimit: false });
      setErrors(NO_ERRORS);
      budgets.reload();
    } catch (error) {
      setErrors(formErrors(error, ["name", "meter", "threshold", "hardLimit"]));
    }
  }
  return (
    <section aria-labelledby="budgets-heading" className="card">
      <h2 id="budgets-heading">
        Budgets and alerts <LiveBadge state={live.state} label="Budget alerts" />
      </h2>
      {alerts.length > 0 ? (
        <ul aria-label="Budget alerts" className="alerts">
          {alerts.map((alert) => {
            const text = (
              <>
                {alert.name}: {amount(alert.value, alert.target, currency, alert.unit)} reached its threshold of{" "}
                {amount(alert.threshold, alert.target, currency, alert.unit)} ({alert.period}){alert.hardLimit ? " — hard limit" : ""}
              </>
            );
            // A crossing fires once per budget and period. Only one that arrives now is announced (role=alert, inside
            // the item: a list holds list items only); the history is plain text.
            return <li key={alert.key}>{alert.live ? <span role="alert">{text}</span> : <span>{text}</span>}</li>;
          })}
        </ul>
      ) : null}
      <Loaded result={budgets} what="Loading budgets">
        {({ budgets: list }) => (
          <ul className="plain">
            {list.map((budget) => (
              <li key={budget.id}>
                {budget.name}: {amount(String(budget.threshold), budget.target, currency, budget.meter?.unit)} a month ·{" "}
                {budget.meter ? budget.meter.name : "amount due"}{" "}
                {budget.alerts.some((a) => a.period === currentPeriod()) ? <Badge tone="bad">reached this month</Badge> : null}{" "}
                {budget.hardLimit ? <Badge tone="warn">hard limit</Badge> : null}{" "}
                <button type="button" aria-label={`Delete budget ${budget.name}`} onClick={async () => {
                  unwrap((await client.request(DeleteBudgetDocument, { input: { budgetId: budget.id } })).deleteBudget);
                  budgets.reload();
                }}>Delete</button>
              </li>
            ))}
          </ul>
        )}
      </Loaded>
      {can("billing:write") ? (
        <form onSubmit={submit} aria-label="Create a budget" noValidate>
          <FormMessages errors={errors} />
          <TextField label="Budget name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} errors={errors.fields.name} />
          <SelectField label="Meter" value={form.meter} onChange={(e) => setForm({ ...form, meter: e.target.value })} errors={errors.fields.meter}>
            <option value="">Amount due</option>
            {(meters.data?.meters ?? []).map((meter) => <option key={meter.id} value={meter.key}>{meter.name}</option>)}
          </SelectField>
          <TextField label="Threshold" inputMode="decimal" value={form.threshold} onChange={(e) => setForm({ ...form, threshold: e.target.value })} errors={errors.fields.threshold} />
          <label className="check">
            <input type="checkbox" checked={form.hardLimit} onChange={(e) => setForm({ ...form, hardLimit: e.target.checked })} /> Hard limit
          </label>
          <button type="submit">Create budget</button>
        </form>
      ) : null}
    </section>
  );
}

function Revenue() {
  const { client, viewer } = useSession();
  // Revenue is for publishers and the platform operator: it is only asked for where it can be read (a refused read
  // is audited, and every visit of a finance member would leave one), and for anyone else the section says so.
  const operator = viewer?.organization?.platformOperator ?? false;
  const publisher = useLoad(() => client.request(MyPublisherDocument), [client]);
  const readable = operator || Boolean(publisher.data?.myPublisher);
  const byMonth = useLoad(() => (readable ? orForbidden(client.request(RevenueByMonthDocument, {})) : Promise.resolve(null)), [client, readable]);
  const byPackage = useLoad(() => (readable ? orForbidden(client.request(RevenueByPackageDocument, {})) : Promise.resolve(null)), [client, readable]);
  // The platform operator's view: every publisher.
  const byPublisher = useLoad(() => (operator ? orForbidden(client.request(RevenueByPublisherDocument, {})) : Promise.resolve(null)), [client, operator]);
  if (!operator && publisher.data === undefined) {
    return (
      <section aria-labelledby="revenue-heading" className="card">
        <h2 id="revenue-heading">Revenue</h2>
        {publisher.error ? <ErrorState error={publisher.error} /> : <p role="status">Loading revenue…</p>}
      </section>
    );
  }
  if (!readable) {
    return (
      <section aria-labelledby="revenue-heading" className="card">
        <h2 id="revenue-heading">Revenue</h2>
        <p>Revenue reports are for publishers and the platform operator.</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="revenue-heading" className="card">
      <h2 id="revenue-heading">Revenue</h2>
      <Loaded result={byMonth} what="Loading revenue">
        {(data) =>
          data === null || data.revenueByMonth.length === 0 ? (
            <p>No revenue yet.</p>
          ) : (
            <ResponsiveContainer width="100%" height={200}>
              <BarChart data={data.revenueByMonth.map((row) => ({ month: row.month, amount: major(row.amount), share: major(row.publisherShare) }))}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="month" />
                <YAxis />
                <Tooltip />
                <Legend />
                <Bar dataKey="amount" name="Billed" fill="#2454d6" isAnimationActive={false} />
                <Bar dataKey="share" name="Publisher share" fill="#1f9d55" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          )
        }
      </Loaded>
      {byPublisher.data && byPublisher.data.revenueByPublisher.length > 0 ? (
        <>
          <h3>By publisher (the platform)</h3>
          <ResponsiveContainer width="100%" height={200}>
            <BarChart data={byPublisher.data.revenueByPublisher.map((row) => ({ publisher: row.publisher?.namespace ?? row.publisherId, amount: major(row.amount), share: major(row.publisherShare) }))}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="publisher" />
              <YAxis />
              <Tooltip />
              <Legend />
              <Bar dataKey="amount" name="Billed" fill="#2454d6" isAnimationActive={false} />
              <Bar dataKey="share" name="Publisher share" fill="#1f9d55" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </>
      ) : null}
      <Loaded result={byPackage} what="Loading revenue by package">
        {(data) =>
          data === null || data.revenueByPackage.length === 0 ? null : (
            <table>
              <thead><tr><th scope="col">Package</th><th scope="col">Billed</th><th scope="col">Publisher share</th></tr></thead>
              <tbody>
                {data.revenueByPackage.map((row) => (
                  <tr key={row.packageId}><td>{row.package?.fullName}</td><td>{formatMoney(row.amount)}</td><td>{formatMoney(row.publisherShare)}</td></tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </section>
  );
}

async function orForbidden<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ForbiddenError) return null;
    throw error;
  }
}

export function BillingPage() {
  const [planVersion, setPlanVersion] = useState(0);
  const [usage, setUsage] = useState(0);
  const usageChanged = useCallback(() => setUsage((n) => n + 1), []);
  return (
    <section>
      <h1>Billing</h1>
      <Plan changed={() => setPlanVersion((n) => n + 1)} />
      <Usage changed={usageChanged} />
      <div className="grid">
        <Upcoming key={planVersion} usage={usage} />
        <Invoices />
      </div>
      <Budgets usage={usage} />
      <Revenue />
    </section>
  );
}
