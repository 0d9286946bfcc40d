import { describe, expect, it } from "vitest";
import { jsonlRecordTexts } from "../../contracts/text/jsonlRecordTexts.ts";
import { CorpusFormatError } from "./attributionErrors.ts";
import { buildAttributionIndex } from "./buildAttributionIndex.ts";
import { buildCorpus } from "./buildCorpus.ts";
import { createAttributionEngine } from "./createAttributionEngine.ts";
import { createByteTokenizer } from "./createByteTokenizer.ts";

const tokenizer = createByteTokenizer();
const text = (t: Uint32Array) => tokenizer.decode(t.filter((x) => x !== 256));

describe("buildCorpus", () => {
  it("lays out documents in contribution-id order, each followed by the separator", () => {
    const corpus = buildCorpus({
      contributions: [
        { contributionId: 20n, format: "text", content: "bb" },
        { contributionId: 3n, format: "text", content: new TextEncoder().encode("a") },
      ],
      tokenizer,
    });
    expect(Array.from(corpus.tokens)).toEqual([97, 256, 98, 98, 256]);
    expect(Array.from(corpus.docStarts)).toEqual([0, 2, 5]);
    expect(Array.from(corpus.docContributions)).toEqual([0, 1]);
    expect(corpus.contributionIds).toEqual([3n, 20n]);
  });

  it("makes one document per JSONL record, with the text validation reads (jsonlRecordTexts)", () => {
    const content = '{"text":"hi","id":"x1","meta":{"note":"yo"}}\r\n{"text":"ok","n":5}\n';
    const all = buildCorpus({ contributions: [{ contributionId: 1n, format: "jsonl", content }], tokenizer });
    expect(all.docContributions.length).toBe(2);
    // Top-level string fields in sorted key order; nested values are not text.
    expect(text(all.tokens.subarray(all.docStarts[0]!, all.docStarts[1]!))).toBe("x1\nhi");
    const records = jsonlRecordTexts(content);
    expect(records.ok && records.texts).toEqual(["x1\nhi", "ok"]);
    const only = buildCorpus({
      contributions: [{ contributionId: 1n, format: "jsonl", content }],
      tokenizer,
      jsonlFields: ["text"],
    });
    expect(text(only.tokens)).toBe("hiok");
  });

  it("skips empty documents and keeps the contribution", () => {
    const corpus = buildCorpus({
      contributions: [{ contributionId: 1n, format: "text", content: "" }],
      tokenizer,
    });
    expect(corpus.tokens.length).toBe(0);
    expect(corpus.contributionIds).toEqual([1n]);
  });

  it("names the contribution and line of a bad JSONL line, and rejects duplicate or out-of-range ids", () => {
    const bad = () =>
      buildCorpus({
        contributions: [{ contributionId: 7n, format: "jsonl", content: '{"text":"ok"}\n{oops\n' }],
        tokenizer,
      });
    expect(bad).toThrow(CorpusFormatError);
    expect(bad).toThrow(/Contribution 7 line 2 is not a valid JSONL record \(not_json\)/);
    const dup = { contributionId: 1n, format: "text" as const, content: "x" };
    expect(() => buildCorpus({ contributions: [dup, dup], tokenizer })).toThrow(/listed twice/);
    expect(() => buildCorpus({ contributions: [{ ...dup, contributionId: 1n << 256n }], tokenizer })).toThrow(
      /uint256/,
    );
  });

  it("drops one leading byte-order mark from strings as from bytes, for contributions and outputs alike", () => {
    const enc = new TextEncoder();
    const body = "hello there, a contribution with a BOM in front and \uFEFF one inside";
    const jsonl = '{"text":"a record behind a BOM"}\n';
    for (const [format, plain] of [
      ["text", body],
      ["jsonl", jsonl],
    ] as const) {
      const withBom = `\uFEFF${plain}`;
      const bomBytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...enc.encode(plain)]);
      const corpora = [plain, withBom, bomBytes, enc.encode(plain)].map((content) =>
        buildCorpus({ contributions: [{ contributionId: 1n, format, content }], tokenizer }),
      );
      for (const c of corpora) expect(c).toEqual(corpora[0]);
    }
    // Only the leading one: a second BOM, or one inside, is text.
    const twice = buildCorpus({
      contributions: [{ contributionId: 1n, format: "text", content: "\uFEFF\uFEFFx" }],
      tokenizer,
    });
    expect(Array.from(twice.tokens)).toEqual([0xef, 0xbb, 0xbf, 0x78, 256]);
    // An output is read by the same rule.
    const engine = createAttributionEngine({
      index: buildAttributionIndex({
        contributions: [{ contributionId: 1n, format: "text", content: body }],
        tokenizer,
      }),
    });
    const bomResult = engine.attribute(`\uFEFF${body}`);
    expect(bomResult.outputLength).toBe(enc.encode(body).length);
    expect(bomResult).toEqual(
      engine.attribute(new TextDecoder().decode(Uint8Array.from([0xef, 0xbb, 0xbf, ...enc.encode(body)]))),
    );
  });
});
