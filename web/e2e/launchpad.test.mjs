// The Launchpad end to end, in Debian's chromium against a live server (tests/web/test_launchpad.py
// starts it and provisions what the API cannot: a trusted reviewer organization, a billing plan, WPKs,
// a publisher with more packages than a marketplace page, an organization with a finalized invoice).
// One story, in order: a publisher signs up and publishes a signed package whose review status changes
// live; a reviewer approves it; a third organization installs it, sees usage reported through the API
// arrive on its billing chart, changes a member's role (which takes effect), watches its audit log,
// uninstalls the package, sees a budget alert fire live, edits a custom role in the permission matrix
// (which takes effect) and compares policy versions. Then two journeys of their own: an invoice's
// lines, the marketplace's next page loaded on scroll, and a package's older versions shown on request.
import { AtomClient } from "@atom-cloud/sdk";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { BASE_URL, launch, newPage, screenshot, seriousViolations, signIn } from "./lib.mjs";

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is not set (tests/web/test_launchpad.py sets it)`);
  return value;
};
const PACKAGE = env("ATOM_PACKAGE_NAME");
const WPK = env("ATOM_WPK");
const PLAN = env("ATOM_PLAN");
const REVIEWER = { email: env("ATOM_REVIEWER_EMAIL"), password: env("ATOM_REVIEWER_PASSWORD") };
const SECOND_REVIEWER = { email: env("ATOM_SECOND_REVIEWER_EMAIL"), password: env("ATOM_SECOND_REVIEWER_PASSWORD") };
const RISKY_WPK = env("ATOM_RISKY_WPK");
// A publisher with more packages than a marketplace page, and an organization with a finalized invoice.
// Its first package, scroll-01, has more versions than a page of the package page.
const CATALOG = {
  email: env("ATOM_CATALOG_EMAIL"),
  password: env("ATOM_CATALOG_PASSWORD"),
  namespace: env("ATOM_CATALOG_NAMESPACE"),
  packages: Number(env("ATOM_CATALOG_PACKAGES")),
  versions: Number(env("ATOM_CATALOG_VERSIONS")),
};
const INVOICED = { email: env("ATOM_INVOICED_EMAIL"), password: env("ATOM_INVOICED_PASSWORD") };
/** { number, lines: [[description, quantity], …] } as the API finalized it. */
const INVOICE = JSON.parse(env("ATOM_INVOICE"));
const PASSWORD = "correct horse battery staple 42";
const run = randomBytes(3).toString("hex");
const TIMEOUT = { timeout: 30_000 };

let browser;
let scratch;
const pages = [];
const state = {};

async function page() {
  const created = await newPage(browser);
  created.setDefaultTimeout(30_000);
  // The build's files this page fetched (code splitting: which chunks each page needs).
  created.assets = [];
  created.on("request", (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith("/assets/")) created.assets.push(pathname);
  });
  pages.push(created);
  return created;
}

const CHARTS_CHUNK = /^\/assets\/charts-[\w-]+\.js$/;

/** axe-core finds no serious or critical violation on the page as it is now. */
async function accessible(p, what) {
  const violations = await seriousViolations(p);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 2)}`);
}

async function signUp(p, { email, organizationSlug }) {
  await p.goto(`${BASE_URL}/sign-up`);
  await p.getByLabel("Your name").fill(email.split("@")[0]);
  await p.getByLabel("E-mail").fill(email);
  await p.getByLabel("Password").fill(PASSWORD);
  if (organizationSlug) {
    await p.getByLabel("Organization name").fill(`Org ${organizationSlug}`);
    await p.getByLabel("Organization slug").fill(organizationSlug);
  }
  await p.getByRole("button", { name: "Sign up" }).click();
  await p.getByRole("button", { name: "Sign out" }).waitFor();
}

/** A package's line in the Publish page's "Your packages" list. */
function yourPackage(p, fullName) {
  return p.getByRole("list", { name: "Your packages" }).getByRole("listitem").filter({ has: p.getByRole("link", { name: fullName, exact: true }) });
}

/** A step of the story: skipped once an earlier one failed (it would only time out). A journey of its
 * own (`independent`, with accounts of its own) runs anyway and breaks nothing after it. */
function step(name, body, { independent = false } = {}) {
  test(name, async (t) => {
    if (state.broken && !independent) {
      t.skip(`after "${state.broken}" failed`);
      return;
    }
    try {
      await body();
    } catch (error) {
      if (!independent) state.broken = name;
      // Every open page as it was, for the artifacts.
      for (const [index, p] of pages.entries()) {
        if (!p.isClosed()) await screenshot(p, `failure-${index}`).catch(() => undefined);
      }
      throw error;
    }
  });
}

before(async () => {
  browser = await launch();
  scratch = await mkdtemp(join(tmpdir(), "launchpad-e2e-"));
});

after(async () => {
  for (const p of pages) {
    assert.deepEqual(p.external, [], "requests left 127.0.0.1");
    assert.deepEqual(p.errors, [], "uncaught errors in the page");
  }
  await browser?.close();
});

