import type { Finding, JsonlLineError } from "./findings.ts";
import type { DatanetFormat } from "./validationTypes.ts";

export type FormatResult = {
  findings: Finding[];
  /**
   * The text the duplicate and quality checks look at: the whole text for `text`; for `jsonl`, the records'
   * string values joined by newlines (the required fields, or every top-level string field in sorted key
   * order), so re-ordering keys or renaming a field does not dodge the duplicate check. Falls back to the
   * lossily decoded whole text when the format is invalid (the contribution is rejected anyway).
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

  const lines = text.split("\n");
  // One trailing newline ends the last record; it does not start an empty one.
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const parts: string[] = [];
  // Stops at the first bad line: one is enough to reject, and a million junk lines then cost one exception.
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith("\r") ? lines[i]!.slice(0, -1) : lines[i]!;
    const record = parseRecord(line, requiredFields);
    if ("reason" in record) {
      const finding: Finding =
        record.field === undefined
          ? { code: "INVALID_JSONL", firstLine: i + 1, reason: record.reason }
          : {
              code: "INVALID_JSONL",
              firstLine: i + 1,
              reason: record.reason,
              field: record.field.slice(0, 128),
            };
      return { findings: [finding], contentText: text };
    }
    parts.push(record.content);
  }
  return { findings: [], contentText: parts.join("\n") };
}

function parseRecord(
  line: string,
  requiredFields: readonly string[],
): { content: string } | { reason: JsonlLineError; field?: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { reason: "not_json" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { reason: "not_object" };
  // JSON.parse makes `__proto__` an own data property, never a prototype; Object.hasOwn reads only own keys,
  // so `constructor` or `toString` never count as present through the prototype chain.
  const record = value as Record<string, unknown>;
  for (const field of requiredFields) {
    if (!Object.hasOwn(record, field)) return { reason: "missing_field", field };
    if (typeof record[field] !== "string") return { reason: "field_not_string", field };
  }
  const keys = requiredFields.length > 0 ? [...requiredFields] : Object.keys(record).sort();
  const values: string[] = [];
  for (const k of keys) {
    const v = record[k];
    if (typeof v === "string") values.push(v);
  }
  return { content: values.join("\n") };
}
