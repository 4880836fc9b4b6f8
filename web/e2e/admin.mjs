// The end-to-end test of the dashboard's editing pages in a real browser:
// playwright-core driving Debian's chromium (never a downloaded browser)
// against a lab's controller. Its inputs are those of e2e/dashboard.mjs, in
// the environment:
//
//   E2E_URL                  the dashboard, https://127.0.0.1:PORT
//   E2E_SPKI                 base64 SHA-256 of the controller's public key (trusted by chromium);
//                            or E2E_CA_FILE: the controller's CA, with which this script checks the
//                            server's certificate and computes the key's hash itself
//   E2E_CHROMIUM             the browser (default /usr/bin/chromium)
//   E2E_ADMIN_USER, E2E_ADMIN_PASSWORD_FILE
//   E2E_SCREENSHOTS          where the screenshots go (docs/screenshots); empty: none
//
// By hand, on a lab (`sudo make lab`), from web/:
//
//   eval "$(patronus lab status --json | node e2e/admin.mjs --env)"   # E2E_URL, E2E_CA_FILE, E2E_ADMIN_* of the lab
//   E2E_SCREENSHOTS=../docs/screenshots node e2e/admin.mjs
//
// It signs in as the admin; creates a join token and checks the edge
// command the page shows; edits the policy set (a wrong value first: the
// server's error beside the field), reviews the diff and applies it, and
// waits for the configuration revision to move; reads the events and the
// audit log (the change is there); creates a viewer user and an API key;
// signs in as that viewer: no edit controls on the editing pages, and
// enrols TOTP on the account page (QR code, a code computed here, recovery
// codes); then removes what it made. It prints one line per step and exits
// non-zero at the first failure.
import { createHmac, createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { isIP } from "node:net";
import { connect } from "node:tls";
import { chromium } from "playwright-core";

if (process.argv[2] === "--env") {
  // patronus lab status --json on stdin: its dashboard as this script's environment.
  const d = JSON.parse(readFileSync(0, "utf8")).dashboard;
  if (!d) throw new Error("the lab has no dashboard (a lab without a controller?)");
  const q = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;
  console.log(`export E2E_URL=${q(d.url)} E2E_CA_FILE=${q(d.ca_file)} E2E_ADMIN_USER=${q(d.username)} E2E_ADMIN_PASSWORD_FILE=${q(d.password_file)}`);
  process.exit(0);
}

const env = (k, def) => {
  const v = process.env[k] ?? def;
  if (v === undefined) throw new Error(`${k} is not set (see the top of e2e/admin.mjs)`);
  return v;
};
const URL0 = env("E2E_URL").replace(/\/$/, "");
const SHOTS = env("E2E_SCREENSHOTS", "");
const admin = { user: env("E2E_ADMIN_USER"), password: readFileSync(env("E2E_ADMIN_PASSWORD_FILE"), "utf8").trim() };
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const RUN = Date.now().toString(36);

const t0 = Date.now();
const log = (msg) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
const problems = [];

function fail(msg) {
  throw new Error(msg);
}

/** The base64 SHA-256 of the server's public key, its certificate verified with the CA file. */
function spkiFromCA(caFile) {
  const u = new URL(URL0);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port || 443), ca: readFileSync(caFile), servername: isIP(u.hostname) ? undefined : u.hostname }, () => {
      const der = s.getPeerX509Certificate().publicKey.export({ type: "spki", format: "der" });
      s.end();
      resolve(createHash("sha256").update(der).digest("base64"));
    });
    s.on("error", reject);
  });
}

/** A TOTP code (RFC 6238: SHA-1, 6 digits, 30 s) of a base32 secret. */
function totp(secret, now = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(now / 30_000)));
  const h = createHmac("sha1", key).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

function watch(page, name) {
  page.on("pageerror", (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on("console", (m) => {
    // The refused sign-in code and the wrong policy value answer 400/401 on purpose;
    // /favicon.ico is the browser's own guess (the web branch's index.html names an icon).
    if (m.location()?.url?.endsWith("/favicon.ico")) return;
    if (m.type() === "error" && !/401|Unauthorized|400|Bad Request/.test(m.text())) problems.push(`${name}: console error: ${m.text()} (${m.location()?.url ?? "?"})`);
  });
  page.on("requestfailed", (r) => {
    const why = r.failure()?.errorText ?? "";
    if (!/ERR_ABORTED/.test(why)) problems.push(`${name}: request failed: ${r.url()} ${why}`);
  });
}

/** axe-core on the page (or the open dialog). Errors on purpose are checked before; none may be showing. */
async function axe(page, what, within) {
  const alerts = (await page.locator('[role="alert"]').allTextContents()).filter((t) => t.trim());
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
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function signIn(page, who) {
  await page.goto(URL0 + "/");
  await page.getByLabel("Username").fill(who.user);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: /^Overview/ }).waitFor({ timeout: 15_000 });
}

async function nav(page, link, heading) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true }).click();
  await page.getByRole("heading", { name: heading, exact: true, level: 1 }).waitFor();
}

