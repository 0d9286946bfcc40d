/**
 * Run by validationDeterminism.test.ts in a fresh `node` process: validates fixed contributions against a fixed
 * corpus and prints each report's canonical bytes (hex) and hash, one per line.
 */
import { computeDataRoot } from "../../../contracts/merkle/chunkTree.ts";
import { DEFAULT_LICENSE_ALLOWLIST } from "./licenseAllowlist.ts";
import { createNearDuplicateIndex } from "./nearDuplicateIndex.ts";
import { encodeReport, reportHash } from "./reportEncoding.ts";
import { mutateWords, syntheticText } from "./syntheticText.ts";
import { validateContribution } from "./validateContribution.ts";

export function determinismRun(): string[] {
  const corpus = createNearDuplicateIndex();
  for (let i = 0; i < 40; i++) corpus.add(BigInt(i), syntheticText(300 + i, 200));
  const texts = [
    syntheticText(1, 400),
    mutateWords(syntheticText(305, 200), 0.05, 3),
    syntheticText(301, 200),
    "spam ".repeat(200),
    "Zürich café 漢字 naïve ﬁne",
  ];
  return texts.map((text, i) => {
    const bytes = new TextEncoder().encode(text);
    const chunks: Uint8Array[] = [];
    for (let o = 0; o < bytes.length; o += 1000) chunks.push(bytes.subarray(o, o + 1000));
    const report = validateContribution(
      {
        contributionId: 1000n + BigInt(i),
        datanetId: 3n,
        dataRoot: computeDataRoot(chunks),
        declared: {
          byteSize: BigInt(bytes.length),
          chunkCount: chunks.length,
          license: "CC0-1.0",
          format: "text",
        },
        chunks,
      },
      {
        datanet: { format: "text", maxChunkBytes: 1000 },
        licenseAllowlist: DEFAULT_LICENSE_ALLOWLIST,
        corpus,
      },
    );
    return `${Buffer.from(encodeReport(report)).toString("hex")} ${reportHash(report)}`;
  });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  process.stdout.write(`${determinismRun().join("\n")}\n`);
}
