// Helpers of the Launchpad's browser tests: Debian's chromium through playwright-core (never a
// downloaded browser), pages that may reach 127.0.0.1 only, axe-core checks and screenshots.
import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const BASE_URL = process.env.ATOM_URL ?? "http://127.0.0.1:8000";
export const CHROMIUM = process.env.ATOM_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = process.env.ATOM_E2E_ARTIFACTS ?? join(here, "artifacts");
/** Where docs/launchpad.md's screenshots go (set by the pytest driver; unset: none taken). */
export const DOC_SHOTS = process.env.ATOM_E2E_DOC_SCREENSHOTS ?? "";
const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** A fresh context (its own localStorage: one signed-in person) whose requests stay on 127.0.0.1. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  const external = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (["data:", "blob:", "about:"].includes(url.protocol) || url.hostname === "127.0.0.1") return route.continue();
    external.push(route.request().url());
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.external = external;
  page.errors = errors;
  return page;
}

const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe-core in the page: the serious and critical violations (none expected). */
export async function seriousViolations(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const report = await axe.run(document, { resultTypes: ["violations"] });
    return report.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  });
  return result.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
}

/** A full-page screenshot into the artifacts (and docs/launchpad/NAME.jpg when asked for). */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (DOC_SHOTS) {
    // For docs/launchpad.md: the first screen, as a small JPEG (committed).
    await mkdir(DOC_SHOTS, { recursive: true });
    await page.screenshot({ path: join(DOC_SHOTS, `${name}.jpg`), type: "jpeg", quality: 70 });
  }
  return file;
}

export async function signIn(page, email, password) {
  await page.goto(`${BASE_URL}/sign-in`);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}
