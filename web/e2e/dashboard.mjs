// The dashboard's end-to-end test in a real browser: playwright-core
// driving Debian's chromium (never a downloaded browser) against a lab's
// controller. Started by TestLabDashboard (test/interop/dashboard_test.go),
// which brings the lab up and passes, in the environment:
//
//   E2E_URL                  the dashboard, https://127.0.0.1:PORT
//   E2E_SPKI                 base64 SHA-256 of the controller's public key (trusted by chromium)
//   E2E_CHROMIUM             the browser (default /usr/bin/chromium)
//   E2E_ADMIN_USER, E2E_ADMIN_PASSWORD_FILE, E2E_VIEWER_USER, E2E_VIEWER_PASSWORD_FILE
//   E2E_SITES, E2E_PATHS     JSON arrays: every site's name, every path's ID (as `patronus paths` prints it)
//   E2E_CUT_PATHS            JSON array: the paths that E2E_CUT takes down
//   E2E_CUT, E2E_RESTORE     JSON argv: `patronus lab impair … --down` / `--up`
//   E2E_SCREENSHOTS          where the screenshots go (a temporary directory, docs/screenshots
//                            with UPDATE_SCREENSHOTS=1); empty: none
//   E2E_APP, E2E_APP_SITE    an application the test's traffic is, and the site that sent it:
//                            the overview and that site's page must show it, and the page of
//                            the path its flow (still running) takes its current flows
//   E2E_OTHER_NETWORK        another network of the controller, with no sites: the network
//                            selector must show it empty and switch back
//
// It prints one line per step and exits non-zero at the first failure.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (k, def) => {
  const v = process.env[k] ?? def;
  if (v === undefined) throw new Error(`${k} is not set (TestLabDashboard sets it)`);
  return v;
};
const URL0 = env("E2E_URL");
const SITES = JSON.parse(env("E2E_SITES"));
const PATHS = JSON.parse(env("E2E_PATHS"));
const CUT_PATHS = JSON.parse(env("E2E_CUT_PATHS"));
const CUT = JSON.parse(env("E2E_CUT"));
const RESTORE = JSON.parse(env("E2E_RESTORE"));
const SHOTS = env("E2E_SCREENSHOTS", "");
const admin = { user: env("E2E_ADMIN_USER"), password: readFileSync(env("E2E_ADMIN_PASSWORD_FILE"), "utf8").trim() };
const viewer = { user: env("E2E_VIEWER_USER"), password: readFileSync(env("E2E_VIEWER_PASSWORD_FILE"), "utf8").trim() };
const APP = env("E2E_APP", "");
const APP_SITE = env("E2E_APP_SITE", "");
const OTHER_NETWORK = env("E2E_OTHER_NETWORK", "");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
/** The bundle budget of scripts/budget.mjs (one number, read from there). */
const BUDGET_KB = Number(/const BUDGET_KB = (\d+);/.exec(readFileSync(new URL("../scripts/budget.mjs", import.meta.url), "utf8"))[1]);
/** Flow summaries come every 30 s and the tables follow every 30 s: an application shows within this. */
const APP_MS = 90_000;
/** The contract: a cut path is down on the pages within this long, without a reload. */
const LIVE_MS = 2000;

const t0 = Date.now();
const log = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const problems = [];

function fail(msg) {
  throw new Error(msg);
}

/** Watches a page for what must never happen: script errors, CSP violations, failed loads. */
function watch(page, name) {
  page.on("pageerror", (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/401|Unauthorized/.test(m.text())) problems.push(`${name}: console error: ${m.text()} (${m.location()?.url ?? "?"})`);
  });
  page.on("requestfailed", (r) => {
    // A WebSocket or fetch cut short by a navigation or sign-out is not a failure.
    const why = r.failure()?.errorText ?? "";
    if (!/ERR_ABORTED/.test(why)) problems.push(`${name}: request failed: ${r.url()} ${why}`);
  });
}

