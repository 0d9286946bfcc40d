import { jsonlRecordTexts } from "../../../contracts/text/jsonlRecordTexts.ts";
import type { Finding } from "./findings.ts";
import type { DatanetFormat } from "./validationTypes.ts";

export type FormatResult = {
  findings: Finding[];
  /**
   * The text the duplicate and quality checks look at: the whole text for `text`; for `jsonl`, the records'
   * texts (contracts/text/jsonlRecordTexts.ts, the same rule attribution indexes) joined by newlines. Falls
   * back to the lossily decoded whole text when the format is invalid (the contribution is rejected anyway).
   */
  contentText: string;
};

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
const lossyDecoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });

export function checkFormat(
  bytes: Uint8Array,
  format: DatanetFormat,
  requiredFields: readonly string[],
): FormatResult {
  let text: string;
  try {
    text = fatalDecoder.decode(bytes);
  } catch {
    return { findings: [{ code: "INVALID_UTF8" }], contentText: lossyDecoder.decode(bytes) };
  }
  if (format === "text") return { findings: [], contentText: text };

  const records = jsonlRecordTexts(text, requiredFields);
  if (records.ok) return { findings: [], contentText: records.texts.join("\n") };
  const finding: Finding = {
    code: "INVALID_JSONL",
    firstLine: records.line,
    reason: records.reason,
    ...(records.field === undefined ? {} : { field: records.field.slice(0, 128) }),
  };
  return { findings: [finding], contentText: text };
}