async function main() {
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  const spki = process.env.E2E_SPKI || (await spkiFromCA(env("E2E_CA_FILE")));
  const browser = await chromium.launch({
    executablePath: env("E2E_CHROMIUM", "/usr/bin/chromium"),
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", `--ignore-certificate-errors-spki-list=${spki}`],
  });
  try {
    await run(browser);
  } finally {
    await browser.close();
  }
}

async function run(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: "dark" });
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: URL0 });
  const page = await ctx.newPage();
  watch(page, "admin");
  await signIn(page, admin);
  log("signed in as " + admin.user);

  // Enrol a site: a join token, shown once with the command to run.
  const site = `e2e-${RUN}`.slice(0, 32);
  await nav(page, "Enrol a site", "Enrol a site");
  await page.getByLabel("Site name").fill(site);
  await page.getByLabel("Valid for").fill("1h");
  await page.getByRole("button", { name: "Create join token" }).click();
  const cmd = (await page.getByTestId("edge-command").textContent()).trim();
  const secret = (await page.getByTestId("Join token").textContent()).trim();
  const want = `patronus edge --controller ${new URL(URL0).host} --join-token ${secret}`;
  if (!secret || cmd !== want) fail(`edge command ${JSON.stringify(cmd)}, want ${JSON.stringify(want)}`);
  await page.getByRole("button", { name: "Copy command" }).click();
  await page.getByText("Copied.").waitFor();
  if ((await page.evaluate(() => navigator.clipboard.readText())) !== cmd) fail("the copied command differs from the one shown");
  const row = page.locator("tr", { hasText: site });
  await row.getByText("outstanding").waitFor();
  log(`join token for ${site}: the page shows ${cmd.replace(secret, "<secret>")}`);
  await axe(page, "enrol");
  await shot(page, "enrol");
  await row.getByRole("button", { name: /^Revoke token/ }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
  await row.getByText("revoked").waitFor();
  log("revoked it");

  // Policies: an SLA class added; a wrong value first, its error beside the field.
  await nav(page, "Policies", "Policies");
  const rev0 = Number(await page.getByTestId("revision").textContent());
  await page.getByRole("button", { name: "Add SLA class" }).click();
  const groups = page.getByRole("group", { name: /^SLA class \d+$/ });
  const cls = groups.nth((await groups.count()) - 1);
  await cls.getByLabel("Name").fill(`e2e-${RUN}`.slice(0, 32));
  await cls.getByLabel("Max latency").fill("5m");
  await page.getByRole("button", { name: "Review changes" }).click();
  await page.getByTestId("diff").locator(".add", { hasText: `"maxLatency": "5m"` }).first().waitFor();
  await page.getByRole("button", { name: `Apply to revision ${rev0}` }).click();
  const latency = cls.getByLabel("Max latency");
  await page.waitForFunction((el) => el.getAttribute("aria-invalid") === "true", await latency.elementHandle());
  const described = await latency.evaluate((el) => document.getElementById(el.getAttribute("aria-describedby"))?.textContent ?? "");
  if (!/5m0s/.test(described)) fail(`the latency field's error says ${JSON.stringify(described)}`);
  log(`policies: the server's error beside the field: ${described}`);
  await latency.fill("180ms");
  await page.getByRole("button", { name: "Review changes" }).click();
  await page.getByTestId("diff").locator(".add", { hasText: `"maxLatency": "180ms"` }).first().waitFor();
  await axe(page, "policies, diff");
  await shot(page, "policies-diff");
  await page.getByRole("button", { name: `Apply to revision ${rev0}` }).click();
  await page.getByText(/Applied: the network is at revision \d+/).waitFor();
  await page.waitForFunction((r) => Number(document.querySelector('[data-testid="revision"]')?.textContent) > r, rev0);
  const rev1 = Number(await page.getByTestId("revision").textContent());
  log(`policies: applied, the configuration revision moved ${rev0} -> ${rev1}`);
  await page.getByRole("table", { name: "Policy changes" }).getByText("policy.set").first().waitFor();
  await shot(page, "policies");

  // Events and the audit log.
  await nav(page, "Events", "Events");
  await page.getByRole("table", { name: "Events" }).waitFor();
  await axe(page, "events");
  await shot(page, "events");
  await nav(page, "Audit log", "Audit log");
  await page.getByLabel("Action").fill("policy.set");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await page.getByRole("table", { name: "Audit log" }).getByText(new RegExp(`"revision": ${rev1}`)).first().waitFor({ state: "attached" });
  log(`audit log: policy.set to revision ${rev1} is there`);
  await axe(page, "audit log");
  await shot(page, "audit");

  // Users: a viewer and an API key (its secret shown once).
  const vname = `e2e-viewer-${RUN}`;
  const vpass = `e2e ${RUN} ${Math.random().toString(36).slice(2)} pass`;
  await nav(page, "Users", "Users and API keys");
  const uf = page.getByRole("form", { name: "Create a user" });
  await uf.getByLabel("User name").fill(vname);
  await uf.getByLabel("Role").selectOption("VIEWER");
  await uf.getByLabel("Initial password").fill(vpass);
  await uf.getByRole("button", { name: "Create user" }).click();
  await page.getByRole("table", { name: "Users" }).getByRole("rowheader", { name: vname }).waitFor();
  const kf = page.getByRole("form", { name: "Create an API key" });
  await kf.getByLabel("Key name").fill(`e2e-${RUN}`);
  await kf.getByRole("button", { name: "Create API key" }).click();
  const key = (await page.getByTestId("API key").textContent()).trim();
  if (!key) fail("no API key secret shown");
  log(`users: created the viewer ${vname} and an API key`);
  await axe(page, "users");
  await shot(page, "users");

  // The viewer: no edit controls; MFA enrolment on the account page.
  const vctx = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: "light" });
  const vpage = await vctx.newPage();
  watch(vpage, "viewer");
  await signIn(vpage, { user: vname, password: vpass });
  await nav(vpage, "Policies", "Policies");
  await vpage.getByRole("table", { name: "SLA classes of the policy set" }).waitFor();
  await nav(vpage, "Enrol a site", "Enrol a site");
  await vpage.getByRole("table", { name: "Join tokens" }).waitFor();
  for (const name of ["Review changes", "Add SLA class", "Create join token", "Revoke"]) {
    if (await vpage.getByRole("button", { name }).count()) fail(`the viewer sees "${name}"`);
  }
  for (const link of ["Users", "Audit log"]) {
    if (await vpage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link, exact: true }).count()) fail(`the viewer has the ${link} link`);
  }
  log("viewer: no edit controls on Policies and Enrol, no Users or Audit log");
  await axe(vpage, "policies, as a viewer (light theme)");
  await nav(vpage, "Account", "Account");
  await vpage.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  const qr = vpage.getByRole("img", { name: "QR code of your authenticator setup" });
  await qr.waitFor();
  if (!(await qr.getAttribute("src")).startsWith("data:image/svg+xml")) fail("the QR code is not an SVG image");
  const totpSecret = (await vpage.getByTestId("totp-secret").textContent()).trim();
  await axe(vpage, "account, TOTP enrolment");
  await shot(vpage, "account-mfa");
  await vpage.getByLabel("Code from the app").fill(totp(totpSecret));
  await vpage.getByRole("button", { name: "Verify and turn on" }).click();
  await vpage
    .getByTestId("recovery-codes")
    .waitFor({ timeout: 10_000 })
    .catch(async () => fail(`no recovery codes; the page says: ${(await vpage.locator('[role="alert"]').allTextContents()).join(" | ")}`));
  const codes = await vpage.getByTestId("recovery-codes").locator("li").allTextContents();
  if (codes.length !== 10) fail(`${codes.length} recovery codes shown, want 10`);
  log("account: TOTP enrolled from the QR code's secret; 10 recovery codes shown once");
  await vctx.close();

  // Tidy up: the viewer, the key, the SLA class.
  await page.reload();
  await page.getByRole("table", { name: "Users" }).waitFor();
  await page.getByRole("button", { name: `Delete ${vname}` }).click();
  const dlg = page.getByRole("dialog");
  await dlg.getByLabel(/Type/).fill(vname);
  await dlg.getByRole("button", { name: "Delete user" }).click();
  await page.getByRole("rowheader", { name: vname }).waitFor({ state: "detached" });
  await page.getByRole("button", { name: `Revoke API key e2e-${RUN}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
  await page.getByRole("dialog").waitFor({ state: "detached" });
  await nav(page, "Policies", "Policies");
  await page.getByRole("button", { name: `Remove SLA class e2e-${RUN}`.slice(0, 64) }).click();
  await page.getByRole("button", { name: "Review changes" }).click();
  await page.getByRole("button", { name: `Apply to revision ${rev1}` }).click();
  await page.getByText(/Applied: the network is at revision \d+/).waitFor();
  log("tidied up: the viewer, the API key and the SLA class removed");

  if (problems.length) fail(`the pages reported:\n  ${problems.join("\n  ")}`);
  console.log(JSON.stringify({ result: "ok", revision_before: rev0, revision_after: rev1, seconds: (Date.now() - t0) / 1000 }));
}

main().catch((e) => {
  console.error("FAIL:", e.message);
  process.exit(1);
});
