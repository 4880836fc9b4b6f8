// The first load's size budget: what index.html loads (itself, its scripts
// and style sheets), gzip-compressed as controller/webui serves them.
// `npm run budget` after a build; fails above BUDGET_KB. docs/WEB.md.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 120;
const dist = new URL("../../controller/webui/dist/", import.meta.url).pathname;
const index = readFileSync(join(dist, "index.html"));
const files = ["index.html", ...[...index.toString().matchAll(/(?:src|href)="\/([^"]+\.(?:js|css))"/g)].map((m) => m[1])];
let total = 0;
for (const f of files) {
  const raw = readFileSync(join(dist, f));
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  console.log(`${f.padEnd(36)} ${(raw.length / 1024).toFixed(1).padStart(7)} KiB  gzip ${(gz / 1024).toFixed(1).padStart(6)} KiB`);
}
console.log(`first load: ${(total / 1024).toFixed(1)} KiB gzip (budget ${BUDGET_KB} KiB)`);
if (total > BUDGET_KB * 1024) {
  console.error(`over the budget of ${BUDGET_KB} KiB: vite build prints each chunk's size; look at what the last change added`);
  process.exit(1);
}