step("sign up: the server's userErrors next to the field, then an account and its organization", async () => {
  const p = await page();
  await p.goto(`${BASE_URL}/sign-up`);
  await accessible(p, "sign-up page");
  await screenshot(p, "sign-up");
  // A password the server refuses (long enough for the form's own check, too easy to guess).
  await p.getByLabel("E-mail").fill(`pub-${run}@example.com`);
  await p.getByLabel("Password").fill("aaaaaaaaaaaa");
  await p.getByRole("button", { name: "Sign up" }).click();
  const password = p.getByLabel("Password");
  await p.waitForFunction(() => document.querySelector("input[name=password]")?.getAttribute("aria-invalid") === "true");
  const description = await password.getAttribute("aria-describedby");
  assert.ok(description?.includes("error"), "the password's error is attached to the field");
  state.publisherSlug = `pub-${run}`;
  await signUp(p, { email: `pub-${run}@example.com`, organizationSlug: state.publisherSlug });
  await p.getByRole("heading", { name: "Marketplace" }).waitFor();
  state.publisher = p;
});

step("publish a signed package and watch its review status change live", async () => {
  const p = state.publisher;
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const keyFile = join(scratch, "signing-key.pem");
  await writeFile(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
  state.keyFile = keyFile;

  await p.getByRole("link", { name: "Publish" }).click();
  await p.getByRole("button", { name: "Become a publisher" }).click();
  await p.getByLabel("Key name").fill("laptop");
  await p.getByLabel("Public key (PEM)").fill(publicKey.export({ type: "spki", format: "pem" }).toString());
  await p.getByRole("button", { name: "Register key" }).click();
  await p.getByRole("cell", { name: "laptop", exact: true }).waitFor();
  await p.getByLabel("Identity name").fill("release-workflow");
  await p.getByLabel("Certificate identity").fill(`https://github.com/${state.publisherSlug}/hello/.github/workflows/release.yml@refs/heads/main`);
  await p.getByRole("button", { name: "Register identity" }).click();
  await p.getByRole("cell", { name: "release-workflow", exact: true }).waitFor();

  // A package name the server refuses, its error next to the field; then the real one.
  await p.getByLabel("Package name", { exact: true }).fill("Not A Name!");
  await p.getByLabel("Title", { exact: true }).fill("Hello");
  await p.getByRole("button", { name: "Create package" }).click();
  await p.locator('form[aria-label="Create a package"] .field-error').first().waitFor();
  await p.getByLabel("Package name", { exact: true }).fill(PACKAGE);
  await p.getByLabel("Title", { exact: true }).fill("Hello from the Launchpad");
  await p.getByLabel("Description").fill("Says hello.");
  await p.getByLabel("Tags").fill("launchpad, demo");
  await p.getByRole("button", { name: "Create package" }).click();
  const fullName = `${state.publisherSlug}/${PACKAGE}`;
  state.fullName = fullName;
  await p.getByRole("link", { name: fullName }).waitFor();

  await p.getByLabel("Package", { exact: true }).selectOption({ label: fullName });
  await p.getByLabel("WPK archive").setInputFiles(WPK);
  await p.getByLabel("Signing key (private, PEM)").setInputFiles(keyFile);
  await p.getByRole("button", { name: "Sign and upload" }).click();
  await p.getByText(/v1\.0\.0 submitted/).waitFor(TIMEOUT);
  assert.equal(await p.getByLabel("Upload progress").getAttribute("value"), "1");
  // Not published yet: the list shows the version under review, no published one.
  const listed = yourPackage(p, fullName);
  assert.match(await listed.innerText(), /v1\.0\.0 (DRAFT|SUBMITTED|IN_REVIEW)\s*$/);
  await p.getByRole("status", { name: "Status updates: live" }).waitFor(TIMEOUT);
  await accessible(p, "publish page");
  await screenshot(p, "publish");
});

step("a reviewer approves it; the publisher's page shows PUBLISHED without a reload", async () => {
  const r = await page();
  await signIn(r, REVIEWER.email, REVIEWER.password);
  await r.getByRole("link", { name: "Review" }).click();
  const title = `${state.fullName} v1.0.0`;
  const form = r.getByRole("form", { name: `Review ${title}` });
  await form.waitFor(TIMEOUT);
  await accessible(r, "review queue");
  await screenshot(r, "review");
  await form.getByLabel(`Reason for ${title}`).fill("Manifest and code reviewed in the Launchpad.");
  await form.getByRole("button", { name: "Approve" }).click();
  await r.getByText(`${title}: now PUBLISHED.`).waitFor(TIMEOUT);
  state.reviewer = r;

  const live = state.publisher.getByTestId("live-status");
  await live.filter({ hasText: "PUBLISHED" }).waitFor(TIMEOUT);
  const history = await state.publisher.getByRole("list", { name: "Status history" }).innerText();
  assert.match(history, /→ PUBLISHED/);
  // The rest of the page follows the live change, without a reload.
  await yourPackage(state.publisher, state.fullName).filter({ hasText: /v1\.0\.0 PUBLISHED\s*$/ }).waitFor(TIMEOUT);
  await state.publisher.getByTestId("submitted").filter({ hasText: "v1.0.0 submitted, now PUBLISHED" }).waitFor(TIMEOUT);
  await state.publisher.getByRole("heading", { name: /Review status/ }).scrollIntoViewIfNeeded();
  await screenshot(state.publisher, "publish-status");
});

step("a third organization finds and installs it, and downloads it with its digest shown", async () => {
  const c = await page();
  state.consumerSlug = `use-${run}`;
  state.consumerEmail = `use-${run}@example.com`;
  await signUp(c, { email: state.consumerEmail, organizationSlug: state.consumerSlug });
  await c.getByRole("searchbox", { name: "Search" }).fill("Launchpad");
  await c.getByLabel("Publisher").fill(state.publisherSlug);
  await c.getByRole("button", { name: "Search" }).click();
  await c.getByRole("link", { name: "Hello from the Launchpad" }).waitFor(TIMEOUT);
  await accessible(c, "marketplace");
  await screenshot(c, "marketplace");
  await c.getByRole("link", { name: "Hello from the Launchpad" }).click();
  await c.getByRole("button", { name: "Install" }).click();
  await c.getByText("Installed:").waitFor(TIMEOUT);
  await c.getByRole("button", { name: "Uninstall" }).waitFor();
  await c.getByRole("button", { name: "Download v1.0.0" }).click();
  const digest = await c.getByTestId("download-digest").innerText();
  assert.match(digest, /^[0-9a-f]{64}$/);
  await c.getByText("Key fingerprint").first().waitFor();
  await accessible(c, "package page");
  await screenshot(c, "package");
  assert.ok(c.assets.some((asset) => /^\/assets\/Package-/.test(asset)), `the package page's own chunk: ${c.assets}`);
  assert.deepEqual(c.assets.filter((asset) => CHARTS_CHUNK.test(asset)), [], "sign-up, marketplace and package pages load no charts");
  state.consumer = c;
});

step("a high-risk version needs a second reviewer; the installer upgrades to it", async () => {
  const p = state.publisher;
  await p.getByLabel("WPK archive").setInputFiles(RISKY_WPK);
  await p.getByLabel("Signing key (private, PEM)").setInputFiles(state.keyFile);
  await p.getByRole("button", { name: "Sign and upload" }).click();
  await p.getByText(/v1\.1\.0 submitted/).waitFor(TIMEOUT);

  const r = state.reviewer;
  await r.reload();
  const title = `${state.fullName} v1.1.0`;
  const form = r.getByRole("form", { name: `Review ${title}` });
  await form.waitFor(TIMEOUT);
  const card = r.getByRole("listitem").filter({ has: form });
  await card.getByText("second approval needed").waitFor();
  await card.getByRole("list", { name: "Findings by rule" }).waitFor();
  await accessible(r, "review queue with findings");
  await screenshot(r, "review-findings");
  await form.getByLabel(`Reason for ${title}`).fill("The credential is a documented example.");
  await form.getByRole("button", { name: "Approve" }).click();
  await r.getByText(/another reviewer must approve/).waitFor(TIMEOUT);
  await p.getByTestId("live-status").filter({ hasText: "v1.1.0: IN_REVIEW" }).waitFor(TIMEOUT);
  await yourPackage(p, state.fullName).filter({ hasText: /v1\.0\.0 PUBLISHED v1\.1\.0 IN_REVIEW\s*$/ }).waitFor(TIMEOUT);
  await p.getByTestId("submitted").filter({ hasText: "v1.1.0 submitted, now IN_REVIEW" }).waitFor(TIMEOUT);

  const second = await page();
  await signIn(second, SECOND_REVIEWER.email, SECOND_REVIEWER.password);
  await second.getByRole("link", { name: "Review" }).click();
  const secondForm = second.getByRole("form", { name: `Review ${title}` });
  await secondForm.getByLabel(`Reason for ${title}`).fill("Agreed.");
  await secondForm.getByRole("button", { name: "Approve" }).click();
  await second.getByText(`${title}: now PUBLISHED.`).waitFor(TIMEOUT);
  await p.getByTestId("live-status").filter({ hasText: "v1.1.0: PUBLISHED" }).waitFor(TIMEOUT);
  await yourPackage(p, state.fullName).filter({ hasText: /v1\.1\.0 PUBLISHED\s*$/ }).waitFor(TIMEOUT);
  await p.getByTestId("submitted").filter({ hasText: "v1.1.0 submitted, now PUBLISHED" }).waitFor(TIMEOUT);

  const c = state.consumer;
  await c.reload();
  await c.getByRole("button", { name: "Upgrade to v1.1.0" }).click();
  await c.getByText("Installed:").locator("..").filter({ hasText: "v1.1.0" }).waitFor(TIMEOUT);
  const versions = await c.getByRole("list", { name: "Versions" }).getByRole("heading", { level: 3 }).allInnerTexts();
  assert.deepEqual(versions.map((text) => text.split(" ")[0]), ["v1.1.0", "v1.0.0"], "the newest version first");
});

step("usage reported through the API appears on the billing chart without a reload", async () => {
  const c = state.consumer;
  await c.getByRole("link", { name: "Billing" }).click();
  await c.getByRole("button", { name: new RegExp(`\\(${PLAN}\\)$`) }).click();
  // The plan is ours once the page shows it; usage reported before that is refused (NO_SUBSCRIPTION).
  await c.getByRole("region", { name: "Plan" }).getByText(/ a month · since /).waitFor(TIMEOUT);
  const total = c.getByTestId("usage-total-tokens");
  await total.filter({ hasText: /^0$/ }).waitFor(TIMEOUT);
  const api = await AtomClient.logIn(BASE_URL, { email: state.consumerEmail, password: PASSWORD });
  const report = await api.reportUsage([{ meter: "tokens", quantity: "1520" }]);
  assert.equal(report.accepted, 1);
  await total.filter({ hasText: /^1520$/ }).waitFor(TIMEOUT);
  const points = Number(await c.getByTestId("usage-chart-tokens").getAttribute("data-points"));
  assert.ok(points >= 1, "the chart holds the new total");
  // the upcoming invoice follows: its tokens line is asked for again once the updates pause
  const upcoming = c.getByRole("table", { name: "Lines of the upcoming invoice" });
  await upcoming.getByRole("row").filter({ hasText: "Model tokens (token)" }).getByRole("cell", { name: "1520", exact: true }).waitFor(TIMEOUT);
  assert.ok(c.assets.some((asset) => CHARTS_CHUNK.test(asset)), "the billing page loads the charts");
  await accessible(c, "billing page");
  await screenshot(c, "billing");
});

step("a member's new role takes effect", async () => {
  const owner = state.consumer;
  const m = await page();
  const memberEmail = `member-${run}@example.com`;
  state.memberEmail = memberEmail;
  await signUp(m, { email: memberEmail });

  await owner.getByRole("link", { name: "Auth Studio" }).click();
  await owner.getByLabel("E-mail to invite").fill(memberEmail);
  await owner.getByLabel("Role", { exact: true }).selectOption("viewer");
  await owner.getByRole("button", { name: "Invite" }).click();
  const token = await owner.locator('[role=status]:has-text("Invitation token") code').innerText();

  await m.getByRole("link", { name: "Organizations" }).click();
  await m.getByLabel("Invitation token").fill(token);
  await m.getByRole("button", { name: "Accept invitation" }).click();
  await m.getByRole("heading", { name: "Marketplace" }).waitFor(TIMEOUT);
  assert.equal(await m.getByLabel("Organization", { exact: true }).inputValue(), state.consumerSlug);
  await m.getByRole("link", { name: "Billing" }).click();
  await m.getByRole("heading", { name: /Budgets and alerts/ }).waitFor(TIMEOUT);
  assert.equal(await m.getByRole("form", { name: "Create a budget" }).count(), 0, "a viewer cannot change budgets");

  // The owner: the policy tester says no, the role is added, the tester says yes.
  await owner.reload();
  const test = owner.getByRole("form", { name: "Test a policy decision" });
  await test.getByLabel("Subject").selectOption({ label: memberEmail });
  await test.getByLabel("Resource").fill("billing");
  await test.getByLabel("Action").fill("write");
  await test.getByRole("button", { name: "Test" }).click();
  await owner.getByText("denied").first().waitFor(TIMEOUT);
  await owner.getByLabel(`Role to add to ${memberEmail}`).selectOption("billing");
  await owner.getByRole("button", { name: `Add role to ${memberEmail}` }).click();
  await owner.getByRole("button", { name: `Remove role billing from ${memberEmail}` }).waitFor(TIMEOUT);
  await test.getByRole("button", { name: "Test" }).click();
  await owner.getByText("allowed").first().waitFor(TIMEOUT);
  await accessible(owner, "Auth Studio");
  await screenshot(owner, "auth-studio");

  await m.reload();
  await m.getByRole("form", { name: "Create a budget" }).waitFor(TIMEOUT);
  state.member = m;
});

step("an audit entry arrives live", async () => {
  const owner = state.consumer;
  await owner.getByRole("link", { name: "Audit" }).click();
  await owner.getByRole("status", { name: "Audit stream: live" }).waitFor(TIMEOUT);
  await owner.getByTestId("chain-status").filter({ hasText: "verified" }).waitFor(TIMEOUT);
  const rows = owner.getByRole("table", { name: "Audit entries" }).locator("tbody tr");
  await rows.first().waitFor(TIMEOUT);
  const before = await rows.count();
  // An API key created elsewhere (through the SDK) is an audit entry of this organization.
  const api = await AtomClient.logIn(BASE_URL, { email: state.consumerEmail, password: PASSWORD });
  await api.request((await import("@atom-cloud/sdk")).CreateApiKeyDocument, { input: { name: `audit-${run}`, scopes: ["packages:read"] } });
  await owner.waitForFunction(
    (count) => document.querySelectorAll('table[aria-label="Audit entries"] tbody tr').length > count,
    before,
    TIMEOUT,
  );
  await owner.getByRole("cell", { name: "createApiKey" }).first().waitFor(TIMEOUT);
  const [download] = await Promise.all([owner.waitForEvent("download"), owner.getByRole("button", { name: "Export (NDJSON)" }).click()]);
  const exported = (await readFile(await download.path(), "utf8")).trim().split("\n").map((line) => JSON.parse(line));
  assert.ok(exported.some((entry) => entry.action === "createApiKey"), "the export holds the new entry");
  // Actors are named by the member's e-mail, the raw id in the tooltip; the filter takes the e-mail too.
  const created = owner.getByRole("row").filter({ has: owner.getByRole("cell", { name: "createApiKey" }) }).first();
  const actor = created.getByTitle(/\(user:[0-9a-f-]{36}\)$/);
  assert.equal(await actor.innerText(), state.consumerEmail);
  // So is the target: the key by its name, its global ID in the tooltip.
  const target = created.getByTitle(/^API key \(.+\)$/);
  assert.match(await target.innerText(), new RegExp(`^API key audit-${run} \\(`));
  await accessible(owner, "audit page");
  await screenshot(owner, "audit");
  await owner.getByLabel("Actor").fill(state.consumerEmail);
  await owner.getByRole("button", { name: "Apply filters" }).click();
  await owner.getByRole("cell", { name: "createApiKey" }).first().waitFor(TIMEOUT);
  const actors = await owner.getByRole("table", { name: "Audit entries" }).locator("tbody tr td:nth-child(3)").allInnerTexts();
  assert.ok(actors.length > 0 && actors.every((name) => name === state.consumerEmail), `only the owner's entries: ${actors}`);
  await accessible(owner, "audit page, filtered by actor");
  await screenshot(owner, "audit-filtered");
});

step("a second organization shows none of the first one's data; the switcher goes back", async () => {
  const c = state.consumer;
  await c.getByRole("link", { name: "Organizations" }).click();
  const form = c.getByRole("form", { name: "Create an organization" });
  await form.getByLabel("Organization name").fill(`Second ${run}`);
  await form.getByLabel("Organization slug").fill(`second-${run}`);
  await accessible(c, "organizations page");
  await screenshot(c, "organizations");
  await form.getByRole("button", { name: "Create organization" }).click();
  await c.getByRole("heading", { name: "Auth Studio" }).waitFor(TIMEOUT);
  const switcher = c.getByLabel("Organization", { exact: true });
  assert.equal(await switcher.inputValue(), `second-${run}`);
  await c.getByRole("heading", { name: "Members" }).waitFor(TIMEOUT);
  await c.getByRole("cell", { name: `use-${run} <${state.consumerEmail}>`, exact: true }).waitFor(TIMEOUT);
  assert.equal(await c.getByText(state.memberEmail).count(), 0, "the first organization's member is not listed");
  await c.getByRole("link", { name: "Billing" }).click();
  await c.getByText("No plan yet. Choose one:").waitFor(TIMEOUT);
  await c.getByRole("link", { name: "Audit" }).click();
  await c.getByTestId("chain-status").filter({ hasText: "verified" }).waitFor(TIMEOUT);
  await c.getByRole("table", { name: "Audit entries" }).locator("tbody tr").first().waitFor(TIMEOUT);
  assert.equal(await c.getByRole("cell", { name: "createApiKey" }).count(), 0, "the first organization's entries are not listed");

  await switcher.selectOption(state.consumerSlug);
  await c.getByRole("heading", { name: "Marketplace" }).waitFor(TIMEOUT);
  assert.equal(await c.getByLabel("Organization", { exact: true }).inputValue(), state.consumerSlug);
  await c.getByRole("link", { name: "Billing" }).click();
  await c.getByTestId("usage-total-tokens").filter({ hasText: /^1520$/ }).waitFor(TIMEOUT);
});

step("GraphiQL opens with the token; other tabs share the session and its sign-out; sign in", async () => {
  const p = state.consumer;
  const [explorer] = await Promise.all([p.context().waitForEvent("page"), p.getByRole("link", { name: "GraphiQL" }).click()]);
  await explorer.waitForLoadState();
  await explorer.waitForFunction(() => document.body.innerText.includes("Bearer"), null, TIMEOUT);
  assert.equal(new URL(explorer.url()).hash, "", "the token is taken out of the address");
  await explorer.close();
  // Another tab resumes the saved session, and follows this one when it signs out.
  const tab = await p.context().newPage();
  await tab.goto(`${BASE_URL}/billing`);
  await tab.getByRole("heading", { name: "Billing", exact: true }).waitFor(TIMEOUT);
  await p.getByRole("button", { name: "Sign out" }).click();
  await p.getByRole("heading", { name: "Sign in" }).waitFor();
  await tab.getByRole("heading", { name: "Sign in" }).waitFor(TIMEOUT);
  await tab.close();
  await accessible(p, "sign-in page");
  await screenshot(p, "sign-in");
  await signIn(p, state.consumerEmail, PASSWORD);
});

step("an expired or refused access token is refreshed silently", async () => {
  const p = state.consumer;
  const stored = () => p.evaluate(() => JSON.parse(window.localStorage.getItem("atom.launchpad.session")));
  const store = (session) => p.evaluate((s) => window.localStorage.setItem("atom.launchpad.session", JSON.stringify(s)), session);
  const signedIn = await stored();
  // Past its expiry: the SDK refreshes before the first request.
  await store({ ...signedIn, accessTokenExpiresAt: "2000-01-01T00:00:00Z" });
  await p.goto(`${BASE_URL}/audit`);
  await p.getByTestId("chain-status").filter({ hasText: "verified" }).waitFor(TIMEOUT);
  const refreshed = await stored();
  assert.notEqual(refreshed.refreshToken, signedIn.refreshToken, "a new refresh token was saved");
  // Refused by the server: refreshed once, the requests sent again, the live stream resubscribed.
  await store({ ...refreshed, accessToken: "not-a-token", accessTokenExpiresAt: null });
  await p.goto(`${BASE_URL}/audit`);
  await p.getByTestId("chain-status").filter({ hasText: "verified" }).waitFor(TIMEOUT);
  await p.getByRole("status", { name: "Audit stream: live" }).waitFor(TIMEOUT);
  const again = await stored();
  assert.notEqual(again.refreshToken, refreshed.refreshToken);
  assert.notEqual(again.accessToken, "not-a-token");
  assert.equal(await p.getByRole("heading", { name: "Sign in" }).count(), 0);
});

step("the installer uninstalls it: the install count drops and Install is offered again", async () => {
  const c = state.consumer;
  await c.goto(`${BASE_URL}/packages/${state.fullName}`);
  const summary = c.locator("p.muted").filter({ hasText: `${state.fullName} · by ` });
  await summary.filter({ hasText: "· 1 install ·" }).waitFor(TIMEOUT);
  await c.getByText("Installed:").locator("..").filter({ hasText: "v1.1.0" }).waitFor(TIMEOUT);
  await c.getByRole("button", { name: "Uninstall" }).click();
  await c.getByRole("button", { name: "Install", exact: true }).waitFor(TIMEOUT);
  await summary.filter({ hasText: "· 0 installs ·" }).waitFor(TIMEOUT);
  assert.equal(await c.getByText("Installed:").count(), 0, "no install shown");
  assert.equal(await c.getByRole("button", { name: "Uninstall" }).count(), 0);
  await accessible(c, "package page, uninstalled");
  await screenshot(c, "package-uninstalled");
});

step("a budget alert fires live on the billing page when usage crosses its threshold", async () => {
  const c = state.consumer;
  await c.getByRole("link", { name: "Billing" }).click();
  const total = c.getByTestId("usage-total-tokens");
  await total.filter({ hasText: /^1520$/ }).waitFor(TIMEOUT);
  const budget = `Tokens ${run}`;
  const form = c.getByRole("form", { name: "Create a budget" });
  await form.getByLabel("Budget name").fill(budget);
  await form.getByLabel("Meter").selectOption("tokens");
  await form.getByLabel("Threshold").fill("2000");
  await form.getByRole("button", { name: "Create budget" }).click();
  await c.getByRole("button", { name: `Delete budget ${budget}` }).waitFor(TIMEOUT);
  await c.getByRole("status", { name: "Budget alerts: live" }).waitFor(TIMEOUT);
  assert.equal(await c.getByRole("list", { name: "Budget alerts" }).count(), 0, "no alert before the threshold is crossed");
  // 1520 + 1000 tokens: past 2000.
  const api = await AtomClient.logIn(BASE_URL, { email: state.consumerEmail, password: PASSWORD });
  assert.equal((await api.reportUsage([{ meter: "tokens", quantity: "1000" }])).accepted, 1);
  const alerts = c.getByRole("list", { name: "Budget alerts" }).getByRole("alert");
  const text = new RegExp(`^${budget}: 2,520 token reached its threshold of 2,000 token \\(\\d{4}-\\d{2}\\)$`);
  await alerts.filter({ hasText: text }).waitFor(TIMEOUT);
  await total.filter({ hasText: /^2520$/ }).waitFor(TIMEOUT);
  assert.equal(await alerts.count(), 1, "one alert per budget and period");
  // The alert stays after a reload (Budget.alerts), listed but no longer announced, and the budget says it was reached.
  await c.reload();
  const kept = c.getByRole("list", { name: "Budget alerts" }).getByRole("listitem").filter({ hasText: text });
  await kept.waitFor(TIMEOUT);
  assert.equal(await c.getByRole("list", { name: "Budget alerts" }).getByRole("alert").count(), 0, "history is not announced");
  await c.getByRole("listitem").filter({ hasText: `${budget}: 2,000 token a month` }).getByText("reached this month").waitFor(TIMEOUT);
  // Neither a publisher nor the operator: revenue is not asked for, so no refused read lands in the audit log.
  await c.getByText("Revenue reports are for publishers and the platform operator.").waitFor(TIMEOUT);
  const { AuditLogDocument } = await import("@atom-cloud/sdk");
  for (const action of ["read:revenueByMonth", "read:revenueByPackage", "read:revenueByPublisher"]) {
    const { auditLog } = await api.request(AuditLogDocument, { filter: { action }, first: 5 });
    assert.equal(auditLog.totalCount, 0, `${action} refused and audited on a Billing visit`);
  }
  await c.getByRole("heading", { name: /Budgets and alerts/ }).scrollIntoViewIfNeeded();
  await accessible(c, "billing page with a budget alert");
  await screenshot(c, "billing-budget-alert");
});

step("a custom role edited in the permission matrix takes effect (policy tester, the member's page)", async () => {
  const owner = state.consumer;
  const member = state.memberEmail;
  await owner.getByRole("link", { name: "Auth Studio" }).click();
  const summary = owner.getByText(/ · policy v\d+ · your permissions: /);
  state.policyBefore = Number((await summary.innerText()).match(/policy v(\d+)/)[1]);

  const role = `auditor-${run}`;
  state.customRole = role;
  const create = owner.getByRole("form", { name: "Create a role" });
  await create.getByLabel("Role name").fill(role);
  await create.getByLabel("Role description").fill("Reads the audit log.");
  await create.getByRole("button", { name: "Create role" }).click();
  const box = (permission, checked) => owner.getByRole("checkbox", { name: `${role}: ${permission}`, exact: true, ...(checked === undefined ? {} : { checked }) });
  await box("audit:read", false).waitFor(TIMEOUT);
  assert.ok(await box("audit:read").isEnabled(), "a custom role is editable");
  assert.ok(await owner.getByRole("checkbox", { name: "viewer: audit:read", exact: true }).isDisabled(), "a built-in role is not");
  // Each toggle is saved at once (grantPermission / revokePermission); the matrix shows what the server holds.
  await box("audit:read").click();
  await box("audit:read", true).waitFor(TIMEOUT);
  await box("packages:install").click();
  await box("packages:install", true).waitFor(TIMEOUT);
  await box("packages:install").click();
  await box("packages:install", false).waitFor(TIMEOUT);
  await owner.getByRole("region", { name: "Permission matrix" }).scrollIntoViewIfNeeded();
  await accessible(owner, "Auth Studio with a custom role");
  await screenshot(owner, "auth-studio-custom-role");

  // The member (viewer and billing) may not read the audit log until given the role.
  const tester = owner.getByRole("form", { name: "Test a policy decision" });
  const decision = owner.getByRole("region", { name: "Policy tester" }).getByRole("status");
  await tester.getByLabel("Subject").selectOption({ label: member });
  await tester.getByLabel("Resource").fill("audit");
  await tester.getByLabel("Action").fill("read");
  await tester.getByRole("button", { name: "Test" }).click();
  await decision.filter({ hasText: /^denied audit:read/ }).waitFor(TIMEOUT);
  await owner.getByLabel(`Role to add to ${member}`).selectOption(role);
  await owner.getByRole("button", { name: `Add role to ${member}` }).click();
  await owner.getByRole("button", { name: `Remove role ${role} from ${member}` }).waitFor(TIMEOUT);
  await tester.getByRole("button", { name: "Test" }).click();
  await decision.filter({ hasText: /^allowed audit:read/ }).waitFor(TIMEOUT);
  assert.match(await decision.innerText(), new RegExp(`role:${role}`), "the deciding rule is the custom role's");
  await screenshot(owner, "auth-studio-custom-role-allowed");

  const m = state.member;
  await m.reload();
  await m.getByRole("link", { name: "Audit" }).click();
  await m.getByTestId("chain-status").filter({ hasText: "verified" }).waitFor(TIMEOUT);
});

step("policy versions: the role changes are new versions, and the diff shows what changed", async () => {
  const owner = state.consumer;
  const role = state.customRole;
  const summary = owner.getByText(/ · policy v\d+ · your permissions: /);
  const after = Number((await summary.innerText()).match(/policy v(\d+)/)[1]);
  assert.ok(after > state.policyBefore, `a new policy version (v${state.policyBefore} → v${after})`);
  const section = owner.getByRole("region", { name: "Policy versions" });
  await section.getByText(new RegExp(`^v${after} · `)).waitFor(TIMEOUT);
  const compare = section.getByRole("form", { name: "Compare policy versions" });
  // Everything since before the role was created: the permission granted and revoked again is not in it.
  await compare.getByLabel("From version").selectOption(String(state.policyBefore));
  await compare.getByLabel("To version").selectOption(String(after));
  await compare.getByRole("button", { name: "Show diff" }).click();
  const diff = section.getByLabel(`Policy diff v${state.policyBefore} → v${after}`, { exact: true });
  await diff.getByText(new RegExp(`^\\+ p, role:${role}, .*audit, read`)).waitFor(TIMEOUT);
  const lines = (await diff.innerText()).split("\n").filter(Boolean);
  assert.ok(lines.every((line) => line.startsWith("+ ")), `only additions: ${lines}`);
  assert.ok(lines.some((line) => line.startsWith("+ g, ") && line.endsWith(`role:${role}`)), `the member given the role: ${lines}`);
  assert.ok(!lines.some((line) => line.includes("packages, install")), `granted and revoked: not a change: ${lines}`);
  // The last step alone: the role given to the member.
  await compare.getByLabel("From version").selectOption(String(after - 1));
  await compare.getByRole("button", { name: "Show diff" }).click();
  const last = section.getByLabel(`Policy diff v${after - 1} → v${after}`, { exact: true });
  // the member is named by e-mail, not by user:<uuid>
  const escaped = state.memberEmail.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  await last.getByText(new RegExp(`^\\+ g, ${escaped}, .*role:${role}$`)).waitFor(TIMEOUT);
  assert.equal((await last.innerText()).split("\n").filter(Boolean).length, 1, await last.innerText());
  await section.scrollIntoViewIfNeeded();
  await accessible(owner, "Auth Studio, policy diff");
  await screenshot(owner, "auth-studio-policy-diff");
});

step(
  "an invoice's detail: a finalized invoice shows its lines",
  async () => {
    const i = await page();
    await signIn(i, INVOICED.email, INVOICED.password);
    await i.getByRole("link", { name: "Billing" }).click();
    const invoice = i.getByRole("button", { name: new RegExp(`^${INVOICE.number} · .+ · OPEN$`) });
    await invoice.waitFor(TIMEOUT);
    assert.equal(await invoice.getAttribute("aria-expanded"), "false");
    await invoice.click();
    assert.equal(await invoice.getAttribute("aria-expanded"), "true");
    const lines = i.getByRole("table", { name: `Lines of ${INVOICE.number}` });
    const shown = await lines.locator("tbody tr").evaluateAll((rows) => rows.map((row) => [row.cells[0].textContent, row.cells[1].textContent]));
    assert.deepEqual(shown, INVOICE.lines);
    await i.getByText(/^Subtotal .+ · Total .+$/).waitFor();
    await lines.scrollIntoViewIfNeeded();
    await accessible(i, "billing page, invoice detail");
    await screenshot(i, "billing-invoice");
  },
  { independent: true },
);

step(
  "the marketplace loads its next page when the end of the list scrolls into view",
  async () => {
    const s = await page();
    await signIn(s, CATALOG.email, CATALOG.password);
    await s.goto(`${BASE_URL}/marketplace`);
    const shown = () => s.evaluate(() => document.querySelectorAll('ul[aria-label="Packages"] > li').length);
    // The whole catalog (the publisher's private packages among it) scrolled past its first page:
    // a new search must start from its own first page, never from this one's cursor.
    await s.waitForFunction(() => document.querySelectorAll('ul[aria-label="Packages"] > li').length >= 20, null, TIMEOUT);
    await s.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await s.waitForFunction(() => document.querySelectorAll('ul[aria-label="Packages"] > li').length > 20, null, TIMEOUT);
    await s.getByLabel("Publisher").fill(CATALOG.namespace);
    await s.getByRole("button", { name: "Search" }).click();
    const titles = () => s.getByRole("list", { name: "Packages" }).getByRole("heading").allInnerTexts();
    const all = Array.from({ length: CATALOG.packages }, (_, index) => `Scroll ${String(index + 1).padStart(2, "0")}`);
    // Only the publisher's own packages, the first page of them (20).
    await s.getByText(`${CATALOG.packages} packages`, { exact: true }).waitFor(TIMEOUT);
    await s.waitForFunction((count) => document.querySelectorAll('ul[aria-label="Packages"] > li').length === count, 20, TIMEOUT);
    // and no more until the end of the list is scrolled to
    await s.waitForTimeout(500);
    assert.equal(await shown(), 20);
    const first = await titles();
    assert.equal(new Set(first).size, 20);
    assert.ok(first.every((title) => all.includes(title)), `only the catalog's packages: ${first}`);
    // Scrolled to the end: the rest arrive, no button pressed.
    await s.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await s.waitForFunction((count) => document.querySelectorAll('ul[aria-label="Packages"] > li').length === count, CATALOG.packages, TIMEOUT);
    assert.deepEqual([...(await titles())].sort(), all);
    assert.equal(await s.getByRole("button", { name: "Load more" }).count(), 0, "nothing more to load");
    await accessible(s, "marketplace, scrolled");
    await screenshot(s, "marketplace-scrolled");
  },
  { independent: true },
);

step(
  "a package's versions: the newest first, the older ones on request",
  async () => {
    const v = await page();
    await signIn(v, CATALOG.email, CATALOG.password);
    await v.goto(`${BASE_URL}/packages/${CATALOG.namespace}/scroll-01`);
    const list = v.getByRole("list", { name: "Versions" });
    const shown = async () => (await list.getByRole("heading", { level: 3 }).allInnerTexts()).map((text) => text.split(" ")[0]);
    // 1.0.0 to 1.0.<n-1> were submitted in turn: the newest first, a page of 10.
    const all = Array.from({ length: CATALOG.versions }, (_, index) => `v1.0.${CATALOG.versions - 1 - index}`);
    await v.getByRole("heading", { name: `Versions (${CATALOG.versions})` }).waitFor(TIMEOUT);
    await list.getByRole("heading", { name: /^v1\.0\.\d+/ }).nth(9).waitFor(TIMEOUT);
    assert.deepEqual(await shown(), all.slice(0, 10));
    await accessible(v, "package page, newest versions");
    await v.getByRole("button", { name: "Show older versions" }).click();
    await list.getByRole("heading", { name: /^v1\.0\.0 / }).waitFor(TIMEOUT);
    assert.deepEqual(await shown(), all, "the older ones after the newer, each once");
    assert.equal(await v.getByRole("button", { name: "Show older versions" }).count(), 0, "none older");
    await screenshot(v, "package-versions");
  },
  { independent: true },
);
