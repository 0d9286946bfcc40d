import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Benchmark } from "./benchmark.ts";

/**
 * `npm run bench` runs every benchmark in test/bench/*.bench.ts; `npm run bench -- <prefix> …` only those
 * whose name starts with a prefix (`p2p`, `attribution.trace`). Opt-in benchmarks (hours, or gigabytes of disk, such
 * as `attribution.build_1b`) run only when named in full. Figures go to stdout as JSON lines; progress
 * and errors go to stderr so stdout stays machine-readable.
 */
const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith("-"));

const benchmarks: Benchmark[] = [];
for (const file of readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort()) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Benchmark[] };
  benchmarks.push(...mod.default);
}
const selected = benchmarks.filter((b) =>
  b.optIn ? filters.includes(b.name) : filters.length === 0 || filters.some((f) => b.name.startsWith(f)),
);
if (selected.length === 0) {
  console.error(
    `No benchmark matches ${filters.join(", ")}. Known: ${benchmarks.map((b) => b.name).join(", ")}`,
  );
  process.exit(2);
}
let failed = 0;
for (const b of selected) {
  console.error(`# ${b.name}: ${b.description}`);
  try {
    for (const f of await b.run()) console.log(JSON.stringify(f));
  } catch (error) {
    failed++;
    console.error(`# ${b.name} failed:`, error);
  }
}
// Benchmarks start child processes; make sure none outlives the run.
process.exit(failed ? 1 : 0);