/** Runs axe-core on the page, or on the open dialog only (the page behind a modal is inert). */
async function axe(page, what, within) {
  // No page shows an error while the test runs.
  const alerts = await page.locator('[role="alert"]').allTextContents();
  if (alerts.length) fail(`${what} shows an error: ${alerts.join(" | ")}`);
  await page.evaluate(AXE);
  const r = await page.evaluate(async (within) => {
    const res = await axe.run(within ? document.querySelector(within) : document, { resultTypes: ["violations"] });
    return res.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  }, within);
  if (r.length) fail(`axe-core on ${what}:\n  ${r.join("\n  ")}`);
  log(`axe-core: ${what}: no violations`);
}

async function shot(page, name) {
  if (!SHOTS) return;
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function signIn(page, who) {
  await page.goto(URL0 + "/");
  await page.getByLabel("Username").fill(who.user);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: /^Overview/ }).waitFor({ timeout: 15_000 });
}

/** The ID of a path whose current flows (through the API, as the admin) include one of app, within ms. */
async function pathCarrying(page, app, ms) {
  const id = await page.evaluate(
    async ({ user, password, app, ms }) => {
      const tok = await fetch("/api/v1/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: user, password }),
      }).then((r) => r.json());
      for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 2000))) {
        const r = await fetch("/api/v2/graphql", {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${tok.access_token}` },
          body: JSON.stringify({ query: "{ paths { nodes { id currentFlows { application } } } }" }),
        }).then((r) => r.json());
        const p = (r.data?.paths.nodes ?? []).find((n) => n.currentFlows.some((f) => f.application === app));
        if (p) return p.id;
      }
      return null;
    },
    { ...admin, app, ms },
  );
  return id ?? fail(`no path's current flows include ${app} within ${ms / 1000} s`);
}

/** Waits until every path of ids is in state on the page (rows or edges with data-path-id). */
async function waitStates(page, ids, state, timeout) {
  await page.waitForFunction(
    ({ ids, state }) =>
      ids.every((id) => {
        const el = [...document.querySelectorAll("[data-path-id]")].find((e) => e.getAttribute("data-path-id") === id);
        return el && el.getAttribute("data-state") === state;
      }),
    { ids, state },
    { timeout, polling: 50 },
  );
}

async function main() {
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: env("E2E_CHROMIUM", "/usr/bin/chromium"),
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--ignore-certificate-errors-spki-list=${env("E2E_SPKI")}`,
    ],
  });
  try {
    await run(browser);
  } finally {
    await browser.close();
  }
}

let firstLoad = null;

async function run(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: "dark" });
  const page = await ctx.newPage();
  watch(page, "admin");
  // Long tasks and the largest contentful paint from the first instant of
  // the first page (the init script runs before the app's; CSP does not
  // apply to it): what Lighthouse's TBT and LCP are made of.
  await page.addInitScript(() => {
    window.__perf = { longTasks: [], lcp: 0 };
    new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__perf.longTasks.push([e.startTime, e.duration]))).observe({ type: "longtask", buffered: true });
    new PerformanceObserver((l) => l.getEntries().forEach((e) => (window.__perf.lcp = e.startTime))).observe({ type: "largest-contentful-paint", buffered: true });
  });

  // Sign-in page, then the overview naming every site.
  const resp = await page.goto(URL0 + "/");
  await page.getByLabel("Username").waitFor();
  await page.waitForTimeout(1000); // quiet: the load's long tasks are over
  firstLoad = await measureFirstLoad(page);
  log(`first load: ${JSON.stringify(firstLoad)}`);
  if (firstLoad.bundle_kib > BUDGET_KB) fail(`the first load's bundle is ${firstLoad.bundle_kib} KiB on the wire, over the budget of ${BUDGET_KB} KiB (scripts/budget.mjs)`);
  const csp = resp?.headers()["content-security-policy"] ?? "";
  if (!csp.includes("default-src 'self'")) fail(`/ has Content-Security-Policy ${csp}`);
  await axe(page, "sign-in");
  await shot(page, "signin");
  await signIn(page, admin);
  await page.getByText("● live").waitFor({ timeout: 10_000 });
  log("signed in as " + admin.user + "; the live WebSocket is connected");
  for (const s of SITES) await page.getByRole("link", { name: s, exact: true }).first().waitFor({ timeout: 10_000 });
  await page.getByText(/^\d+ \/ \d+$/).first().waitFor();
  log(`overview names every site: ${SITES.join(", ")}`);
  await waitForText(page, "paths up", String(PATHS.length));
  await axe(page, "overview");
  await shot(page, "overview");

  // /paths: every path by its ID, up.
  await page.getByRole("link", { name: "Paths", exact: true }).click();
  await page.waitForURL(URL0 + "/paths");
  for (const id of PATHS) await page.getByText(id, { exact: true }).waitFor({ timeout: 10_000 });
  await waitStates(page, PATHS, "up", 30_000);
  log(`/paths lists every path up: ${PATHS.join(", ")}`);
  await axe(page, "paths");
  await shot(page, "paths");

  // The topology, in a second tab (signed in on its own: a session is per tab).
  const topo = await ctx.newPage();
  watch(topo, "topology");
  await signIn(topo, admin);
  await topo.getByRole("link", { name: "Topology" }).click();
  await topo.getByRole("group", { name: "Network topology" }).waitFor();
  await waitStates(topo, PATHS, "up", 30_000);
  for (const s of SITES) await topo.locator(`[data-site="${s}"]`).waitFor();
  log("topology shows every site and every path up");
  await axe(topo, "topology");
  await shot(topo, "topology");

  // Cut site1's inet link: its paths turn down on both pages, live.
  for (const p of [page, topo]) await p.evaluate(() => (window.__noReload = true));
  execFileSync(CUT[0], CUT.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
  const cutAt = Date.now();
  await Promise.all([
    waitStates(page, CUT_PATHS, "down", LIVE_MS),
    waitStates(topo, CUT_PATHS, "down", LIVE_MS),
  ]).catch((e) => fail(`cut paths not down on /paths and the topology within ${LIVE_MS} ms: ${e.message}`));
  const took = Date.now() - cutAt;
  for (const p of [page, topo]) if (!(await p.evaluate(() => window.__noReload === true))) fail("a page reloaded");
  log(`cut site1/inet: ${CUT_PATHS.join(", ")} down on /paths and the topology ${took} ms after the cut, no reload`);
  await shot(topo, "topology-link-down");
  await shot(page, "paths-link-down");

  // A path's page (charts, events), then a site's page, as the admin.
  await page.getByRole("link", { name: CUT_PATHS[0], exact: true }).click();
  await page.getByRole("heading", { name: new RegExp(escape(CUT_PATHS[0])) }).waitFor();
  await page.getByRole("img", { name: /^Latency over time/ }).waitFor();
  await page.getByText("down", { exact: true }).first().waitFor();
  await page.waitForTimeout(2500); // a few live reports on the charts
  await axe(page, "path");
  await shot(page, "path");
  await page.getByRole("link", { name: "site1", exact: true }).first().click();
  await page.getByRole("heading", { name: /^site1/ }).waitFor();
  await page.getByRole("button", { name: "Revoke site" }).waitFor();
  await page.getByRole("button", { name: "Delete site" }).waitFor();
  await page.getByRole("button", { name: "Revoke site" }).click();
  await page.getByRole("dialog", { name: "Revoke site1?" }).waitFor();
  await axe(page, "site, revoke dialog", '[role="dialog"]');
  await shot(page, "site-revoke");
  await page.keyboard.press("Escape");
  await page.getByRole("dialog").waitFor({ state: "detached" });
  await page.getByText(/No BGP speaker configured/).waitFor(); // the lab's sites have no routers
  await axe(page, "site");
  await shot(page, "site");
  log("path and site pages: charts, edit controls with confirmation for the admin");

  // Restore the link: up again, live.
  execFileSync(RESTORE[0], RESTORE.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
  await waitStates(topo, CUT_PATHS, "up", 30_000);
  log("restored site1/inet: its paths up again on the topology");

  // The test's traffic under its application: on the sending site's page
  // and on the overview (flow summaries every 30 s; the tables follow).
  if (APP) {
    await page.goto(URL0 + "/sites/" + encodeURIComponent(APP_SITE));
    const mine = page.getByRole("table", { name: `Applications ${APP_SITE} sent in the last hour` });
    await mine.getByRole("rowheader", { name: APP, exact: true }).waitFor({ timeout: APP_MS }).catch(() => fail(`${APP_SITE}'s page does not show ${APP} within ${APP_MS / 1000} s`));
    await axe(page, "site, flows by application");
    await shot(page, "site-applications");
    await page.getByRole("link", { name: "Overview" }).click();
    const top = page.getByRole("table", { name: "Top applications in the last hour" });
    await top.getByRole("rowheader", { name: APP, exact: true }).waitFor({ timeout: APP_MS }).catch(() => fail(`the overview does not show ${APP}`));
    log(`the test's ${APP} traffic shows on ${APP_SITE}'s page and in the overview's top applications`);

    // The same application's flow, still running: in the current flows of
    // the path it takes (the edges report them every 10 s).
    const flowPath = await pathCarrying(page, APP, APP_MS);
    await page.goto(URL0 + "/paths/" + flowPath.split("/").map(encodeURIComponent).join("/"));
    const flows = page.getByRole("table", { name: "Current flows on this path" });
    await flows.getByRole("cell", { name: APP, exact: true }).first().waitFor({ timeout: 30_000 }).catch(() => fail(`${flowPath}'s page does not list the ${APP} flow`));
    await axe(page, "path, current flows");
    await shot(page, "path-flows");
    log(`the ${APP} flow shows in the current flows of ${flowPath}`);
  }

  // The light theme, by keyboard: Tab to the theme button, Enter.
  await topo.getByRole("link", { name: "Overview" }).click();
  await topo.getByRole("button", { name: "Switch to the light theme" }).focus();
  await topo.keyboard.press("Enter");
  await topo.getByRole("button", { name: "Switch to the dark theme" }).waitFor();
  await axe(topo, "overview, light theme");
  await shot(topo, "overview-light");

  // The network selector: every page's queries follow it. The other
  // network has none of this one's sites or paths; a reload keeps the
  // choice (per tab); back to default, the sites are there again.
  if (OTHER_NETWORK) {
    await checkNetworkSelector(topo);
    log(`network selector: ${OTHER_NETWORK} shows no sites on the overview, topology and paths pages, kept across a reload; default shows them again`);
  }

  // A viewer: no edit controls; the API refuses the mutation anyway.
  const vctx = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const vpage = await vctx.newPage();
  watch(vpage, "viewer");
  await signIn(vpage, viewer);
  await vpage.goto(URL0 + "/sites/site1");
  await vpage.getByRole("heading", { name: /^site1/ }).waitFor();
  await vpage.getByRole("table", { name: "Links" }).waitFor();
  for (const name of ["Revoke site", "Delete site"]) {
    if (await vpage.getByRole("button", { name }).count()) fail(`the viewer sees "${name}"`);
  }
  const refused = await vpage.evaluate(
    async ({ user, password }) => {
      const tok = await fetch("/api/v1/auth/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: user, password }),
      }).then((r) => r.json());
      const r = await fetch("/api/v2/graphql", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${tok.access_token}` },
        body: JSON.stringify({ query: 'mutation { revokeSite(name: "site1") { state } }' }),
      });
      return { status: r.status, body: await r.json() };
    },
    viewer,
  );
  const code = refused.body?.errors?.[0]?.extensions?.code;
  if (code !== "FORBIDDEN" || refused.body?.data?.revokeSite) fail(`the viewer's revokeSite: ${JSON.stringify(refused)}`);
  log("viewer: no edit controls on the site page; the API refused revokeSite (FORBIDDEN)");
  await axe(vpage, "site, as a viewer");

  // Sign out: back to the sign-in page, and a reload stays signed out.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await page.reload();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  log("signed out");

  // The overview on a phone-sized screen.
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: "dark", isMobile: true });
  const ppage = await phone.newPage();
  watch(ppage, "phone");
  await signIn(ppage, admin);
  for (const s of SITES) await ppage.getByRole("link", { name: s, exact: true }).first().waitFor();
  const overflow = await ppage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) fail(`the overview is ${overflow} px wider than a phone's screen`);
  await shot(ppage, "overview-phone");
  log("overview fits a 390 px wide screen");

  if (problems.length) fail(`the pages reported:\n  ${problems.join("\n  ")}`);
  console.log(JSON.stringify({ result: "ok", cut_to_down_ms: took, first_load: firstLoad, seconds: (Date.now() - t0) / 1000 }));
}

/**
 * The first load, cold (a new browser profile), as Lighthouse reads it
 * from the Performance API: first and largest contentful paint, total
 * blocking time (the long tasks' time beyond 50 ms after the first paint,
 * up to now), the bytes on the wire, and the bundle's (index.html, its
 * scripts and style sheets). docs/BENCHMARKS.md records them.
 */
async function measureFirstLoad(page) {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const fcp = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1;
    const res = performance.getEntriesByType("resource");
    const bytes = res.reduce((n, r) => n + r.transferSize, nav.transferSize);
    const bundle = res.filter((r) => /\/assets\/.*\.(js|css)$/.test(new URL(r.name).pathname)).reduce((n, r) => n + r.transferSize, nav.transferSize);
    const tbt = window.__perf.longTasks.filter(([start]) => start >= fcp).reduce((n, [, d]) => n + Math.max(0, d - 50), 0);
    return {
      ttfb_ms: Math.round(nav.responseStart),
      dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
      load_ms: Math.round(nav.loadEventEnd),
      first_contentful_paint_ms: Math.round(fcp),
      largest_contentful_paint_ms: Math.round(window.__perf.lcp),
      total_blocking_time_ms: Math.round(tbt),
      long_tasks: window.__perf.longTasks.length,
      transferred_kib: +(bytes / 1024).toFixed(1),
      bundle_kib: +(bundle / 1024).toFixed(1),
    };
  });
}

async function checkNetworkSelector(page) {
  const select = page.getByRole("combobox", { name: "Network" });
  await page.getByRole("link", { name: "Overview" }).click();
  await select.selectOption(OTHER_NETWORK);
  await page.getByRole("heading", { name: `Overview: ${OTHER_NETWORK}` }).waitFor({ timeout: 15_000 });
  await waitForText(page, "sites online", "0 / 0");
  await waitForText(page, "paths up", "0");
  for (const s of SITES) if (await page.getByRole("link", { name: s, exact: true }).count()) fail(`network ${OTHER_NETWORK}'s overview names ${s}`);
  await axe(page, `overview of network ${OTHER_NETWORK}`);
  await page.reload();
  await page.getByRole("heading", { name: `Overview: ${OTHER_NETWORK}` }).waitFor({ timeout: 15_000 });
  if ((await select.inputValue()) !== OTHER_NETWORK) fail(`after a reload the selector shows ${await select.inputValue()}`);
  await page.getByRole("link", { name: "Topology" }).click();
  await page.getByRole("heading", { name: `Topology: ${OTHER_NETWORK}` }).waitFor();
  await page.getByText(/0 sites · 0 paths/).waitFor();
  if (await page.locator("[data-path-id], [data-site]").count()) fail(`network ${OTHER_NETWORK}'s topology draws sites or paths`);
  await page.getByRole("link", { name: "Paths", exact: true }).click();
  await page.getByRole("heading", { name: "Paths" }).waitFor();
  await page.waitForTimeout(1000); // the query's answer
  if (await page.locator("[data-path-id]").count()) fail(`network ${OTHER_NETWORK}'s paths page lists paths`);
  await select.selectOption("default");
  await waitStates(page, PATHS, "up", 30_000);
  await page.getByRole("link", { name: "Overview" }).click();
  await page.getByRole("heading", { name: "Overview: default" }).waitFor();
  for (const s of SITES) await page.getByRole("link", { name: s, exact: true }).first().waitFor({ timeout: 10_000 });
}

async function waitForText(page, label, value) {
  await page
    .locator(".stat", { hasText: label })
    .locator(".stat-value", { hasText: new RegExp(`^${value}$`) })
    .waitFor({ timeout: 20_000 })
    .catch(() => fail(`overview: "${label}" is not ${value}`));
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

main().catch((e) => {
  console.error("FAIL:", e.message);
  process.exit(1);
});
