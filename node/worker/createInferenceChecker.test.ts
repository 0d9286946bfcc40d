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
type Made = { id: bigint; block: bigint; text: string; dataRoot: Hex };
const made = (id: bigint, block: bigint, text: string): Made => ({
  id,
  block,
  text,
  dataRoot: keccak256(encoder.encode(text)),
});
const contributions = acceptedAt.map((block, i) => made(BigInt(i + 1), block, syntheticText(100 + i, 300)));

function corpusAt(block: bigint, list: readonly Made[] = contributions) {
  return list.filter((c) => c.block <= block);
}

function claimOver(corpus: readonly Made[], output: string, dishonest = false) {
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
  return claim;
}

/**
 * An output quoting three contributions accepted by `block`, and the claim its developer records in the next
 * block with `block` as its corpusBlock.
 */
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
  return { subject: subjectOf(id, block, output, claimOver(corpus, output, dishonest)), output };
}

function subjectOf(
  id: bigint,
  corpusBlock: bigint,
  output: string,
  claim: { contributionIds: bigint[]; weights: bigint[] },
): InferenceSubject {
  return {
    kind: 1,
    id,
    modelId: 1n,
    outputRoot: keccak256(encoder.encode(output)),
    status: "recorded",
    recordedBlock: corpusBlock + 1n,
    corpusBlock,
    ...claim,
  };
}

function createFakes(outputs: Map<Hex, string>, list: readonly Made[] = contributions) {
  const fetches = new Map<bigint, number>();
  const byRoot = new Map(list.map((c) => [c.dataRoot, c]));
  const subjects = {
    modelDatanets: async () => [1n],
    acceptedContributions: async (_datanets: bigint[], atBlock?: bigint): Promise<AcceptedContribution[]> =>
      corpusAt(atBlock ?? 1_000n, list).map((c) => ({
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

  it("re-checks against the corpus of the inference's corpusBlock: an acceptance in its own block changes nothing", async () => {
    // Contribution 4 repeats contribution 1 and is accepted in block 30, the inference's own block. Whether it
    // landed before or after the inference in that block, the claim was computed over blocks up to 29.
    const list = [
      made(1n, 10n, syntheticText(501, 300)),
      made(2n, 10n, syntheticText(502, 300)),
      made(3n, 10n, syntheticText(503, 300)),
    ];
    list.push(made(4n, 30n, list[0]!.text));
    const output = `${list[0]!.text.split(" ").slice(10, 40).join(" ")}. ${list[2]!.text.split(" ").slice(50, 80).join(" ")}`;
    const overPast = claimOver(corpusAt(29n, list), output);
    const withSameBlock = claimOver(corpusAt(30n, list), output);
    expect(withSameBlock, "contribution 4 splits the quoted span").not.toEqual(overPast);
    const outputs = new Map([[keccak256(encoder.encode(output)), output]]);

    const honest = subjectOf(7n, 29n, output, overPast);
    expect(honest.recordedBlock).toBe(30n);
    const fakes = createFakes(outputs, list);
    const verdict = done(await createInferenceChecker({ ...fakes, tokenizer })(honest, ctx));
    expect(verdict.verdict).toBe(1);
    expect(JSON.parse(Buffer.from(verdict.report).toString())).toMatchObject({
      corpusBlock: "29",
      corpus: ["1", "2", "3"],
    });
    // A claim over a corpus other than the one it names is dishonest, even if it was honest for that other one.
    const mismatched = subjectOf(8n, 29n, output, withSameBlock);
    const wrong = done(await createInferenceChecker({ ...fakes, tokenizer })(mismatched, ctx));
    expect(wrong.verdict).toBe(2);
    // Naming block 30 as its corpus (possible only when recorded in block 31 or later) makes it honest.
    const later = subjectOf(9n, 30n, output, withSameBlock);
    expect(done(await createInferenceChecker({ ...fakes, tokenizer })(later, ctx)).verdict).toBe(1);
  });
});
