import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAttributeCli } from "./attributeCli.ts";
import { buildAttributionIndex } from "./buildAttributionIndex.ts";
import { createAttributionEngine, loadAttributionEngine } from "./createAttributionEngine.ts";
import { createByteTokenizer } from "./createByteTokenizer.ts";
import { attributionResultToJson } from "./encodeAttributionResult.ts";
import { readContributionFolder } from "./readContributionFolder.ts";

const cli = join(import.meta.dirname, "attributeCli.ts");
const dir = mkdtempSync(join(tmpdir(), "attribution-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

const docs = join(dir, "docs");
mkdirSync(docs);
writeFileSync(
  join(docs, "101.txt"),
  "Datanets collect domain data that contributors upload and validators accept on chain.",
);
writeFileSync(
  join(docs, "102.jsonl"),
  `${JSON.stringify({ text: "Every inference is recorded and the contributors whose data shaped it get paid in OPEN." })}\n`,
);
writeFileSync(
  join(docs, "103.txt"),
  "Ünïcödé is fine too: 東京 🦀, and validators accept on chain what they check.",
);
const outputFile = join(dir, "output.txt");
writeFileSync(
  outputFile,
  "As documented: Datanets collect domain data that contributors upload and validators accept, and every inference is recorded and the contributors whose data shaped it get paid. Ünïcödé is fine too: 東京 🦀!",
);

describe("attributeCli", () => {
  // The children use the byte tokenizer: building cl100k's BPE tables costs each process a second of CPU, and
  // what must be identical across processes is the index and the attribution (cl100k is tested in-process).
  it("indexes a folder and traces an output in a second process, byte-identical to this process", () => {
    const indexFile = join(dir, "docs.idx");
    const indexed = run("index", docs, indexFile, "--tokenizer", "utf8-bytes");
    expect(indexed.status, indexed.stderr).toBe(0);
    expect(JSON.parse(indexed.stdout)).toMatchObject({
      contributions: 3,
      documents: 3,
      tokenizer: "utf8-bytes",
    });

    const traced = run("trace", indexFile, outputFile);
    expect(traced.status, traced.stderr).toBe(0);
    const fromChild = JSON.parse(traced.stdout);
    expect(fromChild.entries.map((e: { contributionId: string }) => e.contributionId)).toEqual([
      "101",
      "102",
      "103",
    ]);

    // The same computation here, from the folder (not the file): same entries, spans and hashes.
    const tokenizer = createByteTokenizer();
    const engine = createAttributionEngine({
      index: buildAttributionIndex({ contributions: readContributionFolder(docs), tokenizer }),
      tokenizer,
    });
    const here = attributionResultToJson(engine.attribute(readFileSync(outputFile, "utf8"))) as Record<
      string,
      unknown
    >;
    const { spans, ...rest } = fromChild;
    const { spans: hereSpans, ...hereRest } = here;
    expect(rest).toEqual(hereRest);
    expect(spans.map(({ text: _, ...s }: { text: string }) => s)).toEqual(hereSpans);

    expect(loadAttributionEngine(indexFile).attribute(tokenizer.encode("nothing")).attributed).toBe(false);
  });

  it("prints help, and clear errors for bad usage, missing files and corrupted indexes", () => {
    const cliRun = (...args: string[]) => {
      let stdout = "";
      let stderr = "";
      const status = runAttributeCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
      return { status, stdout, stderr };
    };
    const help = cliRun("--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage:/);
    const unknown = cliRun("frobnicate");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    expect(cliRun("index", docs).status).toBe(2);
    expect(cliRun("trace", "a", "b", "--min-span", "zero").stderr).toMatch(
      /--min-span must be a positive integer/,
    );
    expect(cliRun("--bogus").status).toBe(2);
    const missing = cliRun("trace", join(dir, "nope.idx"), outputFile);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/Index file .*nope.idx does not exist/);
    writeFileSync(join(dir, "bad.idx"), "OLPOAIDX garbage garbage garbage garbage garbage garbage");
    const corrupt = cliRun("trace", join(dir, "bad.idx"), outputFile);
    expect(corrupt.status).toBe(1);
    expect(corrupt.stderr).toMatch(/corrupted|not an attribution index|version/);
    const noFolder = cliRun("index", join(dir, "missing-folder"), join(dir, "x.idx"));
    expect(noFolder.status).toBe(1);
    expect(noFolder.stderr).toMatch(/Cannot read folder/);
    // And as a real process: the exit code and a message, no stack trace.
    const child = run("trace", join(dir, "bad.idx"), outputFile);
    expect(child.status).toBe(1);
    expect(child.stderr).toMatch(/^error: .*(corrupted|version)/);
    expect(child.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it("takes --min-span and --max-entries through `olnode attribute trace` as documented", async () => {
    const { main } = await import("../cli/olnode.ts");
    const indexFile = join(dir, "olnode.idx");
    const viaOlnode = async (...args: string[]) => {
      let stdout = "";
      let stderr = "";
      const io = {
        stdout: {
          write: (t: string) => {
            stdout += t;
            return true;
          },
        },
        stderr: {
          write: (t: string) => {
            stderr += t;
            return true;
          },
        },
      } as unknown as Parameters<typeof main>[1];
      const status = await main(["attribute", ...args], io);
      return { status, stdout, stderr };
    };
    const indexed = await viaOlnode("index", docs, indexFile, "--tokenizer", "utf8-bytes");
    expect(indexed.status, indexed.stderr).toBe(0);
    const traced = await viaOlnode("trace", indexFile, outputFile, "--min-span", "3", "--max-entries", "2");
    expect(traced.status, traced.stderr).toBe(0);
    const result = JSON.parse(traced.stdout);
    expect(result.options).toMatchObject({ minSpanLength: 3, maxEntries: 2 });
    expect(result.entries.length).toBeLessThanOrEqual(2);
    expect(Math.min(...result.spans.map((s: { length: number }) => s.length))).toBeLessThan(8);
    const bad = await viaOlnode("trace", indexFile, outputFile, "--min-span", "0");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--min-span must be a positive integer/);
  });
});
