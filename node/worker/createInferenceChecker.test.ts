import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Hex, keccak256 } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { createByteTokenizer } from "../attribution/createByteTokenizer.ts";
import { buildAttributionClaim } from "../devnet/buildAttributionClaim.ts";
import { createInferenceChecker } from "./createInferenceChecker.ts";
import type { AcceptedContribution, InferenceSubject, SubjectSource } from "./subjects/subjectTypes.ts";
import { syntheticText } from "./validation/syntheticText.ts";
import type { CheckResult } from "./workerTypes.ts";

const tokenizer = createByteTokenizer();
const encoder = new TextEncoder();

// Twelve contributions to one Datanet; id 4 is accepted late (after 5 and 6), as happens when its epoch
// finalizes later: the accepted set then grows in the middle, not only at the end.
const acceptedAt = [10n, 10n, 10n, 100n, 40n, 40n, 110n, 110n, 110n, 110n, 110n, 110n];
const contributions = acceptedAt.map((block, i) => {
  const text = syntheticText(100 + i, 300);
  return { id: BigInt(i + 1), block, text, dataRoot: keccak256(encoder.encode(text)) };
});

function corpusAt(block: bigint) {
  return contributions.filter((c) => c.block <= block);
}

/** An output quoting three accepted contributions, and the claim its developer records. */
function inference(id: bigint, block: bigint, dishonest: boolean) {
  const corpus = corpusAt(block);
  const quoted = [corpus[0]!, corpus[Math.floor(corpus.length / 2)]!, corpus[corpus.length - 1]!];
  const output = quoted
    .map((c, k) =>
      c.text
        .split(" ")
        .slice(20 * k, 20 * k + 25)
        .join(" "),
    )
    .join(". ");
  const claim = buildAttributionClaim({
    tokenizer,
    corpus: corpus.map((c) => ({
      contributionId: c.id,
      format: "text" as const,
      content: encoder.encode(c.text),
    })),
    output,
    dishonest,
  });
  if (!claim) throw new Error("the output should quote the corpus");
  const subject: InferenceSubject = {
    kind: 1,
    id,
    modelId: 1n,
    outputRoot: keccak256(encoder.encode(output)),
    status: "recorded",
    recordedBlock: block,
    ...claim,
  };
  return { subject, output };
}

function createFakes(outputs: Map<Hex, string>) {
  const fetches = new Map<bigint, number>();
  const byRoot = new Map(contributions.map((c) => [c.dataRoot, c]));
  const subjects = {
    modelDatanets: async () => [1n],
    acceptedContributions: async (_datanets: bigint[], atBlock?: bigint): Promise<AcceptedContribution[]> =>
      corpusAt(atBlock ?? 1_000n).map((c) => ({
        id: c.id,
        datanetId: 1n,
        dataRoot: c.dataRoot,
        byteSize: BigInt(c.text.length),
        format: "text",
      })),
  } as unknown as SubjectSource;
  const content = {
    async getContribution(root: Hex) {
      const c = byRoot.get(root);
      if (c) {
        fetches.set(c.id, (fetches.get(c.id) ?? 0) + 1);
        return encoder.encode(c.text);
      }
      const output = outputs.get(root);
      return output === undefined ? undefined : encoder.encode(output);
    },
  };
  return { subjects, content, fetches };
}

const ctx = { epoch: 1n, pastDeadline: false };
const done = (r: CheckResult) => {
  if (r.kind !== "done") throw new Error(`expected a verdict, got ${r.kind}: ${r.reason}`);
  return r;
};

const indexDir = mkdtempSync(join(tmpdir(), "inference-checker-"));
afterAll(() => rmSync(indexDir, { recursive: true, force: true }));

describe("createInferenceChecker", () => {
  it.each([
    ["in memory", { maxShards: 2 }],
    ["as index files, one open at a time", { indexDir, openIndexes: 1, cacheSize: 3 }],
  ])(
    "grows its corpus %s as contributions are accepted, with reports identical to a fresh build",
    async (_, options) => {
      const cases = [
        inference(1n, 20n, false), // ids 1-3
        inference(2n, 50n, true), // 1-3, 5, 6: grows at the end
        inference(3n, 105n, false), // 1-6: id 4 lands in the middle
        inference(4n, 120n, false), // all twelve
        inference(5n, 120n, true),
      ];
      const outputs = new Map(cases.map((c) => [c.subject.outputRoot, c.output]));
      const warm = createFakes(outputs);
      // maxShards 2: the growth to twelve contributions also merges shards. Files: each corpus is rewritten as
      // one merged index file, and the fresh in-memory build must agree with it byte for byte.
      const check = createInferenceChecker({ ...warm, tokenizer, ...options });

      const verdicts = [];
      for (const { subject } of cases) {
        const grown = done(await check(subject, ctx));
        const cold = createFakes(outputs);
        const fresh = done(await createInferenceChecker({ ...cold, tokenizer })(subject, ctx));
        verdicts.push(grown.verdict);
        expect(grown.verdict).toBe(fresh.verdict);
        expect(Buffer.from(grown.report).toString()).toBe(Buffer.from(fresh.report).toString());
        expect(grown.reportHash).toBe(fresh.reportHash);
      }
      expect(verdicts).toEqual([1, 2, 1, 1, 2]);
      // At most cacheSize files, and no build leftovers.
      expect(readdirSync(indexDir).length).toBeLessThanOrEqual(3);
      expect(readdirSync(indexDir).every((f) => f.endsWith(".idx"))).toBe(true);
      // And at most one of them open (Linux: this process's descriptors).
      const open = readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(indexDir);
        } catch {
          return false;
        }
      });
      expect(open.length).toBeLessThanOrEqual(1);

      // Contributions 1-3 and 7-12 were fetched (and tokenized) once; 5 and 6 twice, because id 4 was accepted
      // after them and the corpus grew from the cached 1-3 instead.
      const fetched = Object.fromEntries([...warm.fetches].map(([id, n]) => [String(id), n]));
      expect(fetched).toEqual({
        "1": 1,
        "2": 1,
        "3": 1,
        "4": 1,
        "5": 2,
        "6": 2,
        "7": 1,
        "8": 1,
        "9": 1,
        "10": 1,
        "11": 1,
        "12": 1,
      });
    },
  );
});
