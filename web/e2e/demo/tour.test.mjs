// A first look at the Launchpad on the demo data that `make run` creates (server/demo.py), in Debian's
// chromium against a live server started by tests/web/test_demo_tour.py on a freshly seeded home.
// Each page shows the demo's own data; then the files the seed printed publish the next version of
// Acme's package, which Acme's reviewer approves.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { BASE_URL, launch, newPage, screenshot, seriousViolations, signIn } from "../lib.mjs";

const HOME = process.env.ATOM_DEMO_HOME;
assert.ok(HOME, "ATOM_DEMO_HOME is not set (tests/web/test_demo_tour.py sets it)");
const PASSWORD = "launchpad-demo-2026";
const TIMEOUT = { timeout: 30_000 };

let browser;
const pages = [];

async function page(email) {
  const created = await newPage(browser);
  created.setDefaultTimeout(30_000);
  pages.push(created);
  await signIn(created, email, PASSWORD);
  return created;
}

async function accessible(p, what) {
  const violations = await seriousViolations(p);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 2)}`);
}

async function visit(p, path, heading) {
  await p.goto(`${BASE_URL}${path}`);
  await p.getByRole("heading", { name: heading, exact: true }).first().waitFor();
}

before(async () => {
  browser = await launch();
});

after(async () => {
  for (const p of pages) {
    assert.deepEqual(p.external, [], "no request left 127.0.0.1");
    assert.deepEqual(p.errors, [], "no uncaught error in the page");
  }
  await browser?.close();
});

test("the marketplace shows Globex's signed packages, and a package page its verified versions", async () => {
  const p = await page("owner@acme.example");
  await visit(p, "/marketplace", "Marketplace");
  for (const title of ["PDF table extractor", "Slack daily digest", "Invoice OCR"]) {
    await p.getByRole("link", { name: title }).waitFor();
  }
  await accessible(p, "marketplace");
  await screenshot(p, "demo-marketplace");
  await p.getByRole("link", { name: "PDF table extractor" }).click();
  await p.getByRole("heading", { name: "PDF table extractor" }).waitFor();
  await p.getByText("Installed:").waitFor(); // Acme installed it, then upgraded to the latest
  await p.getByText("v1.1.0").first().waitFor();
  await p.getByText("✓ KEY").first().waitFor();
  await p.getByText(/SHA256:[0-9a-f]{64}/).first().waitFor();
  await accessible(p, "package page");
  await screenshot(p, "demo-package");
});

test("the review queue holds Globex's high-risk backup package with its finding", async () => {
  const p = await page("reviewer@acme.example");
  await visit(p, "/review", "Review queue");
  const form = p.getByRole("form", { name: "Review globex/db-backup v0.9.0" });
  await form.waitFor();
  await p.getByText("undeclared-shell").waitFor();
  await p.getByText("second approval needed").waitFor();
  await accessible(p, "review queue");
  await screenshot(p, "demo-review");
});

test("billing shows the plan, last month's invoice, budgets and the platform's revenue", async () => {
  const p = await page("finance@acme.example");
  await visit(p, "/billing", "Billing");
  await p.getByText(/Team/).first().waitFor();
  await p.getByRole("region", { name: "Invoices" }).getByText(/ATOM-[0-9A-F]+-0001/).waitFor();
  // the demo's usage crossed the spend budget: its alert is kept, in euros
  await p.getByRole("list", { name: "Budget alerts" }).getByText(/^Monthly spend: €[\d,.]+ reached its threshold of €60\.00 \(\d{4}-\d{2}\)$/).waitFor();
  await p.getByRole("listitem").filter({ hasText: "Monthly spend: €60.00 a month" }).getByText("reached this month").waitFor();
  await p.getByText("globex/invoice-ocr").first().waitFor(); // a line of the upcoming invoice and a revenue row
  const revenue = p.getByRole("region", { name: "Revenue" });
  await revenue.locator("svg.recharts-surface").first().waitFor();
  await revenue.getByRole("heading", { name: "By publisher (the platform)" }).waitFor(); // Acme runs the platform
  await accessible(p, "billing");
  await screenshot(p, "demo-billing");
});

test("Auth Studio lists the demo members and API key; the audit log verifies under a checkpoint", async () => {
  const p = await page("owner@acme.example");
  await visit(p, "/auth-studio", "Auth Studio");
  for (const email of ["dev@acme.example", "reviewer@acme.example", "finance@acme.example"]) {
    await p.getByText(email).first().waitFor();
  }
  await p.getByText("demo CI key").first().waitFor();
  await accessible(p, "Auth Studio");
  await visit(p, "/audit", "Audit");
  await p.getByText("verified").first().waitFor();
  await p.getByText(/Last checkpoint: size \d+/).waitFor();
  for (const action of ["approveVersion", "installPackage", "reportUsage"]) {
    await p.getByRole("cell", { name: action, exact: true }).first().waitFor();
  }
  await p.getByRole("cell", { name: "reviewer@acme.example" }).first().waitFor(); // actors named by e-mail
  await accessible(p, "audit");
  await screenshot(p, "demo-audit");
});

test("the printed key and archive publish acme/release-notes 1.1.0, and Acme's reviewer approves it", async () => {
  const owner = await page("owner@acme.example");
  await visit(owner, "/publish", "Publish");
  await owner.getByLabel("Package", { exact: true }).selectOption({ label: "acme/release-notes" });
  await owner.getByLabel("WPK archive").setInputFiles(join(HOME, "demo", "release-notes-1.1.0.tar.gz"));
  await owner.getByLabel("Signing key (private, PEM)").setInputFiles(join(HOME, "demo", "acme-release-key.pem"));
  await owner.getByRole("button", { name: "Sign and upload" }).click();
  await owner.getByText(/v1\.1\.0 submitted/).waitFor(TIMEOUT);
  await owner.getByRole("status", { name: "Status updates: live" }).waitFor(TIMEOUT);

  const reviewer = await page("reviewer@acme.example");
  await visit(reviewer, "/review", "Review queue");
  const title = "acme/release-notes v1.1.0";
  const form = reviewer.getByRole("form", { name: `Review ${title}` });
  await form.waitFor(TIMEOUT);
  await form.getByLabel(`Reason for ${title}`).fill("Internal release tooling, reviewed.");
  await form.getByRole("button", { name: "Approve" }).click();
  await reviewer.getByText(`${title}: now PUBLISHED.`).waitFor(TIMEOUT);
  await owner.getByTestId("live-status").filter({ hasText: "PUBLISHED" }).waitFor(TIMEOUT);
});
