import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { AttributionInputError } from "./attributionErrors.ts";
import type { ContributionInput } from "./buildCorpus.ts";

/**
 * A folder of files as contributions, for trying the engine by hand: each visible regular file is one
 * contribution, `.jsonl` files in JSONL format and everything else as text. The id is the file name's leading
 * digits (`42.txt`, `7-notes.jsonl`), or else the file's 1-based rank in name order.
 */
export function readContributionFolder(folder: string): ContributionInput[] {
  let names: string[];
  try {
    names = readdirSync(folder)
      .filter((n) => !n.startsWith("."))
      .sort();
  } catch (error) {
    throw new AttributionInputError(
      `Cannot read folder ${folder}.`,
      "Pass a folder of text or .jsonl files.",
      (error as Error).message,
    );
  }
  const seen = new Map<bigint, string>();
  const out: ContributionInput[] = [];
  names.forEach((name, rank) => {
    const path = join(folder, name);
    if (!statSync(path).isFile()) return;
    const digits = /^(\d+)/.exec(name)?.[1];
    const contributionId = digits !== undefined ? BigInt(digits) : BigInt(rank + 1);
    const other = seen.get(contributionId);
    if (other !== undefined) {
      throw new AttributionInputError(
        `${name} and ${other} both get contribution id ${contributionId}.`,
        "Name files by their contribution id (e.g. 12.txt) or give none of them a numeric prefix.",
      );
    }
    seen.set(contributionId, name);
    out.push({
      contributionId,
      format: name.endsWith(".jsonl") ? "jsonl" : "text",
      content: readFileSync(path),
    });
  });
  return out;
}
