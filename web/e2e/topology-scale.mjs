// The topology page at fleet scale, in a real browser: playwright-core
// driving Debian's chromium against a controller that test/bench/webload
// started with hundreds of simulated edges whose paths change state all
// the time. It signs in, opens /topology, waits until every path is drawn,
// then measures for E2E_MEASURE_S seconds, while the live updates stream,
// the frame times (requestAnimationFrame), the long tasks (over 50 ms) and
// the path state changes the page drew; and how long the page took to draw
// every path. It prints one JSON line. Inputs (set by webload):
//
//   E2E_URL, E2E_SPKI, E2E_CHROMIUM   as e2e/dashboard.mjs
//   E2E_USER, E2E_PASSWORD_FILE       a user (viewer is enough)
//   E2E_PATHS                         how many paths the page must draw
//   E2E_MEASURE_S                     the measurement (default 20)
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const env = (k, def) => {
  const v = process.env[k] ?? def;
  if (v === undefined) throw new Error(`${k} is not set (test/bench/webload sets it)`);
  return v;
};
const URL0 = env("E2E_URL");
const PATHS = Number(env("E2E_PATHS"));
const MEASURE_S = Number(env("E2E_MEASURE_S", "20"));
const who = { user: env("E2E_USER"), password: readFileSync(env("E2E_PASSWORD_FILE"), "utf8").trim() };

async function main() {
  const browser = await chromium.launch({
    executablePath: env("E2E_CHROMIUM", "/usr/bin/chromium"),
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", `--ignore-certificate-errors-spki-list=${env("E2E_SPKI")}`],
  });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 720 } })).newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(URL0 + "/");
    await page.getByLabel("Username").fill(who.user);
    await page.getByLabel("Password").fill(who.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: /^Overview/ }).waitFor({ timeout: 30_000 });
    const t0 = Date.now();
    await page.getByRole("link", { name: "Topology" }).click();
    await page.waitForFunction((n) => document.querySelectorAll("[data-path-id]").length >= n, PATHS, { timeout: 120_000, polling: 100 });
    const drawnMs = Date.now() - t0;
    const m = await page.evaluate(async (seconds) => {
      const frames = [];
      const longTasks = [];
      let changes = 0;
      new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration))).observe({ type: "longtask" });
      const mo = new MutationObserver((recs) => recs.forEach((r) => r.attributeName === "data-state" && changes++));
      mo.observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
      await new Promise((done) => {
        const end = performance.now() + seconds * 1000;
        let last = performance.now();
        const tick = (now) => {
          frames.push(now - last);
          last = now;
          if (now < end) requestAnimationFrame(tick);
          else done();
        };
        requestAnimationFrame(tick);
      });
      mo.disconnect();
      return { frames, longTasks, changes, drawn: document.querySelectorAll("[data-path-id]").length };
    }, MEASURE_S);
    const f = [...m.frames].sort((a, b) => a - b);
    const q = (p) => +f[Math.min(f.length - 1, Math.floor(p * f.length))].toFixed(1);
    console.log(JSON.stringify({
      result: errors.length ? "page errors" : "ok", errors, paths_drawn: m.drawn, first_draw_ms: drawnMs, measure_s: MEASURE_S,
      frames: f.length, fps: +(f.length / MEASURE_S).toFixed(1), frame_ms_p50: q(0.5), frame_ms_p95: q(0.95), frame_ms_p99: q(0.99),
      frame_ms_max: +f[f.length - 1].toFixed(1), frames_over_50ms: f.filter((x) => x > 50).length,
      long_tasks: m.longTasks.length, long_task_ms_total: Math.round(m.longTasks.reduce((a, b) => a + b, 0)),
      state_changes_drawn: m.changes,
    }));
    if (errors.length) process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error("FAIL:", e.message);
  process.exit(1);
});
